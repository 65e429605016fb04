/**
 * Starts platform instances inside the demo process, each on its own port and PostgreSQL
 * schema (dropped again at the end), and talks to their admin API.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { RequestHandler } from 'express';
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

const ADMIN_KEY = crypto.randomBytes(24).toString('hex');

export async function startDemoPlatform(name: string, settings: DemoSettings, recorder: RequestHandler): Promise<DemoPlatform> {
  const port = await freePort();
  const schema = `demo_${name.toLowerCase()}_${crypto.randomBytes(3).toString('hex')}`;
  const url = `http://127.0.0.1:${port}`;
  const config = parseConfig({
    NODE_ENV: 'development',
    ROLE: 'all',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: url,
    DATABASE_URL: `${settings.databaseUrl}${settings.databaseUrl.includes('?') ? '&' : '?'}schema=${schema}`,
    REDIS_URL: settings.redisUrl,
    REDIS_PREFIX: `demo:${schema}`,
    ADMIN_API_KEY: ADMIN_KEY,
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'silent',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    DISPATCH_INTERVAL_MS: '200',
    DELIVERY_BACKOFF_BASE_MS: '200',
    SIMULATOR_SPEED: String(settings.speed),
    SIMULATOR_TICK_MS: '250',
  });
  const running = await startPlatform(config, { logger: createLogger(config.LOG_LEVEL), http: { before: [recorder] } });
  return { name, url, schema, running, admin: new AdminClient(url) };
}

export async function stopDemoPlatform(p: DemoPlatform, databaseUrl: string): Promise<void> {
  await p.running.close();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${p.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export class AdminError extends Error {}

/** The admin API of one platform; a non-2xx answer is an error naming the call. */
export class AdminClient {
  constructor(private readonly url: string) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
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
