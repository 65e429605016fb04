/**
 * Two platform instances register with each other over real HTTP through the admin API, then
 * rotate credentials from both sides and unregister. Every request each side received is
 * checked, headers included.
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { type RecordedRequest, type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

let cpo: TestPlatform;
let emsp: TestPlatform;

beforeAll(async () => {
  [cpo, emsp] = await Promise.all([startTestPlatform('e2e_cpo'), startTestPlatform('e2e_emsp')]);
  await cpo
    .admin()
    .post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails('CPO Inc') })
    .expect(201);
  await emsp
    .admin()
    .post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails('eMSP GmbH') })
    .expect(201);
});

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

const ocpiCalls = (p: TestPlatform) => p.received.filter((r) => r.path.startsWith('/ocpi'));
const decode = (header: unknown) => Buffer.from(String(header).replace(/^Token /, ''), 'base64').toString('utf8');

function expectTransportHeaders(r: RecordedRequest) {
  expect(r.headers['authorization']).toMatch(/^Token [A-Za-z0-9+/]+=*$/);
  expect(r.headers['x-request-id']).toEqual(expect.any(String));
  expect(r.headers['x-correlation-id']).toEqual(expect.any(String));
  // Configuration modules carry no routing headers.
  expect(Object.keys(r.headers).filter((h) => h.startsWith('ocpi-'))).toEqual([]);
}

describe('credentials handshake between two platforms', () => {
  let tokenA: string;
  let emspPeerId: string; // the CPO platform as seen by the eMSP platform
  let cpoPeerId: string; // the eMSP platform as seen by the CPO platform

  test('the CPO platform issues an invitation (Token A) with an expiry', async () => {
    const res = await cpo.admin().post('/peers/invitations', { label: 'eMSP GmbH' }).expect(201);
    expect(res.body).toEqual({ peer_id: expect.any(String), token: expect.any(String), versions_url: `${cpo.url}/ocpi/versions`, expires_at: expect.any(String) });
    expect(new Date(res.body.expires_at).getTime()).toBeGreaterThan(Date.now());
    tokenA = res.body.token;
    cpoPeerId = res.body.peer_id;
    const peer = await cpo.admin().get(`/peers/${cpoPeerId}`).expect(200);
    expect(peer.body.status).toBe('PENDING');
  });

  test('the eMSP platform registers with it: versions, details, POST credentials, and the call back with token B', async () => {
    cpo.received.length = 0;
    emsp.received.length = 0;
    const res = await emsp
      .admin()
      .post('/peers/connect', { versions_url: `${cpo.url}/ocpi/versions`, token: tokenA, label: 'CPO Inc' })
      .expect(201);
    emspPeerId = res.body.id;
    expect(res.body).toMatchObject({
      status: 'REGISTERED',
      initiated_by: 'US',
      version: '2.2.1',
      versions_url: `${cpo.url}/ocpi/versions`,
      roles: [{ role: 'CPO', country_code: 'NL', party_id: 'CPO', business_details: { name: 'CPO Inc' } }],
    });
    expect(res.body.endpoints).toContainEqual({ identifier: 'credentials', role: 'SENDER', url: `${cpo.url}/ocpi/2.2.1/credentials` });

    const atCpo = ocpiCalls(cpo);
    expect(atCpo.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ocpi/versions', 'GET /ocpi/2.2.1', 'POST /ocpi/2.2.1/credentials']);
    atCpo.forEach(expectTransportHeaders);
    atCpo.forEach((r) => expect(decode(r.headers['authorization'])).toBe(tokenA));
    const posted = atCpo[2].body as { token: string; url: string; roles: unknown[] };
    expect(posted.url).toBe(`${emsp.url}/ocpi/versions`);
    expect(posted.roles).toEqual([{ role: 'EMSP', country_code: 'DE', party_id: 'EMS', business_details: { name: 'eMSP GmbH', website: 'https://example.com' } }]);
    expect(posted.token).not.toBe(tokenA);

    // While the POST was open, the CPO platform read our versions with token B.
    const atEmsp = ocpiCalls(emsp);
    expect(atEmsp.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ocpi/versions', 'GET /ocpi/2.2.1']);
    atEmsp.forEach(expectTransportHeaders);
    atEmsp.forEach((r) => expect(decode(r.headers['authorization'])).toBe(posted.token));
  });

  test('the CPO platform now lists the eMSP platform as registered with its roles and endpoints', async () => {
    const res = await cpo.admin().get('/peers').expect(200);
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({
      id: cpoPeerId,
      status: 'REGISTERED',
      initiated_by: 'PEER',
      version: '2.2.1',
      roles: [{ role: 'EMSP', country_code: 'DE', party_id: 'EMS' }],
      last_contact_at: expect.any(String),
      registered_at: expect.any(String),
    });
    expect(res.body[0].endpoints).toContainEqual({ identifier: 'credentials', role: 'SENDER', url: `${emsp.url}/ocpi/2.2.1/credentials` });
  });

  test('Token A is dead once registration completed', async () => {
    const res = await request(cpo.url).get('/ocpi/versions').set('Authorization', tokenHeader(tokenA));
    expect(res.status).toBe(401);
    expect(res.body.status_code).toBe(2000);
  });

  test('the eMSP platform rotates: PUT with its current token C; the old C stops working', async () => {
    cpo.received.length = 0;
    emsp.received.length = 0;
    await emsp.admin().post(`/peers/${emspPeerId}/rotate`).expect(200);
    const atCpo = ocpiCalls(cpo);
    expect(atCpo.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ocpi/versions', 'GET /ocpi/2.2.1', 'PUT /ocpi/2.2.1/credentials']);
    atCpo.forEach(expectTransportHeaders);
    const oldC = atCpo[2].headers['authorization'] as string;
    const newB = (atCpo[2].body as { token: string }).token;
    // The CPO platform re-read our endpoints with the new token from the PUT body.
    const atEmsp = ocpiCalls(emsp);
    expect(atEmsp.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ocpi/versions', 'GET /ocpi/2.2.1']);
    atEmsp.forEach((r) => expect(decode(r.headers['authorization'])).toBe(newB));

    expect((await request(cpo.url).get('/ocpi/versions').set('Authorization', oldC)).status).toBe(401);
    // The new token C works: the eMSP platform reads its credentials with it.
    const again = await emsp.admin().post(`/peers/${emspPeerId}/rotate`).expect(200);
    expect(again.body.status).toBe('REGISTERED');
  });

  test('the CPO platform rotates from its side too (it was the receiver of the handshake)', async () => {
    emsp.received.length = 0;
    const before = ocpiCalls(cpo).length;
    await cpo.admin().post(`/peers/${cpoPeerId}/rotate`).expect(200);
    const atEmsp = ocpiCalls(emsp);
    expect(atEmsp.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ocpi/versions', 'GET /ocpi/2.2.1', 'PUT /ocpi/2.2.1/credentials']);
    atEmsp.forEach(expectTransportHeaders);
    expect(ocpiCalls(cpo).length - before).toBe(2); // the eMSP platform re-read our versions and details
    const peer = await emsp.admin().get(`/peers/${emspPeerId}`).expect(200);
    expect(peer.body.status).toBe('REGISTERED');
  });

  test('unregistering from the eMSP side sends DELETE and both sides end the connection', async () => {
    cpo.received.length = 0;
    const res = await emsp.admin().delete(`/peers/${emspPeerId}`).expect(200);
    expect(res.body).toEqual({ id: emspPeerId, status: 'UNREGISTERED', remote: 'unregistered' });
    const atCpo = ocpiCalls(cpo);
    expect(atCpo.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /ocpi/2.2.1/credentials']);
    expectTransportHeaders(atCpo[0]);
    const peer = await cpo.admin().get(`/peers/${cpoPeerId}`).expect(200);
    expect(peer.body.status).toBe('UNREGISTERED');
    // The token used for the DELETE is dead now.
    expect(
      (
        await request(cpo.url)
          .get('/ocpi/versions')
          .set('Authorization', atCpo[0].headers['authorization'] as string)
      ).status,
    ).toBe(401);
  });

  test("no token ever appears in either platform's logs", () => {
    const secrets = new Set<string>([tokenA]);
    for (const p of [cpo, emsp]) {
      for (const r of p.received) {
        if (r.headers['authorization']) secrets.add(decode(r.headers['authorization']));
        const body = r.body as { token?: string } | undefined;
        if (body?.token) secrets.add(body.token);
      }
    }
    const allLogs = [...cpo.logs, ...emsp.logs].join('\n');
    expect(allLogs.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(allLogs).not.toContain(s);
      expect(allLogs).not.toContain(Buffer.from(s).toString('base64'));
    }
  });
});
