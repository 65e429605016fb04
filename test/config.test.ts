import { ConfigError, parseConfig } from '../src/config.js';
import { testConfig } from './helpers/platform.js';

const base = { PUBLIC_BASE_URL: 'https://ocpi.example.com/', DATABASE_URL: 'postgresql://u@h/db', REDIS_URL: 'redis://h:6379', ADMIN_API_KEY: 'k'.repeat(16), TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };

test('defaults fill what is not set, and the public base URL loses its trailing slash', () => {
  const c = parseConfig(base);
  expect(c).toMatchObject({ ROLE: 'all', PORT: 3000, PAGE_SIZE_DEFAULT: 50, PAGE_SIZE_MAX: 100, PUBLIC_BASE_URL: 'https://ocpi.example.com', DATABASE_SCHEMA: 'public', OUTBOUND_ALLOW_PRIVATE: false });
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
