/**
 * Starts one platform process (api, worker or both) from a validated config, and stops it
 * gracefully. main.ts uses it for the real binary; tests and the demo start instances with it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAppContext } from './app-context.js';
import type { AppContext } from './context.js';
import type { Config } from './config.js';
import { ensureDatabase, redactUrl } from './db/ensure-database.js';
import { MigrationError, migrate } from './db/migrate.js';
import { createPrisma } from './db/prisma.js';
import express from 'express';
import { type HttpHooks, createHttpApp, healthRouter } from './http/app.js';
import type { ModuleInterface } from './ocpi/registry-types.js';
import { startSimulator } from './backends/simulator.js';
import { attachOcpp } from './backends/ocpp/index.js';
import { createLogger } from './logger.js';
import type { ModuleDescriptor } from './modules/descriptor.js';
import { descriptors, interfacesOf } from './modules/registry.js';
import { createRedis } from './redis.js';
import { startWorker } from './worker.js';

export class StartupError extends Error {}

export interface RunningPlatform {
  ctx: AppContext;
  server?: http.Server;
  /** Base URL the HTTP server listens on (http://host:port), when the api role runs. */
  url?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Replaces the module registry (tests mount extra interfaces this way). */
  interfaces?: ModuleInterface[];
  /** Replaces the registry's descriptors (tests add a module or a version this way); interfaces derive from them. */
  descriptors?: readonly ModuleDescriptor[];
  http?: HttpHooks;
}

export async function startPlatform(config: Config, options: StartOptions = {}): Promise<RunningPlatform> {
  const log = options.logger ?? createLogger(config.LOG_LEVEL);
  try {
    await ensureDatabase(config.DATABASE_URL);
    const { applied } = await migrate(config.DATABASE_URL, config.DATABASE_SCHEMA);
    if (applied.length) log.info({ applied }, 'database migrations applied');
  } catch (e) {
    if (e instanceof MigrationError) throw new StartupError(`Cannot migrate schema ${config.DATABASE_SCHEMA}: ${e.message}`);
    throw new StartupError(`Cannot use PostgreSQL at DATABASE_URL=${redactUrl(config.DATABASE_URL)}: ${describe(e)}`);
  }
  const redis = createRedis(config.REDIS_URL, 'commands');
  let redisError: unknown;
  redis.on('error', (e) => {
    // ioredis reconnects by itself; one line per failure is enough for ops.
    if (redisError === undefined) log.warn({ err: describe(e) }, 'Redis connection error');
    redisError = e;
  });
  redis.on('ready', () => (redisError = undefined));
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new StartupError(`Cannot reach Redis at REDIS_URL=${redactUrl(config.REDIS_URL)}: ${describe(redisError ?? e)}`);
  }
  const db = createPrisma(config.DATABASE_URL, config.DATABASE_SCHEMA, undefined, {
    connectMs: config.DB_CONNECT_TIMEOUT_MS,
    statementMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  // Prisma loads its query compiler on first use: done here, before listening, it is not paid by
  // the first request in the middle of the read model's load (a few hundred ms of event loop).
  await db.$connect();
  const ctx = createAppContext({
    config,
    log,
    db,
    redis,
    interfaces: options.interfaces ?? interfacesOf(options.descriptors ?? descriptors),
    descriptors: options.descriptors ?? descriptors,
  });
  const closers: Array<() => Promise<void>> = [];

  let server: http.Server | undefined;
  let url: string | undefined;
  {
    // A worker-only process still answers health checks on PORT, so orchestrators can probe it.
    const api = config.ROLE === 'worker' ? { http: express().use(healthRouter(ctx)), close: async () => undefined } : createHttpApp(ctx, options.http);
    const httpServer = http.createServer(api.http);
    server = httpServer;
    closers.push(() => api.close());
    if (config.ROLE !== 'worker') {
      // Commands are received here, so the built-in simulator backend runs in the API role. It
      // stops before the modules below: the command it finishes on shutdown still writes through them.
      const simulator = startSimulator(ctx);
      closers.push(() => simulator.stop());
      // What modules keep running (e.g. the locations read model), ready before the first request.
      for (const d of ctx.descriptors) if (d.onStart) closers.push(await d.onStart(ctx));
    }
    // Charge points of `ocpp` parties connect to the API role's server (WebSocket upgrade).
    const ocpp = config.ROLE === 'worker' ? null : attachOcpp(ctx, httpServer);
    httpServer.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', (e) => reject(new StartupError(`Cannot listen on PORT=${config.PORT}: ${describe(e)}`)));
      httpServer.listen(config.PORT, config.HOST, resolve);
    });
    const port = (httpServer.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
    closers.unshift(() => closeServer(httpServer, config.SHUTDOWN_GRACE_MS));
    // Upgraded sockets are not the HTTP server's to close: they go first.
    if (ocpp) closers.unshift(() => ocpp.close());
    const base = config.PUBLIC_BASE_URL;
    if (config.ROLE === 'worker') log.info({ port }, `health endpoints listening on port ${port}: ${base}/health/ready`);
    else
      log.info(
        { port, public_base_url: base },
        `listening on port ${port}: OCPI ${base}/ocpi/versions, admin API ${base}/admin, console ${base}/console/, API docs ${base}/docs, queues ${base}/admin/queues, metrics ${base}/metrics`,
      );
  }
  // What modules start once we listen (e.g. resuming interrupted credentials handshakes).
  if (config.ROLE !== 'worker') for (const d of ctx.descriptors) if (d.onListening) closers.push(await d.onListening(ctx));
  if (config.ROLE === 'worker' || config.ROLE === 'all') {
    const engine = await startWorker(ctx);
    closers.push(() => engine.close());
    log.info('workers started');
  }

  let closing: Promise<void> | undefined;
  return {
    ctx,
    server,
    url,
    close() {
      closing ??= (async () => {
        // Stop intake first (HTTP, then workers finish their jobs), then the pools they used.
        for (const close of closers) await close().catch((e) => log.error({ err: describe(e) }, 'error while stopping'));
        // The one outbound connection pool, once nothing sends any more.
        await ctx.client.transport.close().catch(() => undefined);
        await db.$disconnect().catch(() => undefined);
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}

function closeServer(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = err?.code ?? err?.errors?.[0]?.code;
  const message = err?.message || code || String(e);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
