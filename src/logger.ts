/**
 * Structured JSON logs. Credentials travel in Authorization headers and in credentials bodies;
 * both are redacted here so that no code path can log a token by accident.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', '*.token', 'body.token', 'data.token', 'config.headers.Authorization'];

/** `json` always; `pretty` always; `auto`: pretty when a person is watching (a terminal, outside production). */
export type LogFormat = 'auto' | 'json' | 'pretty';

export function createLogger(level: string, base: Record<string, unknown> = {}, format: LogFormat = 'json', destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { service: 'ocpi-platform', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  if (!pretty) return destination ? pino(options, destination) : pino(options);
  // The same records, redaction included, written as lines a person can read; synchronous, so a
  // crash loses nothing. Loaded only here: production (JSON) never needs it.
  const prettyStream = require('pino-pretty') as typeof import('pino-pretty');
  return pino(
    options,
    prettyStream({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true, ...(destination ? { destination } : {}) }),
  );
}
