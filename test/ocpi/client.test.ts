/**
 * The outbound OCPI client against fake peers on 127.0.0.1: headers it sends, how it reads
 * envelopes, and a pagination iterator that survives sloppy peers.
 */
import pino from 'pino';
import { OcpiCallError, OcpiClient, parseNextLink } from '../../src/ocpi/client.js';
import { UrlPolicy } from '../../src/ocpi/url-policy.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';

let peer: FakePeer;
beforeAll(async () => {
  peer = await startFakePeer();
});
afterAll(() => peer.close());

// One transport (undici, pooled) serves every call: docs/architecture.md, One way out.
describe('over the one pooled transport', () => {
  const client = new OcpiClient({ timeoutMs: 500, policy: new UrlPolicy({ allowPrivate: true, extraDeniedCidrs: [] }), logger: pino({ level: 'silent' }) });
  const call = (path: string, extra: object = {}) => client.request({ method: 'GET', url: `${peer.url}${path}`, token: 'tok-1', encoding: 'base64', ...extra });

  beforeEach(() => (peer.received.length = 0));

  describe('requests', () => {
    test('sends the Base64 token, ids, routing headers and a JSON body', async () => {
      peer.on('PUT', '/thing', (_req, res) => void res.json(ok()));
      await client.request({
        method: 'PUT',
        url: `${peer.url}/thing`,
        token: 'example-token',
        encoding: 'base64',
        body: { a: 1 },
        from: { countryCode: 'NL', partyId: 'CPO' },
        to: { countryCode: 'DE', partyId: 'EMS' },
        correlationId: 'corr-9',
      });
      const h = peer.received[0].headers;
      expect(h['authorization']).toBe('Token ZXhhbXBsZS10b2tlbg==');
      expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(h['x-correlation-id']).toBe('corr-9');
      expect(h['content-type']).toContain('application/json');
      expect([h['ocpi-from-country-code'], h['ocpi-from-party-id'], h['ocpi-to-country-code'], h['ocpi-to-party-id']]).toEqual(['NL', 'CPO', 'DE', 'EMS']);
      expect(peer.received[0].body).toEqual({ a: 1 });
    });

    test('sends the raw token to a peer configured for it', async () => {
      await call('/versions', { encoding: 'raw', token: 'legacy' });
      expect(peer.received[0].headers['authorization']).toBe('Token legacy');
    });

    test('a non-1xxx status_code becomes a typed error with code and message, even behind HTTP 200', async () => {
      peer.on('GET', '/bad', (_req, res) => void res.json({ status_code: 2001, status_message: 'Missing field: type', timestamp: new Date().toISOString() }));
      await expect(call('/bad')).rejects.toMatchObject({ kind: 'ocpi', ocpiStatus: 2001, httpStatus: 200, message: expect.stringContaining('Missing field: type') });
    });

    test('an error answer without an envelope is an http error with its status and Retry-After', async () => {
      peer.on('GET', '/busy', (_req, res) => void res.status(429).set('Retry-After', '7').send('slow down'));
      const err = (await call('/busy').catch((e) => e)) as OcpiCallError;
      expect(err).toBeInstanceOf(OcpiCallError);
      expect(err).toMatchObject({ kind: 'http', httpStatus: 429, retryAfterMs: 7000 });
    });

    test('truncated JSON is an envelope error, not a crash', async () => {
      peer.on('GET', '/truncated', (_req, res) => void res.type('json').send('{"status_code": 1000, "data": [1, 2'));
      await expect(call('/truncated')).rejects.toMatchObject({ kind: 'envelope' });
    });

    test('a slow peer times out', async () => {
      peer.on('GET', '/slow', (_req, res) => void setTimeout(() => res.json(ok()), 1500));
      await expect(call('/slow')).rejects.toMatchObject({ kind: 'timeout' });
    });

    test('an unreachable peer is a network error whose message holds no token', async () => {
      const err = (await client.request({ method: 'GET', url: 'http://127.0.0.1:9/versions', token: 'secret-tok', encoding: 'base64' }).catch((e) => e)) as OcpiCallError;
      expect(err.kind).toBe('network');
      expect(err.message).not.toContain('secret-tok');
      expect(err.message).not.toContain(Buffer.from('secret-tok').toString('base64'));
    });

    test('a URL refused by the policy is never called', async () => {
      const strict = new OcpiClient({ timeoutMs: 500, policy: new UrlPolicy({ allowPrivate: false, extraDeniedCidrs: [] }), logger: pino({ level: 'silent' }) });
      await expect(strict.request({ method: 'GET', url: `${peer.url}/versions`, token: 't', encoding: 'base64' })).rejects.toMatchObject({ kind: 'policy' });
      expect(peer.received).toHaveLength(0);
    });
  });

  describe('webhooks to party backends', () => {
    test('a webhook sends the signed bytes as given and returns the parsed 2xx answer', async () => {
      peer.on('POST', '/hook', (_req, res) => void res.json({ allowed: 'ALLOWED' }));
      const body = JSON.stringify({ b: 2, a: 1 });
      expect(await client.webhook({ url: `${peer.url}/hook`, body, headers: { 'X-Signature': 'sha256=abc' } })).toEqual({ allowed: 'ALLOWED' });
      expect(peer.received[0].headers['x-signature']).toBe('sha256=abc');
      expect(peer.received[0].headers['authorization']).toBeUndefined();
      expect(JSON.stringify(peer.received[0].body)).toBe(body);
    });

    test('a webhook answered with a non-2xx status is an http error with the status and Retry-After', async () => {
      peer.on('POST', '/hook-busy', (_req, res) => void res.status(503).set('Retry-After', '3').send('busy'));
      await expect(client.webhook({ url: `${peer.url}/hook-busy`, body: '{}', headers: {} })).rejects.toMatchObject({
        kind: 'http',
        httpStatus: 503,
        retryAfterMs: 3000,
        message: 'webhook answered HTTP 503',
      });
    });

    test('a webhook is not redirected', async () => {
      peer.on('POST', '/hook-moved', (_req, res) => void res.redirect(307, `${peer.url}/hook`));
      await expect(client.webhook({ url: `${peer.url}/hook-moved`, body: '{}', headers: {} })).rejects.toMatchObject({ kind: 'http', httpStatus: 307 });
      expect(peer.received.map((r) => r.path)).toEqual(['/hook-moved']);
    });
  });

  describe('pagination iterator', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ id: `L${i}` }));
    async function collect(path: string, query?: Record<string, string>) {
      const out: string[] = [];
      for await (const page of client.paginate<{ id: string }>({ method: 'GET', url: `${peer.url}${path}`, token: 't', encoding: 'base64', query }))
        out.push(...page.map((p) => p.id));
      return out;
    }

    test('follows Link page by page, one item per page, without X-Total-Count', async () => {
      peer.on('GET', '/list', (req, res) => {
        const offset = Number(req.query.offset ?? 0);
        if (offset + 1 < items.length) res.set('Link', `<${peer.url}/list?offset=${offset + 1}&limit=1>; rel="next"`);
        res.json(ok(items.slice(offset, offset + 1)));
      });
      expect(await collect('/list', { offset: '0', limit: '1' })).toEqual(items.map((i) => i.id));
    });

    test('stops when Link points at the page it just fetched', async () => {
      peer.on('GET', '/self', (_req, res) => void res.set('Link', `<${peer.url}/self?offset=0&limit=2>; rel="next"`).json(ok(items.slice(0, 2))));
      expect(await collect('/self', { offset: '0', limit: '2' })).toEqual(['L0', 'L1']);
      expect(peer.received).toHaveLength(1);
    });

    test('stops on an empty page even when a Link is present', async () => {
      peer.on('GET', '/empty', (_req, res) => void res.set('Link', `<${peer.url}/empty?offset=99>; rel="next"`).json(ok([])));
      expect(await collect('/empty')).toEqual([]);
    });

    test('steps back when the total shrinks mid-crawl, so no object is skipped', async () => {
      // Page 1 is served from 7 objects; then L1 leaves the result set (total 6).
      const shrunk = items.filter((i) => i.id !== 'L1');
      peer.on('GET', '/shrink', (req, res) => {
        const offset = Number(req.query.offset ?? 0);
        const set = offset === 0 ? items : shrunk;
        res.set('X-Total-Count', String(set.length));
        if (offset + 3 < set.length) res.set('Link', `<${peer.url}/shrink?offset=${offset + 3}&limit=3>; rel="next"`);
        res.json(ok(set.slice(offset, offset + 3)));
      });
      const seen = await collect('/shrink', { limit: '3' });
      expect(new Set(seen)).toEqual(new Set(items.map((i) => i.id)));
    });

    test('a host name resolving to a denied address is refused at connect time', async () => {
      const lenientText = new OcpiClient({
        timeoutMs: 500,
        policy: new UrlPolicy({ allowPrivate: true, extraDeniedCidrs: ['127.0.0.0/8', '::1/128'] }),
        logger: pino({ level: 'silent' }),
      });
      const port = new URL(peer.url).port;
      await expect(lenientText.request({ method: 'GET', url: `http://localhost:${port}/versions`, token: 't', encoding: 'base64' })).rejects.toMatchObject({ kind: 'policy' });
      expect(peer.received).toHaveLength(0);
    });
  });

  describe('Link headers', () => {
    test('parses Link headers with several relations', () => {
      expect(parseNextLink('<https://a/x?offset=1>; rel="prev", <https://a/x?offset=3>; rel="next"')).toBe('https://a/x?offset=3');
      expect(parseNextLink('<https://a/x>; rel=next')).toBe('https://a/x');
      expect(parseNextLink(undefined)).toBeNull();
    });
  });
});
