import { Session } from '../../../src/model/session.js';
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers, asPeer } from '../../helpers/emsp-receiver.js';
import { later } from '../../helpers/locations.js';
import { type TestPlatform, request, tokenHeader } from '../../helpers/platform.js';
import type { RegisteredPeer } from '../../helpers/registered-peer.js';
import { aSession } from '../../helpers/sessions.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let other: RegisteredPeer;
let world: EmspReceiverWorld;

const as = (peer: RegisteredPeer) => asPeer(platform, '/ocpi/emsp/2.2.1/sessions', peer);
const stored = (id: string) => platform.ctx.db.receivedSession.count({ where: { sessionKey: id.toUpperCase() } });
const iso = (stamp: string) => new Date(stamp).toISOString();
const aPeriod = (start: string, volume: number) => ({ start_date_time: start, dimensions: [{ type: 'ENERGY', volume }] });
const starts = (session: { charging_periods?: Array<{ start_date_time: string }> | null }) => (session.charging_periods ?? []).map((p) => p.start_date_time);

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('sessions_emsp_receiver');
  ({ platform, cpo, other } = world);
});

afterAll(() => world?.stop());

describe('PUT and GET', () => {
  test('a PUT of a new session answers 201 without data, a second PUT replaces it with 200', async () => {
    const created = await as(cpo).put('/NL/CPO/S1', aSession('S1')).expect(201);
    expect(created.body).toMatchObject({ status_code: 1000 });
    expect(created.body).not.toHaveProperty('data');
    const replaced = await as(cpo)
      .put('/NL/CPO/S1', aSession('S1', { status: 'COMPLETED', kwh: 12 }))
      .expect(200);
    expect(replaced.body.status_code).toBe(1000);
    expect((await as(cpo).get('/NL/CPO/S1').expect(200)).body.data).toMatchObject({ status: 'COMPLETED', kwh: 12 });
    expect(await stored('S1')).toBe(1);
  });

  test('GET answers the stored Session (case-insensitive ids)', async () => {
    const body = aSession('S2');
    await as(cpo).put('/NL/CPO/S2', body).expect(201);
    const session = Session.parse((await as(cpo).get('/nl/cpo/s2').expect(200)).body.data);
    expect(session).toMatchObject({ id: 'S2', country_code: 'NL', party_id: 'CPO', status: 'ACTIVE', last_updated: iso(body.last_updated) });
  });

  test('GET of an unknown session is 404 (2000)', async () => {
    expect((await as(cpo).get('/NL/CPO/NOPE').expect(404)).body.status_code).toBe(2000);
  });

  test('a PUT replaces charging_periods: an absent list removes the stored periods', async () => {
    await as(cpo)
      .put('/NL/CPO/S3', aSession('S3', { charging_periods: [aPeriod('2025-06-01T08:00:00Z', 1)] }))
      .expect(201);
    expect(starts((await as(cpo).get('/NL/CPO/S3').expect(200)).body.data)).toHaveLength(1);
    await as(cpo).put('/NL/CPO/S3', aSession('S3')).expect(200);
    expect(starts((await as(cpo).get('/NL/CPO/S3').expect(200)).body.data)).toEqual([]);
  });
});

describe('PATCH', () => {
  test('a PATCH changes only the given fields', async () => {
    await as(cpo).put('/NL/CPO/P1', aSession('P1')).expect(201);
    const stamp = later();
    const res = await as(cpo)
      .patch('/NL/CPO/P1', { total_cost: { excl_vat: 1.5, incl_vat: 1.82 }, last_updated: stamp })
      .expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body).not.toHaveProperty('data');
    expect((await as(cpo).get('/NL/CPO/P1').expect(200)).body.data).toMatchObject({
      total_cost: { excl_vat: 1.5, incl_vat: 1.82 },
      status: 'ACTIVE',
      kwh: 0,
      location_id: 'LOC1',
      last_updated: iso(stamp),
    });
  });

  test('charging_periods in a PATCH are appended to the stored ones, not replacing them', async () => {
    await as(cpo)
      .put('/NL/CPO/P2', aSession('P2', { charging_periods: [aPeriod('2025-06-01T08:00:00Z', 1)] }))
      .expect(201);
    await as(cpo)
      .patch('/NL/CPO/P2', { kwh: 3, charging_periods: [aPeriod('2025-06-01T08:15:00Z', 2)], last_updated: later() })
      .expect(200);
    await as(cpo)
      .patch('/NL/CPO/P2', { charging_periods: [aPeriod('2025-06-01T08:30:00Z', 3), aPeriod('2025-06-01T08:45:00Z', 4)], last_updated: later() })
      .expect(200);
    const session = (await as(cpo).get('/NL/CPO/P2').expect(200)).body.data;
    expect(starts(session)).toEqual(['2025-06-01T08:00:00.000Z', '2025-06-01T08:15:00.000Z', '2025-06-01T08:30:00.000Z', '2025-06-01T08:45:00.000Z'].map(iso));
    expect(session.kwh).toBe(3);
  });

  test('a PATCH with charging_periods absent or empty leaves the stored periods unchanged', async () => {
    await as(cpo).patch('/NL/CPO/P2', { kwh: 4, last_updated: later() }).expect(200);
    await as(cpo).patch('/NL/CPO/P2', { kwh: 5, charging_periods: [], last_updated: later() }).expect(200);
    const session = (await as(cpo).get('/NL/CPO/P2').expect(200)).body.data;
    expect(starts(session)).toHaveLength(4);
    expect(session.kwh).toBe(5);
  });

  test('a PATCH of a session never PUT first appends to an empty list', async () => {
    await as(cpo).put('/NL/CPO/P3', aSession('P3')).expect(201);
    await as(cpo)
      .patch('/NL/CPO/P3', { charging_periods: [aPeriod('2025-06-01T09:00:00Z', 1)], last_updated: later() })
      .expect(200);
    expect(starts((await as(cpo).get('/NL/CPO/P3').expect(200)).body.data)).toEqual([iso('2025-06-01T09:00:00Z')]);
  });

  test('a PATCH without last_updated is refused with 2001 naming it, and nothing changes', async () => {
    const before = (await as(cpo).get('/NL/CPO/P1').expect(200)).body.data;
    const res = await as(cpo).patch('/NL/CPO/P1', { status: 'COMPLETED' }).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('last_updated');
    expect((await as(cpo).get('/NL/CPO/P1').expect(200)).body.data).toEqual(before);
  });

  test('a PATCH of an unknown session is 404 (2000) and stores nothing', async () => {
    const res = await as(cpo).patch('/NL/CPO/NEVERPUT', { kwh: 1, last_updated: later() }).expect(404);
    expect(res.body.status_code).toBe(2000);
    expect(res.body.status_message).toContain('NEVERPUT');
    expect(await stored('NEVERPUT')).toBe(0);
  });

  test('a PATCH field whose result is not a valid Session (kwh: null) is dropped and reported, the rest applied', async () => {
    const before = (await as(cpo).get('/NL/CPO/P1').expect(200)).body.data;
    const nulled = await as(cpo).patch('/NL/CPO/P1', { kwh: null, last_updated: later() }).expect(200);
    expect(nulled.body.status_code).toBe(1000);
    expect(nulled.body.status_message).toContain('kwh (malformed_optional_field)');
    const after = (await as(cpo).get('/NL/CPO/P1').expect(200)).body.data;
    expect(after.kwh).toBe(before.kwh);
    expect(after.status).toBe(before.status);
  });

  test('an update older than the stored version is acknowledged (1000, "Ignored") and not applied, by PUT and PATCH', async () => {
    await as(cpo)
      .put('/NL/CPO/OLD', aSession('OLD', { charging_periods: [aPeriod('2025-06-01T08:00:00Z', 1)] }))
      .expect(201);
    const before = (await as(cpo).get('/NL/CPO/OLD').expect(200)).body.data;
    const old = '2020-01-01T00:00:00Z';
    const writes = [
      await as(cpo).put('/NL/CPO/OLD', aSession('OLD', { status: 'COMPLETED', last_updated: old })),
      await as(cpo).patch('/NL/CPO/OLD', { status: 'COMPLETED', charging_periods: [aPeriod('2025-06-01T08:15:00Z', 2)], last_updated: old }),
    ];
    for (const res of writes) {
      expect(res.status).toBe(200);
      expect(res.body.status_code).toBe(1000);
      expect(res.body.status_message).toMatch(/^Ignored: .*older/);
    }
    expect((await as(cpo).get('/NL/CPO/OLD').expect(200)).body.data).toEqual(before);
  });
});

describe('Client Owned Object rules', () => {
  test("a write under a party the caller did not register is 404 (2000) and leaves the owner's session untouched", async () => {
    await as(other)
      .put('/NL/OTH/OWNED', aSession('OWNED', { party_id: 'OTH' }))
      .expect(201);
    const before = (await as(other).get('/NL/OTH/OWNED').expect(200)).body.data;
    const put = await as(cpo)
      .put('/NL/OTH/OWNED', aSession('OWNED', { party_id: 'OTH', status: 'INVALID' }))
      .expect(404);
    expect(put.body).toMatchObject({ status_code: 2000 });
    expect(put.body.status_message).toContain('NL/OTH');
    expect(
      (
        await as(cpo)
          .patch('/NL/OTH/OWNED', { status: 'INVALID', charging_periods: [aPeriod('2025-06-01T09:00:00Z', 9)], last_updated: later() })
          .expect(404)
      ).body.status_code,
    ).toBe(2000);
    await as(cpo).get('/NL/OTH/OWNED').expect(404);
    expect((await as(other).get('/NL/OTH/OWNED').expect(200)).body.data).toEqual(before);
  });

  test('a new session under a party the caller did not register is not stored', async () => {
    const res = await as(cpo)
      .put('/BE/XYZ/FOREIGN', aSession('FOREIGN', { country_code: 'BE', party_id: 'XYZ' }))
      .expect(404);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('FOREIGN')).toBe(0);
  });

  test.each([
    ['country_code', aSession('MISMATCH', { country_code: 'BE' })],
    ['party_id', aSession('MISMATCH', { party_id: 'OTH' })],
    ['id', aSession('OTHERID')],
  ])('a PUT whose body %s does not match the URL is refused with 2001 naming the field and nothing is stored', async (field, body) => {
    const res = await as(cpo).put('/NL/CPO/MISMATCH', body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(`body.${field}`);
    expect(await stored('MISMATCH')).toBe(0);
    expect(await stored('OTHERID')).toBe(0);
  });

  test('a PATCH whose body id does not match the URL is refused with 2001 naming the field and changes nothing', async () => {
    const before = (await as(cpo).get('/NL/CPO/P1').expect(200)).body.data;
    const res = await as(cpo).patch('/NL/CPO/P1', { id: 'P9', kwh: 7, last_updated: later() }).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('body.id');
    expect((await as(cpo).get('/NL/CPO/P1').expect(200)).body.data).toEqual(before);
  });
});

describe('validation', () => {
  test.each([
    ['no kwh (a required field without a default)', aSession('INVALID', { kwh: undefined }), 'kwh'],
    ['an unknown auth_method', aSession('INVALID', { auth_method: 'BADGE' }), 'auth_method'],
    ['a missing cdr_token', aSession('INVALID', { cdr_token: undefined }), 'cdr_token'],
  ])('%s is refused with 2001 naming the field and nothing is stored', async (_name, body, field) => {
    const res = await as(cpo).put('/NL/CPO/INVALID', body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
    expect(await stored('INVALID')).toBe(0);
  });

  test('the stored session is what the eMSP side reads (case-insensitive ids)', async () => {
    expect(await platform.ctx.services.receivedSessions.store.find('nl', 'cpo', 's1')).toMatchObject({ id: 'S1', status: 'COMPLETED' });
  });
});

describe('authentication', () => {
  test('Token A is refused with 401 and nothing is stored', async () => {
    const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
    const res = await request(platform.url)
      .put('/ocpi/emsp/2.2.1/sessions/NL/CPO/TOKA')
      .set('Authorization', tokenHeader(invitation.body.token))
      .send(aSession('TOKA'))
      .expect(401);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('TOKA')).toBe(0);
  });

  test('the interface is advertised in the version details as the eMSP sessions RECEIVER', async () => {
    const res = await request(platform.url).get('/ocpi/2.2.1').set('Authorization', tokenHeader(cpo.tokenC)).expect(200);
    expect(res.body.data.endpoints).toContainEqual({ identifier: 'sessions', role: 'RECEIVER', url: `${platform.url}/ocpi/emsp/2.2.1/sessions` });
  });
});
