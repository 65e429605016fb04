/**
 * Environment -> typed configuration, validated once at start. Every setting is listed in the
 * README table and in .env.example; a bad value stops the process with a message naming it.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = z.string().url();

function isCidr(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  const family = net.isIP(address);
  const bits = Number(prefix);
  return extra === undefined && family !== 0 && Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: url.transform((u) => u.replace(/\/+$/, '')),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  REDIS_PREFIX: z.string().min(1).default('ocpi'),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters'),
  TOKEN_ENCRYPTION_KEY: z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines in a terminal outside production, JSON everywhere else (log shippers).
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  PAGE_SIZE_DEFAULT: int(1, 10000).default(50),
  PAGE_SIZE_MAX: int(1, 10000).default(100),
  OUTBOUND_TIMEOUT_MS: int(100, 600000).default(10000),
  OUTBOUND_ALLOW_PRIVATE: bool.default(false),
  OUTBOUND_DENY_CIDRS: z
    .string()
    .default('')
    .refine(
      (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .every(isCidr),
      'must be comma-separated CIDRs such as 10.0.0.0/8,fd00::/8',
    ),
  INVITATION_TTL_HOURS: int(1, 24 * 365).default(72),
  MAX_FUTURE_SKEW_SECONDS: int(0, 86400).default(300),
  DB_CONNECT_TIMEOUT_MS: int(100, 600000).default(5000),
  DB_STATEMENT_TIMEOUT_MS: int(100, 3600000).default(20000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(100, 3600000).default(30000),
  RATE_LIMIT_PER_SECOND: int(0, 1000000).default(50),
  RATE_LIMIT_BURST: int(1, 1000000).default(200),
  AUTH_FAILURE_LIMIT_PER_MINUTE: int(0, 1000000).default(30),
  // Empty (as in .env.example) means unset: /metrics open.
  METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional()),
  METRICS_CACHE_MS: int(0, 600000).default(10000),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must look like 1mb or 512kb')
    .default('1mb'),
  SHUTDOWN_GRACE_MS: int(0, 600000).default(15000),
  DELIVERY_CONCURRENCY: int(1, 1000).default(50),
  DELIVERY_KEY_CONCURRENCY: int(1, 1000).default(64),
  DELIVERY_RETRY_WINDOW_MINUTES: int(1, 60 * 24 * 30).default(360),
  DELIVERY_BACKOFF_BASE_MS: int(10, 3600000).default(1000),
  DELIVERY_BACKOFF_MAX_MS: int(100, 86400000).default(300000),
  DISPATCH_INTERVAL_MS: int(50, 600000).default(1000),
  JOB_LOCK_MS: int(1000, 3600000).default(30000),
  PULL_INTERVAL_MINUTES: int(1, 60 * 24 * 7).default(180),
  PULL_JITTER_MINUTES: int(0, 60 * 24).default(30),
  OUTBOX_HISTORY_HOURS: int(1, 24 * 90).default(6),
  OUTBOX_INLINE_FANOUT: int(0, 100000).default(8),
  COMMAND_TIMEOUT_SECONDS: int(1, 3600).default(60),
  CHARGING_PROFILE_MIN_INTERVAL_SECONDS: int(0, 86400).default(10),
  AUTHORIZATION_TIMEOUT_MS: int(100, 60000).default(3000),
  EMSP_AUTHORIZE_TIMEOUT_MS: int(100, 60000).default(2000),
  SIMULATOR_SPEED: z.coerce.number().min(1).max(100000).default(60),
  SIMULATOR_POWER_KW: z.coerce.number().min(0.1).max(1000).default(11),
  SIMULATOR_TICK_MS: int(50, 600000).default(1000),
  OCPP_HEARTBEAT_INTERVAL_SECONDS: int(10, 86400).default(300),
  OCPP_OFFLINE_GRACE_SECONDS: int(0, 86400).default(120),
});

export type Config = z.infer<typeof ConfigSchema> & { DATABASE_SCHEMA: string };

export class ConfigError extends Error {}

/**
 * The development secrets published in `.env.example`. A production process that runs with one
 * of them would be open to anyone who read the repository (test/config.test.ts keeps this list
 * equal to the file).
 */
export const PUBLISHED_SECRETS: Readonly<Record<'ADMIN_API_KEY' | 'TOKEN_ENCRYPTION_KEY', string>> = {
  ADMIN_API_KEY: 'dev-admin-key-change-me-0123456789',
  TOKEN_ENCRYPTION_KEY: 'ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=',
};

export interface LoadedEnv {
  /** `.env` when it exists, else `.env.example` (outside production), else null. */
  file: '.env' | '.env.example' | null;
  /** Settings that came from `.env.example` because neither the environment nor `.env` set them. */
  fromExample: string[];
}

/**
 * Reads `.env` when present; outside production, `.env.example` then supplies every documented
 * default still missing, and the caller is told which (a partial `.env` must not hide them).
 */
export function loadEnvFiles(cwd = process.cwd()): LoadedEnv {
  const read = (name: string) => {
    const file = path.join(cwd, name);
    return fs.existsSync(file) ? parseDotenv(fs.readFileSync(file, 'utf8')) : null;
  };
  const fill = (values: Record<string, string>) =>
    Object.entries(values)
      .filter(([k]) => process.env[k] === undefined)
      .map(([k, v]) => ((process.env[k] = v), k));
  const env = read('.env');
  if (env) fill(env);
  const example = process.env.NODE_ENV === 'production' ? null : read('.env.example');
  const fromExample = example ? fill(example) : [];
  return { file: env ? '.env' : example ? '.env.example' : null, fromExample };
}

function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) continue;
    let value = line.slice(eq + 1).trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  const cfg = result.data;
  if (env.NODE_ENV === 'production') {
    for (const [name, published] of Object.entries(PUBLISHED_SECRETS) as Array<[keyof typeof PUBLISHED_SECRETS, string]>) {
      if (cfg[name] === published)
        throw new ConfigError(
          `Invalid configuration: ${name}: is the development value published in .env.example; generate your own (openssl rand -base64 32) for NODE_ENV=production`,
        );
    }
  }
  if (cfg.PAGE_SIZE_DEFAULT > cfg.PAGE_SIZE_MAX) {
    throw new ConfigError('Invalid configuration: PAGE_SIZE_DEFAULT: must not exceed PAGE_SIZE_MAX');
  }
  // The schema is part of DATABASE_URL (?schema=...), as Prisma users expect.
  const schema = new URL(cfg.DATABASE_URL).searchParams.get('schema') ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new ConfigError('Invalid configuration: DATABASE_URL: schema parameter must be a plain identifier');
  return { ...cfg, DATABASE_SCHEMA: schema };
}

declare module './context.js' {
  interface AppContext {
    config: Config;
  }
}
