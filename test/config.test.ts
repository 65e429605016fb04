import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, PUBLISHED_SECRETS, loadEnvFiles, parseConfig } from '../src/config.js';
import { testConfig } from './helpers/platform.js';

const base = {
  PUBLIC_BASE_URL: 'https://ocpi.example.com/',
  DATABASE_URL: 'postgresql://u@h/db',
  REDIS_URL: 'redis://h:6379',
  ADMIN_API_KEY: 'k'.repeat(16),
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
};

test('defaults fill what is not set, and the public base URL loses its trailing slash', () => {
  const c = parseConfig(base);
  expect(c).toMatchObject({
    ROLE: 'all',
    PORT: 3000,
    PAGE_SIZE_DEFAULT: 50,
    PAGE_SIZE_MAX: 100,
    PUBLIC_BASE_URL: 'https://ocpi.example.com',
    DATABASE_SCHEMA: 'public',
    OUTBOUND_ALLOW_PRIVATE: false,
  });
});

test.each([
  ['REDIS_URL', { REDIS_URL: 'localhost:6379' }],
  ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
  ['TOKEN_ENCRYPTION_KEY', { TOKEN_ENCRYPTION_KEY: 'short' }],
  ['ADMIN_API_KEY', { ADMIN_API_KEY: 'short' }],
  ['PORT', { PORT: '70000' }],
  ['ROLE', { ROLE: 'both' }],
  ['PAGE_SIZE_DEFAULT', { PAGE_SIZE_DEFAULT: '500', PAGE_SIZE_MAX: '100' }],
  ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: undefined }],
  ['OUTBOUND_DENY_CIDRS', { OUTBOUND_DENY_CIDRS: '10.0.0.0/99' }],
])('a bad %s is refused with a message naming it', (name, overrides) => {
  expect(() => parseConfig({ ...base, ...overrides })).toThrow(ConfigError);
  expect(() => parseConfig({ ...base, ...overrides })).toThrow(name);
});

test('the schema comes from DATABASE_URL', () => {
  expect(testConfig({ DATABASE_URL: 'postgresql://u@h/db?schema=tenant_a' }).DATABASE_SCHEMA).toBe('tenant_a');
});

test('every setting is documented in the README table and in .env.example', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const readme = fs.readFileSync(`${__dirname}/../README.md`, 'utf8');
  const example = fs.readFileSync(`${__dirname}/../.env.example`, 'utf8');
  const { ConfigSchema } = require('../src/config.js') as typeof import('../src/config.js');
  const keys = Object.keys(ConfigSchema.shape).filter((k) => k !== 'NODE_ENV');
  expect(keys.filter((k) => !readme.includes(`| \`${k}\` |`))).toEqual([]);
  expect(keys.filter((k) => !new RegExp(`^${k}=`, 'm').test(example))).toEqual([]);
});

describe('the published development secrets', () => {
  test('are exactly the values of .env.example (the refusal below cannot drift from the file)', () => {
    const example = fs.readFileSync(`${__dirname}/../.env.example`, 'utf8');
    for (const [name, value] of Object.entries(PUBLISHED_SECRETS)) expect(example).toContain(`\n${name}=${value}\n`);
  });

  test.each(Object.keys(PUBLISHED_SECRETS))('NODE_ENV=production with the published %s refuses to start, naming it', (name) => {
    const env = { ...base, NODE_ENV: 'production', [name]: PUBLISHED_SECRETS[name as keyof typeof PUBLISHED_SECRETS] };
    expect(() => parseConfig(env)).toThrow(new RegExp(`${name}: is the development value published in .env.example`));
  });

  test('outside production the published values are accepted (the demo and a first start use them)', () => {
    expect(() => parseConfig({ ...base, ...PUBLISHED_SECRETS })).not.toThrow();
  });
});

describe('.env files', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const dir = (files: Record<string, string>) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ocpi-env-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
    return d;
  };

  test('a partial .env takes the missing settings from .env.example and says which', () => {
    delete process.env.ZZ_ONLY_IN_EXAMPLE;
    delete process.env.ZZ_IN_BOTH;
    const loaded = loadEnvFiles(dir({ '.env': 'ZZ_IN_BOTH=mine\n', '.env.example': 'ZZ_IN_BOTH=example\nZZ_ONLY_IN_EXAMPLE=example\n' }));
    expect(loaded).toEqual({ file: '.env', fromExample: ['ZZ_ONLY_IN_EXAMPLE'] });
    expect(process.env.ZZ_IN_BOTH).toBe('mine');
    expect(process.env.ZZ_ONLY_IN_EXAMPLE).toBe('example');
  });

  test('with NODE_ENV=production .env.example is never read', () => {
    delete process.env.ZZ_ONLY_IN_EXAMPLE;
    process.env.NODE_ENV = 'production';
    const loaded = loadEnvFiles(dir({ '.env.example': 'ZZ_ONLY_IN_EXAMPLE=example\n' }));
    expect(loaded).toEqual({ file: null, fromExample: [] });
    expect(process.env.ZZ_ONLY_IN_EXAMPLE).toBeUndefined();
  });
});
