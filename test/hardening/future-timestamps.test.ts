/**
 * Issue 13 item 3: a `last_updated` far in the future must not pin a received object. The
 * receive profile (src/ocpi/receive-profile.ts) replaces a stamp beyond now + MAX_FUTURE_SKEW_SECONDS
 * by the time of receipt, at any depth, and counts it in the peer's data-quality report.
 */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers, asPeer } from '../helpers/emsp-receiver.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';

const FAR_FUTURE = '9999-12-31T23:59:59Z';

function aToken(uid: string, lastUpdated: string, overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'DE',
    party_id: 'EMS',
    uid,
    type: 'RFID',
    contract_id: 'DE-EMS-C12345678-X',
    issuer: 'Test eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: lastUpdated,
    ...overrides,
  };
}

interface QualityEntry {
  module: string;
  path: string;
  rule: string;
  outcome: string;
  count: number;
}

async function qualityOf(platform: TestPlatform, peerId: string): Promise<QualityEntry[]> {
  const res = await platform.admin().get(`/peers/${peerId}/data-quality`).expect(200);
  return res.body.entries;
}

describe('tokens RECEIVER of a CPO', () => {
  let platform: TestPlatform;
  let emsp: RegisteredPeer;
  const tokens = (path: string) => `/ocpi/cpo/2.2.1/tokens${path}`;

  beforeAll(async () => {
    platform = await startTestPlatform('future_stamps_tokens', { env: { MAX_FUTURE_SKEW_SECONDS: '300' } });
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    emsp = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'DE', party_id: 'EMS' })]);
  });

  afterAll(async () => {
    await emsp?.fake.close();
    await platform?.stop();
  });

  const put = (uid: string, body: object) =>
    request(platform.url)
      .put(tokens(`/DE/EMS/${uid}`))
      .set('Authorization', tokenHeader(emsp.tokenC))
      .send(body);
  const patch = (uid: string, body: object) =>
    request(platform.url)
      .patch(tokens(`/DE/EMS/${uid}`))
      .set('Authorization', tokenHeader(emsp.tokenC))
      .send(body);
  const get = (uid: string) =>
    request(platform.url)
      .get(tokens(`/DE/EMS/${uid}`))
      .set('Authorization', tokenHeader(emsp.tokenC));

  test('a token PUT stamped 9999-12-31 is stored with the receive time, and a later normal PATCH blocks it', async () => {
    const before = Date.now();
    const created = await put('PINNED1', aToken('PINNED1', FAR_FUTURE));
    const after = Date.now();
    expect(created.body.status_code).toBe(1000);
    expect(created.body.status_message).toContain('last_updated (future_last_updated)');
    const stored = await get('PINNED1').expect(200);
    const stamp = Date.parse(stored.body.data.last_updated);
    expect(stamp).toBeGreaterThanOrEqual(before - 1000);
    expect(stamp).toBeLessThanOrEqual(after + 1000);

    const blocked = await patch('PINNED1', { valid: false, last_updated: new Date(Date.now() + 1000).toISOString() });
    expect(blocked.body.status_code).toBe(1000);
    expect((await get('PINNED1').expect(200)).body.data.valid).toBe(false);
  });

  test('the repair is counted in the peer data-quality report under tokens / last_updated / future_last_updated', async () => {
    await put('PINNED2', aToken('PINNED2', FAR_FUTURE)).expect(201);
    const entry = (await qualityOf(platform, emsp.peerId)).find((e) => e.rule === 'future_last_updated');
    expect(entry).toEqual(expect.objectContaining({ module: 'tokens', path: 'last_updated', outcome: 'REPAIRED' }));
    // PINNED1 (the test above) and PINNED2.
    expect(entry!.count).toBe(2);
  });

  test('a stamp ahead of our clock by less than the allowed skew is kept as sent, with no repair reported', async () => {
    const slightlyAhead = new Date(Date.now() + 60_000).toISOString();
    const res = await put('SKEWED', aToken('SKEWED', slightlyAhead));
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message ?? '').not.toContain('future_last_updated');
    expect((await get('SKEWED').expect(200)).body.data.last_updated).toBe(slightlyAhead);
  });

  test('a far-future stamp in a PATCH is capped too, so it cannot pin the token either', async () => {
    await put('PATCHED', aToken('PATCHED', new Date().toISOString())).expect(201);
    const pinned = await patch('PATCHED', { whitelist: 'NEVER', last_updated: FAR_FUTURE });
    expect(pinned.body.status_code).toBe(1000);
    const unblocked = await patch('PATCHED', { valid: false, last_updated: new Date(Date.now() + 1000).toISOString() });
    expect(unblocked.body.status_code).toBe(1000);
    const stored = (await get('PATCHED').expect(200)).body.data;
    expect(stored).toEqual(expect.objectContaining({ whitelist: 'NEVER', valid: false }));
  });
});

describe('locations RECEIVER of an eMSP', () => {
  let world: EmspReceiverWorld;
  const locations = () => asPeer(world.platform, '/ocpi/emsp/2.2.1/locations', world.cpo);

  beforeAll(async () => {
    world = await anEmspWithTwoCpoPeers('future_stamps_locations');
  });

  afterAll(async () => {
    await world?.stop();
  });

  test('an EVSE and a connector stamped in the far future are stored with the receive time, and a later EVSE PATCH applies', async () => {
    const location = aLocation('LOCF', { evses: [anEvse('EVSE1', { last_updated: FAR_FUTURE, connectors: [{ ...anEvse('X').connectors[0], last_updated: FAR_FUTURE }] })] });
    const created = await locations().put('/NL/CPO/LOCF', location);
    expect(created.body.status_code).toBe(1000);
    const evse = (await locations().get('/NL/CPO/LOCF/EVSE1').expect(200)).body.data;
    expect(Date.parse(evse.last_updated)).toBeLessThan(Date.now() + 1000);
    expect(Date.parse(evse.connectors[0].last_updated)).toBeLessThan(Date.now() + 1000);

    const patched = await locations().patch('/NL/CPO/LOCF/EVSE1', { status: 'CHARGING', last_updated: new Date(Date.now() + 1000).toISOString() });
    expect(patched.body.status_code).toBe(1000);
    expect((await locations().get('/NL/CPO/LOCF/EVSE1').expect(200)).body.data.status).toBe('CHARGING');

    const entries = (await qualityOf(world.platform, world.cpo.peerId)).filter((e) => e.rule === 'future_last_updated');
    expect(entries.map((e) => e.path).sort()).toEqual(['evses[].connectors[].last_updated', 'evses[].last_updated']);
  });
});
