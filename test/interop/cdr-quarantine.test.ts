/**
 * No billing record is ever lost: a CDR that cannot be read even after repair is kept exactly as
 * received, answered so that the CPO does not drop it, announced to the eMSP's backend, visible in
 * the admin API, and stored like any CDR once released (docs/interop.md, CDR quarantine).
 */
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers, asPeer } from '../helpers/emsp-receiver.js';
import { type TestPlatform, request, tokenHeader } from '../helpers/platform.js';
import type { RegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr } from '../helpers/sessions.js';

let world: EmspReceiverWorld;
let platform: TestPlatform;
let cpo: RegisteredPeer;

const cdrs = (peer = cpo) => asPeer(platform, '/ocpi/emsp/2.2.1/cdrs', peer);
const QUARANTINE = '/parties/DE/EMS/quarantined-cdrs';
/** A CDR with no total_cost and charging periods without dimensions: nothing a repair can invent. */
const unreadable = (id: string) => ({ ...aCdr(id, { charging_periods: [] }), total_cost: undefined });

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('interop_quarantine');
  ({ platform, cpo } = world);
  // A webhook nobody listens on: the events stay PENDING for the test to read.
  await platform.admin().put('/parties/DE/EMS/backend', { adapter: 'webhook', url: 'http://127.0.0.1:1/events', secret: 'quarantine-secret-0123' }).expect(200);
});

afterAll(() => world?.stop());

test('an unreadable CDR is answered 1000 with a Location, so the CPO keeps no failed delivery, and says it is in quarantine', async () => {
  const res = await cdrs().post('', unreadable('Q1')).expect(201);
  expect(res.body.status_code).toBe(1000);
  expect(res.body.status_message).toMatch(/quarantine/);
  expect(res.body.status_message).toContain('total_cost');
  expect(res.headers.location).toMatch(/\/ocpi\/emsp\/2\.2\.1\/cdrs\/[0-9a-f-]{36}$/);
  expect(await platform.ctx.db.receivedCdr.count({ where: { cdrKey: 'Q1' } })).toBe(0);
});

test('the CPO reads it back at that Location exactly as it sent it', async () => {
  const res = await cdrs().post('', unreadable('Q2')).expect(201);
  const back = await request(res.headers.location).get('').set('Authorization', tokenHeader(cpo.tokenC)).expect(200);
  expect(back.body.data.id).toBe('Q2');
  expect(back.body.data.charging_periods).toEqual([]);
  // Another peer cannot.
  await request(res.headers.location).get('').set('Authorization', tokenHeader(world.other.tokenC)).expect(404);
});

test('it is kept exactly as received, listed in the admin API with its problems, and counted in the data-quality report', async () => {
  const body = unreadable('Q3');
  await cdrs().post('', body).expect(201);
  const list = (await platform.admin().get(`${QUARANTINE}?status=QUARANTINED`).expect(200)).body;
  const kept = list.find((q: { cdr_id: string }) => q.cdr_id === 'Q3');
  expect(kept).toMatchObject({ status: 'QUARANTINED', owner: { country_code: 'NL', party_id: 'CPO' }, peer_id: cpo.peerId });
  expect(kept.raw).toEqual(JSON.parse(JSON.stringify(body)));
  expect(kept.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['total_cost', 'charging_periods']));
  const report = (await platform.admin().get(`/peers/${cpo.peerId}/data-quality`).expect(200)).body;
  expect(report.entries).toEqual(expect.arrayContaining([expect.objectContaining({ module: 'cdrs', path: 'total_cost', outcome: 'REFUSED' })]));
});

test("it is announced to the eMSP's backend as cdr.quarantined, in the same transaction", async () => {
  await cdrs().post('', unreadable('Q4')).expect(201);
  const events = await platform.ctx.db.backendEvent.findMany({ where: { type: 'cdr.quarantined' } });
  const event = events.find((e) => (e.payload as { data: { cdr_id: string } }).data.cdr_id === 'Q4');
  expect(event?.payload).toMatchObject({ party: { country_code: 'DE', party_id: 'EMS' }, data: { status: 'QUARANTINED', problems: expect.any(Array) } });
});

test('the same unreadable CDR sent again is the same quarantine record (200, same Location)', async () => {
  const first = await cdrs().post('', unreadable('Q5')).expect(201);
  const again = await cdrs().post('', unreadable('Q5')).expect(200);
  expect(again.body.status_code).toBe(1000);
  expect(again.headers.location).toBe(first.headers.location);
  expect(await platform.ctx.db.quarantinedCdr.count({ where: { cdrId: 'Q5' } })).toBe(1);
});

test('text PostgreSQL cannot hold in JSON (NUL) is still kept as received', async () => {
  const res = await cdrs()
    .post('', { ...unreadable('Q6'), remark: 'bad\u0000remark' })
    .expect(201);
  expect(res.body.status_code).toBe(1000);
  const kept = (await platform.admin().get(QUARANTINE).expect(200)).body.find((q: { cdr_id: string }) => q.cdr_id === 'Q6');
  expect(kept.raw.remark).toBe('bad\u0000remark');
});

test('a CDR of a party the caller did not register is still refused with 2001, not quarantined', async () => {
  const res = await cdrs(world.other).post('', unreadable('Q7')).expect(200);
  expect(res.body.status_code).toBe(2001);
  expect(await platform.ctx.db.quarantinedCdr.count({ where: { cdrId: 'Q7' } })).toBe(0);
});

describe('release', () => {
  test('a release of a CDR that is still unreadable is 400 naming the fields, and it stays in quarantine', async () => {
    await cdrs().post('', unreadable('R1')).expect(201);
    const id = (await platform.admin().get(QUARANTINE).expect(200)).body.find((q: { cdr_id: string }) => q.cdr_id === 'R1').id;
    const res = await platform.admin().post(`${QUARANTINE}/${id}/release`, {}).expect(400);
    expect(res.body.error.message).toContain('still unreadable');
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(['total_cost']));
    expect((await platform.admin().get(`${QUARANTINE}/${id}`).expect(200)).body.status).toBe('QUARANTINED');
  });

  test('a release with a corrected CDR stores it like any received CDR, with its cdr.received event', async () => {
    await cdrs().post('', unreadable('R2')).expect(201);
    const id = (await platform.admin().get(QUARANTINE).expect(200)).body.find((q: { cdr_id: string }) => q.cdr_id === 'R2').id;
    const released = await platform
      .admin()
      .post(`${QUARANTINE}/${id}/release`, { cdr: aCdr('R2') })
      .expect(200);
    expect(released.body).toMatchObject({ status: 'RELEASED', received_cdr_id: expect.any(String), released_at: expect.any(String) });
    expect(await platform.ctx.db.receivedCdr.count({ where: { cdrKey: 'R2' } })).toBe(1);
    const received = await platform.ctx.db.backendEvent.findMany({ where: { type: 'cdr.received' } });
    expect(received.some((e) => (e.payload as { data: { cdr: { id: string } } }).data.cdr.id === 'R2')).toBe(true);
    await platform.admin().post(`${QUARANTINE}/${id}/release`, {}).expect(409);
  });

  test('a corrected CDR must still be of the party that sent the original', async () => {
    await cdrs().post('', unreadable('R3')).expect(201);
    const id = (await platform.admin().get(QUARANTINE).expect(200)).body.find((q: { cdr_id: string }) => q.cdr_id === 'R3').id;
    await platform
      .admin()
      .post(`${QUARANTINE}/${id}/release`, { cdr: aCdr('R3', { party_id: 'OTH' }) })
      .expect(400);
    expect(await platform.ctx.db.receivedCdr.count({ where: { cdrKey: 'R3' } })).toBe(0);
  });

  test('a discarded CDR is kept, marked DISCARDED, and cannot be released', async () => {
    await cdrs().post('', unreadable('R4')).expect(201);
    const id = (await platform.admin().get(QUARANTINE).expect(200)).body.find((q: { cdr_id: string }) => q.cdr_id === 'R4').id;
    expect((await platform.admin().post(`${QUARANTINE}/${id}/discard`, {}).expect(200)).body.status).toBe('DISCARDED');
    await platform
      .admin()
      .post(`${QUARANTINE}/${id}/release`, { cdr: aCdr('R4') })
      .expect(409);
  });

  test('another eMSP party cannot see or release it (404)', async () => {
    await platform
      .admin()
      .post('/parties', { country_code: 'DE', party_id: 'EMX', role: 'EMSP', business_details: { name: 'Other eMSP' } })
      .expect(201);
    const id = (await platform.admin().get(QUARANTINE).expect(200)).body[0].id;
    await platform.admin().get(`/parties/DE/EMX/quarantined-cdrs/${id}`).expect(404);
    await platform.admin().post(`/parties/DE/EMX/quarantined-cdrs/${id}/release`, {}).expect(404);
  });
});

test('an unreadable CDR whose id PostgreSQL cannot hold as text (NUL) is still kept, under no id', async () => {
  const res = await cdrs().post('', unreadable('Q\u0000NUL')).expect(201);
  expect(res.body.status_code).toBe(1000);
  const kept = (await platform.admin().get(QUARANTINE).expect(200)).body.find((q: { raw: { id: string } }) => q.raw.id === 'Q\u0000NUL');
  expect(kept).toMatchObject({ cdr_id: null, status: 'QUARANTINED' });
});
