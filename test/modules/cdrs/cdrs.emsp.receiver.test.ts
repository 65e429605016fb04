/**
 * Cdrs RECEIVER interface of an eMSP party (06-cdrs §2.2): a CPO peer POSTs final CDRs, we answer
 * the `Location` of our stored copy, and the CPO GETs it back there, over real HTTP and a real
 * database.
 */
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers } from '../../helpers/emsp-receiver.js';
import { type TestPlatform, request, tokenHeader } from '../../helpers/platform.js';
import type { RegisteredPeer } from '../../helpers/registered-peer.js';
import { aCdr } from '../../helpers/sessions.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let other: RegisteredPeer;
let world: EmspReceiverWorld;

const BASE = '/ocpi/emsp/2.2.1/cdrs';
const post = (peer: RegisteredPeer, body: object) => request(platform.url).post(BASE).set('Authorization', tokenHeader(peer.tokenC)).send(body);
/** GET at the exact URL we answered: the CPO treats it as opaque. */
const getAt = (peer: RegisteredPeer, location: string) => request(location).get('').set('Authorization', tokenHeader(peer.tokenC));
const stored = (id: string) => platform.ctx.db.receivedCdr.count({ where: { cdrKey: id.toUpperCase() } });
const LOCATION = /\/ocpi\/emsp\/2\.2\.1\/cdrs\/[0-9a-f-]{36}$/;

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('cdrs_emsp_receiver');
  ({ platform, cpo, other } = world);
});

afterAll(() => world?.stop());

describe('POST and GET', () => {
  test('a POST of a new CDR answers HTTP 201, status 1000 and a Location under PUBLIC_BASE_URL', async () => {
    const res = await post(cpo, aCdr('CDR1')).expect(201);
    expect(res.body.status_code).toBe(1000);
    expect(res.headers.location).toMatch(LOCATION);
    expect(res.headers.location.startsWith(`${platform.url}/ocpi/emsp/2.2.1/cdrs/`)).toBe(true);
    expect(await stored('CDR1')).toBe(1);
  });

  test('a GET at the answered Location returns the stored CDR', async () => {
    const cdr = aCdr('CDR2');
    const { headers } = await post(cpo, cdr).expect(201);
    const res = await getAt(cpo, headers.location).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.data).toMatchObject({ country_code: 'NL', party_id: 'CPO', id: 'CDR2', total_energy: 11, cdr_location: { id: 'LOC1', evse_uid: 'EVSE1' } });
  });

  test('a duplicate POST (same party and id, any case) answers 1000 with the same Location and keeps the first CDR', async () => {
    const first = await post(cpo, aCdr('CDR3', { total_energy: 11 })).expect(201);
    const again = await post(cpo, aCdr('cdr3', { total_energy: 99 })).expect(200);
    expect(again.body.status_code).toBe(1000);
    expect(again.headers.location).toBe(first.headers.location);
    expect(await stored('CDR3')).toBe(1);
    expect((await getAt(cpo, first.headers.location).expect(200)).body.data).toMatchObject({ id: 'CDR3', total_energy: 11 });
  });

  test('a credit CDR (credit true with credit_reference_id, id up to 39) is stored like any CDR', async () => {
    const id = `${'C'.repeat(36)}-CR`;
    const res = await post(cpo, aCdr(id, { credit: true, credit_reference_id: 'CDR1', total_cost: { excl_vat: -2.75, incl_vat: -3.33 } })).expect(201);
    expect((await getAt(cpo, res.headers.location).expect(200)).body.data).toMatchObject({ id, credit: true, credit_reference_id: 'CDR1' });
  });

  test('a CdrLocation address or state longer than CdrLocation allows (copied from a Location, P7) is accepted', async () => {
    const cdr = aCdr('CDR7');
    const res = await post(cpo, { ...cdr, cdr_location: { ...cdr.cdr_location, address: 'A'.repeat(100), state: 'S'.repeat(30) } }).expect(201);
    expect((await getAt(cpo, res.headers.location).expect(200)).body.data.cdr_location.address).toBe('A'.repeat(100));
  });
});

describe('refusals', () => {
  test('a CDR of a party the caller did not register is refused with 2001 and nothing is stored', async () => {
    const res = await post(other, aCdr('FOREIGN')).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toMatch(/NL\/CPO/);
    expect(res.headers.location).toBeUndefined();
    expect(await stored('FOREIGN')).toBe(0);
  });

  test.each([
    ['credit_reference_id', aCdr('BAD1', { credit: true })],
    ['charging_periods', aCdr('BAD2', { charging_periods: [] })],
    ['cdr_location.coordinates', aCdr('BAD3', { cdr_location: { ...aCdr().cdr_location, coordinates: { latitude: 'x', longitude: 'y' } } })],
    ['id', aCdr('X'.repeat(40))],
  ])('a CDR unreadable even after repair (%s) is not stored as a CDR but kept in quarantine, answered 1000 with a Location', async (field, body) => {
    const res = await post(cpo, body).expect(201);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toContain('quarantine');
    expect(res.body.status_message).toContain(field);
    expect(res.headers.location).toMatch(LOCATION);
    expect(await stored(body.id)).toBe(0);
    expect(await platform.ctx.db.quarantinedCdr.count({ where: { cdrId: body.id } })).toBe(1);
  });

  test('a GET of an unknown or malformed id is HTTP 404', async () => {
    expect((await request(platform.url).get(`${BASE}/00000000-0000-4000-8000-000000000000`).set('Authorization', tokenHeader(cpo.tokenC)).expect(404)).body.status_code).toBe(2000);
    await request(platform.url).get(`${BASE}/not-a-uuid`).set('Authorization', tokenHeader(cpo.tokenC)).expect(404);
  });

  test("a GET of another party's CDR is HTTP 404, as if it did not exist", async () => {
    const { headers } = await post(cpo, aCdr('PRIVATE')).expect(201);
    await getAt(other, headers.location).expect(404);
  });
});
