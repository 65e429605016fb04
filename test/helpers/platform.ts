/**
 * Starts a real platform instance for a test: its own PostgreSQL schema, its own Redis prefix,
 * its own port on 127.0.0.1, and a record of every HTTP request it received.
 */
import crypto from 'node:crypto';
import express from 'express';
import { Client } from 'pg';
import pino from 'pino';
import request from 'supertest';
import { type Config, parseConfig } from '../../src/config.js';
import type { ModuleInterface } from '../../src/ocpi/registry-types.js';
import type { ModuleDescriptor } from '../../src/modules/descriptor.js';
import { freePort } from '../../src/demo/platforms.js';
import { type RunningPlatform, startPlatform } from '../../src/runtime.js';
import { type IdleOptions } from '../../src/delivery/idle.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface TestPlatform extends RunningPlatform {
  url: string;
  schema: string;
  received: RecordedRequest[];
  logs: string[];
  admin(): ReturnType<typeof adminAgent>;
  /**
   * Resolves once the worker of this instance (ROLE worker or all) has nothing left to do
   * (src/delivery/idle.ts): what a check that nothing was sent waits for, instead of a sleep.
   */
  whenIdle(options?: IdleOptions): Promise<void>;
  stop(): Promise<void>;
}

export { freePort };

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    ROLE: 'api',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    ADMIN_API_KEY: ADMIN_KEY,
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    OUTBOUND_TIMEOUT_MS: '5000',
    // Suites send hundreds of unauthenticated requests from 127.0.0.1 on purpose (access matrix,
    // fuzzing); test/hardening/smaller.test.ts turns the per-address limit on.
    AUTH_FAILURE_LIMIT_PER_MINUTE: '0',
    ...overrides,
  });
}

/** A schema name unique to this test file and instance. */
export function uniqueSchema(label: string): string {
  return `t_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * `databaseHost` (host:port) replaces the PostgreSQL address of the instance's DATABASE_URL, keeping
 * its database and schema: the fault tests put a cuttable proxy there (test/helpers/tcp-proxy.ts).
 */
export async function startTestPlatform(
  label: string,
  opts: { env?: Record<string, string>; interfaces?: ModuleInterface[]; descriptors?: readonly ModuleDescriptor[]; databaseHost?: string } = {},
): Promise<TestPlatform> {
  const port = await freePort();
  const schema = uniqueSchema(label);
  const url = `http://127.0.0.1:${port}`;
  const config = testConfig({
    PORT: String(port),
    PUBLIC_BASE_URL: url,
    DATABASE_URL: `${withHost(TEST_DATABASE_URL, opts.databaseHost)}?schema=${schema}`,
    REDIS_PREFIX: `test:${schema}`,
    ...opts.env,
  });
  const received: RecordedRequest[] = [];
  const logs: string[] = [];
  const logger = pino(
    { level: config.LOG_LEVEL, redact: { paths: (await import('../../src/logger.js')).REDACT_PATHS, censor: '[redacted]' } },
    { write: (line: string) => void logs.push(line) },
  );
  const recorder: express.RequestHandler = (req, _res, next) => {
    // Body parsing happens later; capture it once the request finishes.
    const entry: RecordedRequest = { method: req.method, path: req.path, query: { ...req.query }, headers: { ...req.headers }, body: undefined };
    received.push(entry);
    _res.on('finish', () => (entry.body = req.body));
    next();
  };
  const platform = await startPlatform(config, { logger, interfaces: opts.interfaces, descriptors: opts.descriptors, http: { before: [recorder] } });
  return {
    ...platform,
    url,
    schema,
    received,
    logs,
    admin: () => adminAgent(url),
    whenIdle: (options) => platform.ctx.services.workerIdle.whenIdle(options),
    async stop() {
      await platform.close();
      await dropSchema(schema);
    },
  };
}

function withHost(databaseUrl: string, host: string | undefined): string {
  if (!host) return databaseUrl;
  const url = new URL(databaseUrl);
  url.host = host;
  return url.toString();
}

export function adminAgent(url: string) {
  const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
  return {
    get: (path: string) => request(url).get(`/admin${path}`).set(auth),
    post: (path: string, body?: object) =>
      request(url)
        .post(`/admin${path}`)
        .set(auth)
        .send(body ?? {}),
    patch: (path: string, body: object) => request(url).patch(`/admin${path}`).set(auth).send(body),
    put: (path: string, body: object) => request(url).put(`/admin${path}`).set(auth).send(body),
    delete: (path: string) => request(url).delete(`/admin${path}`).set(auth),
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function tokenHeader(token: string, encoding: 'base64' | 'raw' = 'base64'): string {
  return `Token ${encoding === 'base64' ? Buffer.from(token).toString('base64') : token}`;
}

export { request };
