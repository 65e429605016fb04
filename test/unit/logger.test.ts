/** Logs a person can read in a terminal, JSON for machines, and tokens redacted in both. */
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logger.js';

function capture(format: 'json' | 'pretty'): { text: () => string; log: ReturnType<typeof createLogger> } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += String(d)));
  return { text: () => text, log: createLogger('info', { role: 'api' }, format, out) };
}

test('pretty writes one readable line per record, with the level and message, and still redacts tokens', () => {
  const { log, text } = capture('pretty');
  log.info({ token: 'secret-token-value', peer_id: 'p1' }, 'peer connected');
  expect(text()).toMatch(/INFO.*peer connected/);
  expect(text()).not.toMatch(/^\{/);
  expect(text()).not.toContain('secret-token-value');
});

test('json writes one JSON record per line for log shippers, tokens redacted', () => {
  const { log, text } = capture('json');
  log.info({ token: 'secret-token-value' }, 'peer connected');
  const record = JSON.parse(text().trim());
  expect(record).toMatchObject({ level: 'info', msg: 'peer connected', token: '[redacted]', role: 'api' });
});
