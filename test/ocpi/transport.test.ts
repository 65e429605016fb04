/**
 * The transport rules every module shares (digest 00-transport): envelope, auth, ids, routing
 * headers, pagination, validation, rate limiting. Exercised over real HTTP on a real instance.
 */
import { moduleInterfaces } from '../../src/modules/registry.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { ITEMS, testInterface } from '../helpers/test-module.js';

const PUBLIC = 'https://ocpi.example.com/platform';
let platform: TestPlatform;
let peer: RegisteredPeer;
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

beforeAll(async () => {
  platform = await startTestPlatform('transport', {
    interfaces: [...moduleInterfaces, testInterface],
    env: { PUBLIC_BASE_URL: PUBLIC, PAGE_SIZE_DEFAULT: '5', PAGE_SIZE_MAX: '10', BODY_LIMIT: '2kb' },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  peer = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'DE', party_id: 'EMS' })]);
});

afterAll(async () => {
  await peer?.fake.close();
  await platform?.stop();
});

const auth = () => tokenHeader(peer.tokenC);
const ocpi = () => request(platform.url);
const validThing = { id: 'T1', name: 'thing', kind: 'SMALL', count: 3, last_updated: '2024-01-01T00:00:00Z' };

describe('envelope', () => {
  test('an unknown OCPI route answers 404 with an envelope', async () => {
    const res = await ocpi().get('/ocpi/nope').set('Authorization', auth());
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status_code: 2000, status_message: expect.stringContaining('/ocpi/nope'), timestamp: expect.stringMatching(ISO_Z) });
  });

  test('a body that is not JSON answers HTTP 400 with an envelope', async () => {
    const res = await ocpi().put('/ocpi/cpo/2.2.1/things/DE/EMS/T1').set('Authorization', auth()).set('Content-Type', 'application/json').send('{"id": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status_code: 2000, status_message: 'Request body is not valid JSON' });
  });

  test('a body over the limit answers 413 with an envelope', async () => {
    const res = await ocpi()
      .put('/ocpi/cpo/2.2.1/things/DE/EMS/T1')
      .set('Authorization', auth())
      .send({ ...validThing, name: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body.status_code).toBe(2000);
  });

  test('a method the endpoint does not support answers 405 with Allow and an envelope', async () => {
    const res = await ocpi().delete('/ocpi/cpo/2.2.1/things/DE/EMS/T1').set('Authorization', auth());
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('PUT');
    expect(res.body.status_code).toBe(2000);
  });

  test('an unexpected failure answers 500 with 3000 and reveals nothing of the cause', async () => {
    const res = await ocpi().post('/ocpi/cpo/2.2.1/things/boom').set('Authorization', auth());
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ status_code: 3000, status_message: 'Internal server error' });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });

  test('success answers carry status 1000, data and a UTC timestamp with Z', async () => {
    const res = await ocpi().get('/ocpi/versions').set('Authorization', auth());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status_code: 1000,
      data: [
        { version: '2.1.1', url: `${PUBLIC}/ocpi/2.1.1` },
        { version: '2.2.1', url: `${PUBLIC}/ocpi/2.2.1` },
      ],
      timestamp: expect.stringMatching(ISO_Z),
    });
  });
});

describe('authorization', () => {
  test.each([
    ['no header', undefined],
    ['an unknown token', tokenHeader('not-a-token')],
    ['a Bearer header', 'Bearer abc'],
    ['a token with two spaces', 'Token  x y'],
  ])('%s answers 401 with an envelope', async (_name, header) => {
    const req = ocpi().get('/ocpi/versions');
    if (header) req.set('Authorization', header);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ status_code: 2000, timestamp: expect.stringMatching(ISO_Z) });
  });

  test('the token is accepted Base64-encoded (2.2.1) and raw (legacy peers)', async () => {
    expect((await ocpi().get('/ocpi/versions').set('Authorization', tokenHeader(peer.tokenC, 'base64'))).status).toBe(200);
    expect((await ocpi().get('/ocpi/versions').set('Authorization', tokenHeader(peer.tokenC, 'raw'))).status).toBe(200);
  });

  test('Token A is accepted on versions and credentials but refused with 401 on a functional module', async () => {
    const { body } = await platform.admin().post('/peers/invitations', {}).expect(201);
    expect((await ocpi().get('/ocpi/versions').set('Authorization', tokenHeader(body.token))).status).toBe(200);
    expect((await ocpi().get('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(body.token))).status).toBe(200);
    const res = await ocpi().get('/ocpi/cpo/2.2.1/things').set('Authorization', tokenHeader(body.token));
    expect(res.status).toBe(401);
    expect(res.body.status_message).toContain('TOKEN_A');
  });
});

describe('request and correlation ids', () => {
  test('given ids are echoed on success and on errors', async () => {
    for (const path of ['/ocpi/versions', '/ocpi/unknown']) {
      const res = await ocpi().get(path).set('Authorization', auth()).set('X-Request-ID', 'req-1').set('X-Correlation-ID', 'corr-1');
      expect(res.headers['x-request-id']).toBe('req-1');
      expect(res.headers['x-correlation-id']).toBe('corr-1');
    }
  });

  test('missing ids are generated', async () => {
    const res = await ocpi().get('/ocpi/versions');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('routing headers on functional modules', () => {
  const put = () => ocpi().put('/ocpi/cpo/2.2.1/things/DE/EMS/T1').set('Authorization', auth());

  test('the response swaps the parties: to = requester, from = us', async () => {
    const res = await put().set({ 'OCPI-from-country-code': 'de', 'OCPI-from-party-id': 'ems', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' }).send(validThing);
    expect(res.body.status_code).toBe(1000);
    expect(res.headers['ocpi-to-country-code']).toBe('de');
    expect(res.headers['ocpi-to-party-id']).toBe('ems');
    expect(res.headers['ocpi-from-country-code']).toBe('NL');
    expect(res.headers['ocpi-from-party-id']).toBe('CPO');
  });

  test('absent headers fall back to the only party on each side', async () => {
    const res = await put().send(validThing);
    expect(res.body.data.routing).toEqual({ from: { countryCode: 'DE', partyId: 'EMS' }, to: { countryCode: 'NL', partyId: 'CPO' } });
    expect(res.headers['ocpi-from-party-id']).toBe('CPO');
  });

  test('sending as a party the peer did not register is refused with 403', async () => {
    const res = await put().set({ 'OCPI-from-country-code': 'FR', 'OCPI-from-party-id': 'XXX' }).send(validThing);
    expect(res.status).toBe(403);
    expect(res.body.status_message).toContain('FR/XXX');
  });

  test('addressing a party this platform does not host answers 404', async () => {
    const res = await put().set({ 'OCPI-to-country-code': 'BE', 'OCPI-to-party-id': 'ZZZ' }).send(validThing);
    expect(res.status).toBe(404);
    expect(res.body.status_message).toContain('BE/ZZZ');
  });

  test('a malformed or half-given pair is a 2001 naming the header', async () => {
    const bad = await put().set({ 'OCPI-from-country-code': 'DEU', 'OCPI-from-party-id': 'EMS' }).send(validThing);
    expect(bad.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-from-country-code') });
    const half = await put().set({ 'OCPI-to-country-code': 'NL' }).send(validThing);
    expect(half.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-to-party-id') });
  });
});

describe('validation of bodies', () => {
  test('a DateTime with an offset is converted to UTC by the receive profile, and the answer says so', async () => {
    const res = await ocpi()
      .put('/ocpi/cpo/2.2.1/things/DE/EMS/T1')
      .set('Authorization', auth())
      .send({ ...validThing, last_updated: '2024-01-01T02:00:00+02:00' });
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toContain('last_updated (datetime_offset)');
  });

  const put = (body: object) => ocpi().put('/ocpi/cpo/2.2.1/things/DE/EMS/T1').set('Authorization', auth()).send(body);

  test.each([
    ['a missing field', { ...validThing, kind: undefined }, 'kind'],
    ['a wrong type', { ...validThing, count: 'three' }, 'count'],
    ['an over-long string', { ...validThing, name: 'eleven chars' }, 'name'],
    ['an unknown enum value', { ...validThing, kind: 'HUGE' }, 'kind'],
    ['an unreadable DateTime', { ...validThing, last_updated: '2024-01-01 noon' }, 'last_updated'],
    ['a control character', { ...validThing, name: 'a\nb' }, 'name'],
  ])('%s is a 2001 naming the field, never a 500', async (_case, body, field) => {
    const res = await put(body);
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
  });

  test('unknown fields are ignored and a Z-less DateTime is read as UTC and emitted with Z', async () => {
    const res = await put({ ...validThing, extra: { nested: true }, last_updated: '2024-02-03T04:05:06' });
    expect(res.body.status_code).toBe(1000);
    expect(res.body.data.received.last_updated).toBe('2024-02-03T04:05:06.000Z');
    expect(res.body.data.received.extra).toBeUndefined();
  });

  test('a path parameter that breaks its type is a 2001 naming it', async () => {
    const res = await ocpi().put('/ocpi/cpo/2.2.1/things/DEU/EMS/T1').set('Authorization', auth()).send(validThing);
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('path.country_code') });
  });
});

describe('pagination', () => {
  const list = (query: string) => ocpi().get(`/ocpi/cpo/2.2.1/things${query}`).set('Authorization', auth());

  test('the default page size applies and X-Total-Count / X-Limit (the limit applied) / Link are set', async () => {
    const res = await list('');
    expect(res.body.data).toHaveLength(5);
    expect(res.headers['x-total-count']).toBe('25');
    expect(res.headers['x-limit']).toBe('5');
    expect(res.headers['link']).toBe(`<${PUBLIC}/ocpi/cpo/2.2.1/things?offset=5&limit=5>; rel="next"`);
  });

  test('a limit over the cap is reduced to it, and X-Limit announces the cap', async () => {
    const res = await list('?limit=2000');
    expect(res.body.data).toHaveLength(10);
    expect(res.headers['x-limit']).toBe('10');
    expect(res.headers['link']).toContain('offset=10&limit=10');
  });

  test('the Link repeats every filter and is built from PUBLIC_BASE_URL, not the Host header', async () => {
    const res = await list('?date_from=2024-01-01T00:03:00Z&date_to=2024-01-01T00:20:00Z&limit=4').set('Host', 'evil.example.org');
    const link = /^<([^>]+)>; rel="next"$/.exec(res.headers['link'])![1];
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC}/ocpi/cpo/2.2.1/things`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ date_from: '2024-01-01T00:03:00Z', date_to: '2024-01-01T00:20:00Z', offset: '4', limit: '4' });
  });

  test('date_from is inclusive and date_to exclusive', async () => {
    const res = await list('?date_from=2024-01-01T00:03:00Z&date_to=2024-01-01T00:06:00Z');
    expect(res.body.data.map((i: { id: string }) => i.id)).toEqual(['ITEM-03', 'ITEM-04', 'ITEM-05']);
    expect(res.headers['x-total-count']).toBe('3');
    expect(res.headers['link']).toBeUndefined();
  });

  test('following Link from the first page visits every object once, in a stable order', async () => {
    const seen: string[] = [];
    let next: string | undefined = '?limit=7';
    while (next) {
      const res = await list(next);
      seen.push(...res.body.data.map((i: { id: string }) => i.id));
      const link = res.headers['link'] as string | undefined;
      next = link ? new URL(/<([^>]+)>/.exec(link)![1]).search : undefined;
    }
    expect(seen).toEqual(ITEMS.map((i) => i.id));
  });

  test.each(['?offset=-1', '?limit=abc', '?date_from=yesterday', '?date_to=2024-01-01T00:00:00%2B01:00'])('%s is a 2001', async (query) => {
    const res = await list(query);
    expect(res.body.status_code).toBe(2001);
  });
});

describe('suspension and rate limiting', () => {
  test('a suspended peer is refused on functional modules but can still reach versions', async () => {
    await platform.admin().post(`/peers/${peer.peerId}/suspend`).expect(200);
    try {
      expect((await ocpi().get('/ocpi/cpo/2.2.1/things').set('Authorization', auth())).status).toBe(403);
      expect((await ocpi().get('/ocpi/versions').set('Authorization', auth())).status).toBe(200);
    } finally {
      await platform.admin().post(`/peers/${peer.peerId}/resume`).expect(200);
    }
    expect((await ocpi().get('/ocpi/cpo/2.2.1/things').set('Authorization', auth())).status).toBe(200);
  });

  test('a peer over its rate answers 429 with Retry-After; other peers are not affected', async () => {
    const limited = await startTestPlatform('ratelimit', { env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '4' } });
    try {
      await limited.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
      const noisy = await aRegisteredPeer(limited, [aCredentialsRole({ party_id: 'AAA' })]);
      const quiet = await aRegisteredPeer(limited, [aCredentialsRole({ party_id: 'BBB' })]);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await request(limited.url).get('/ocpi/versions').set('Authorization', tokenHeader(noisy.tokenC))).status);
      // The registration POST took one token of the burst of 4.
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses).toContain(429);
      const refused = await request(limited.url).get('/ocpi/versions').set('Authorization', tokenHeader(noisy.tokenC));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.body.status_code).toBe(2000);
      expect((await request(limited.url).get('/ocpi/versions').set('Authorization', tokenHeader(quiet.tokenC))).status).toBe(200);
      await Promise.all([noisy.fake.close(), quiet.fake.close()]);
    } finally {
      await limited.stop();
    }
  });
});
