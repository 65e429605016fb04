/**
 * The one binary. ROLE=api serves HTTP, ROLE=worker runs the background workers, ROLE=all
 * (default) does both. SIGTERM/SIGINT stop intake, finish in-flight work and close the pools.
 */
import { ConfigError, loadEnvFiles, parseConfig } from './config.js';
import { createLogger } from './logger.js';
import { StartupError, startPlatform } from './runtime.js';

async function main(): Promise<void> {
  const loaded = loadEnvFiles();
  let config;
  try {
    config = parseConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const log = createLogger(config.LOG_LEVEL, { role: config.ROLE }, config.LOG_FORMAT);
  if (loaded.file === '.env.example') log.warn('No .env file: using the defaults of .env.example (copy it to .env to change them)');
  else if (loaded.fromExample.length) log.warn({ settings: loaded.fromExample }, 'Settings missing from .env and the environment take the defaults of .env.example');
  // Signal handlers go in before start-up finishes: a SIGTERM during start still shuts down cleanly.
  const starting = startPlatform(config, { logger: log });
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    starting
      .then((platform) => platform.close())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  try {
    await starting;
  } catch (e) {
    if (e instanceof StartupError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

void main();
