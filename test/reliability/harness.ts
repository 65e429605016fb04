/**
 * Plumbing of the reliability suite: a raw HTTP client (bytes on the wire exactly as given: no
 * URL normalisation, no JSON re-encoding, invalid UTF-8 allowed) and a snapshot of every table
 * of a test platform's schema, to prove that a refused request wrote nothing.
 */
import http from 'node:http';
import { Client } from 'pg';
import { TEST_DATABASE_URL, type TestPlatform } from '../helpers/platform.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: any;
}

/**
 * `path` is sent as it is (it may hold `..`, `%2F` or raw bytes written as latin1 characters);
 * header values likewise (latin1 strings stand for raw bytes).
 */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent: keepAlive,
        headers: { ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

export function closeAgent(): void {
  keepAlive.destroy();
}

/** `Authorization` header for a token, Base64 as 2.2.1 wants. */
export const auth = (token: string) => ({ Authorization: `Token ${Buffer.from(token).toString('base64')}` });

/** Bookkeeping columns that reads may touch (last contact of a peer, last use of an admin key); everything else must stay. */
const VOLATILE_COLUMNS = ['last_contact_at', 'updated_at', 'last_used_at'];

/**
 * Row count and content hash of every table in the platform's schema. Tables added later are
 * included automatically.
 */
export class TableSnapshots {
  private client?: Client;
  private query?: string;

  constructor(private readonly platform: TestPlatform) {}

  async take(): Promise<Record<string, string>> {
    if (!this.client) {
      this.client = new Client({ connectionString: TEST_DATABASE_URL });
      await this.client.connect();
    }
    if (!this.query) {
      const schema = this.platform.schema;
      const tables = await this.client.query<{ table_name: string }>(
        // The peers' data-quality report counts refusals by design: it is a report, not the refused
        // object; the admin audit log records refused admin calls by design too (after the answer).
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT IN ('_prisma_migrations', 'peer_data_quality', 'admin_audit_entry') ORDER BY table_name`,
        [schema],
      );
      const minus = VOLATILE_COLUMNS.map((c) => ` - '${c}'`).join('');
      this.query = tables.rows
        .map(({ table_name: t }) => {
          // An order-independent sum of row hashes: no sort, one pass per table.
          return `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(sum(hashtextextended((to_jsonb(x)${minus})::text, 0)), 0)::text AS v FROM "${schema}"."${t}" x`;
        })
        .join(' UNION ALL ');
    }
    const rows = await this.client.query<{ t: string; v: string }>(this.query);
    return Object.fromEntries(rows.rows.map((r) => [r.t, r.v]));
  }

  /** Tables whose rows differ between two snapshots, e.g. `received_location 3:ab.. -> 4:cd..`. */
  static diff(before: Record<string, string>, after: Record<string, string>): string[] {
    return Object.keys({ ...before, ...after })
      .filter((t) => before[t] !== after[t])
      .map((t) => `${t} ${before[t]} -> ${after[t]}`);
  }

  async close(): Promise<void> {
    await this.client?.end();
  }
}

/** A response is an OCPI envelope: integer status_code, a timestamp, an optional message. */
export function envelopeProblem(res: RawResponse): string | undefined {
  if (!/application\/json/.test(String(res.headers['content-type'] ?? ''))) return `content-type ${res.headers['content-type']}`;
  const b = res.json;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'body is not a JSON object';
  if (!Number.isInteger(b.status_code) || b.status_code < 1000 || b.status_code > 4999) return `status_code ${b.status_code}`;
  if (typeof b.timestamp !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(b.timestamp)) return `timestamp ${b.timestamp}`;
  if (b.status_message !== undefined && typeof b.status_message !== 'string') return 'status_message is not a string';
  return undefined;
}

/** Health of the instance after a barrage: readiness (database, Redis) and liveness. */
export async function assertHealthy(platform: TestPlatform): Promise<void> {
  const ready = await rawRequest(platform.url, 'GET', '/health/ready');
  if (ready.status !== 200) throw new Error(`/health/ready answered ${ready.status}: ${ready.text}`);
  const live = await rawRequest(platform.url, 'GET', '/health/live');
  if (live.status !== 200) throw new Error(`/health/live answered ${live.status}`);
}
