/**
 * Recognises errors that mean "PostgreSQL or Redis cannot be reached right now" (connection
 * refused, reset or closed, pool timeouts, server shutting down, a statement or connection that
 * ran out of its configured time), whichever layer raised them:
 * pg, the Prisma driver adapter, Prisma itself, ioredis. Such a failure is the platform's
 * temporary unavailability, not a bug in the request: the error handlers answer it with a
 * retryable 503 instead of a 500, and never repeat the driver's message (it names hosts).
 */

/** Prisma: can't reach, timed out, closed the connection, pool exhausted. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** What @prisma/adapter-pg maps socket and connection errors to. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/**
 * Socket errors, and PostgreSQL's admin shutdown / crash shutdown / cannot connect now / too many
 * connections / statement timeout (query_canceled) / idle-in-transaction timeout.
 */
const ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
  '25P03',
]);
/** pg and ioredis raise these as plain Errors without a code. */
const MESSAGES = [
  /^Connection terminated/i,
  /Client has encountered a connection error and is not queryable/i,
  /timeout exceeded when trying to connect/i,
  // pg's client-side query_timeout: the server accepted the connection but did not answer.
  /^Query read timeout$/i,
  /canceling statement due to statement timeout/i,
  /^Connection is closed\.?$/i,
  /Reached the max retries per request limit/i,
  /Stream isn't writeable and enableOfflineQueue options is false/i,
];

export function isServiceUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { name?: string; code?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string } } }; errors?: unknown[] };
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string' && (PRISMA_CODES.has(e.code) || ERROR_CODES.has(e.code))) return true;
  const kind = e.meta?.driverAdapterError?.cause?.kind ?? (e.name === 'DriverAdapterError' ? (e.cause as { kind?: string } | undefined)?.kind : undefined);
  if (kind && ADAPTER_KINDS.has(kind)) return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isServiceUnavailable(x, depth + 1))) return true;
  return isServiceUnavailable(e.cause, depth + 1);
}

/** Seconds a client is told to wait before retrying: about one reconnection attempt. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
