/**
 * Starts platform instances inside the demo process, each on its own port, PostgreSQL schema
 * and Redis prefix, removes them all again however the demo ends, and talks to their admin API.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { RequestHandler } from 'express';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { parseConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { type RunningPlatform, startPlatform } from '../runtime.js';

export interface DemoPlatform {
  name: string;
  url: string;
  schema: string;
  running: RunningPlatform;
  admin: AdminClient;
}

export interface DemoSettings {
  databaseUrl: string;
  redisUrl: string;
  /** Simulated seconds per real second. */
  speed: number;
}

/** The admin API key of every demo platform: random per run, printed only with `--keep`. */
export const DEMO_ADMIN_KEY = crypto.randomBytes(24).toString('hex');

/** The Redis prefix of a platform's keys (BullMQ writes `{prefix}:{queue}:...`). */
export const redisPrefixOf = (schema: string) => `demo:${schema}`;

async function startDemoPlatform(name: string, schema: string, settings: DemoSettings, recorder: RequestHandler): Promise<DemoPlatform> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig({
    NODE_ENV: 'development',
    ROLE: 'all',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: url,
    DATABASE_URL: `${settings.databaseUrl}${settings.databaseUrl.includes('?') ? '&' : '?'}schema=${schema}`,
    REDIS_URL: settings.redisUrl,
    REDIS_PREFIX: redisPrefixOf(schema),
    ADMIN_API_KEY: DEMO_ADMIN_KEY,
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'silent',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    DISPATCH_INTERVAL_MS: '200',
    DELIVERY_BACKOFF_BASE_MS: '200',
    SIMULATOR_SPEED: String(settings.speed),
    SIMULATOR_TICK_MS: '250',
    // Ctrl-C should not wait long for a browser's idle keep-alive connection.
    SHUTDOWN_GRACE_MS: '2000',
  });
  const running = await startPlatform(config, { logger: createLogger(config.LOG_LEVEL), http: { before: [recorder] } });
  return { name, url, schema, running, admin: new AdminClient(url) };
}

/** What `DemoPlatforms.stop` could not remove (the demo still exits). */
export interface CleanupReport {
  schemas: string[];
  problems: string[];
}

/** A platform asked for: its schema at once, the platform once started. */
interface Entry {
  schema: string;
  platform?: DemoPlatform;
  /** Resolves once the start succeeded or failed. */
  settled: Promise<unknown>;
}

/**
 * Every platform of one demo run. A platform's schema and Redis prefix are named before it
 * starts, so a stop that comes while it is starting still waits for it and removes its data.
 */
export class DemoPlatforms {
  /** In the order they were asked for. */
  private readonly entries: Entry[] = [];
  /** What runs against the platforms from outside (the `--ocpp` charge point): stopped first. */
  private readonly clients: Array<() => Promise<void>> = [];
  private stopping?: Promise<CleanupReport>;

  constructor(private readonly settings: DemoSettings) {}

  start(name: string, recorder: RequestHandler): Promise<DemoPlatform> {
    if (this.stopping) return Promise.reject(new Error('the demo is stopping'));
    const schema = `demo_${name.toLowerCase()}_${crypto.randomBytes(3).toString('hex')}`;
    const entry: Entry = { schema, settled: Promise.resolve() };
    const started = startDemoPlatform(name, schema, this.settings, recorder).then((p) => (entry.platform = p));
    entry.settled = started.catch(() => undefined);
    this.entries.push(entry);
    return started;
  }

  /** Something connected to the platforms that `stop` closes before stopping them (a charge point stays up with `--keep`). */
  closeOnStop(close: () => Promise<void>): void {
    this.clients.push(close);
  }

  /** The schemas of every platform asked for so far, started or not. */
  get schemaNames(): string[] {
    return this.entries.map((e) => e.schema);
  }

  /** The platforms running now, in the order they were asked for. */
  get started(): DemoPlatform[] {
    return this.entries.flatMap((e) => (e.platform ? [e.platform] : []));
  }

  /** Stops every platform and removes its schema and Redis keys; once, however often it is called. */
  stop(): Promise<CleanupReport> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<CleanupReport> {
    const problems: string[] = [];
    await Promise.all(this.entries.map((e) => e.settled));
    await Promise.all(this.clients.map((close) => close().catch((e: Error) => void problems.push(`closing a client: ${e.message}`))));
    // Together: each one's deliveries to the others then fail at once instead of waiting.
    await Promise.all(this.started.map((p) => p.running.close().catch((e: Error) => void problems.push(`stopping ${p.name}: ${e.message}`))));
    const schemas = this.schemaNames;
    await dropSchemas(this.settings.databaseUrl, schemas).catch((e: Error) => problems.push(`dropping the schemas: ${e.message}`));
    await removeRedisKeys(
      this.settings.redisUrl,
      schemas.map((s) => redisPrefixOf(s)),
    ).catch((e: Error) => problems.push(`removing the Redis keys: ${e.message}`));
    return { schemas, problems };
  }
}

async function dropSchemas(databaseUrl: string, schemas: string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Deletes every key under the prefixes (SCAN, then UNLINK in batches); gives up at once if Redis is unreachable. */
async function removeRedisKeys(redisUrl: string, prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000, connectionName: 'ocpi-demo-cleanup' });
  redis.on('error', () => undefined);
  try {
    // ioredis's own message for a refused connection is just "Connection is closed".
    await redis.connect().catch(() => {
      throw new Error('Redis could not be reached');
    });
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

export class AdminError extends Error {}

/** The admin API of one platform; a non-2xx answer is an error naming the call. */
export class AdminClient {
  constructor(private readonly url: string) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${DEMO_ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new AdminError(`${method} /admin${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get = <T = unknown>(path: string) => this.call<T>('GET', path);
  post = <T = unknown>(path: string, body: unknown = {}) => this.call<T>('POST', path, body);
  put = <T = unknown>(path: string, body: unknown) => this.call<T>('PUT', path, body);
}

/** A port nobody listens on right now (the OS picks it), so PUBLIC_BASE_URL can be known before start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
