import { Tariff } from '../../../src/model/tariff.js';
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers, asPeer } from '../../helpers/emsp-receiver.js';
import { type TestPlatform, request, tokenHeader } from '../../helpers/platform.js';
import type { RegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let other: RegisteredPeer;
let world: EmspReceiverWorld;

const as = (peer: RegisteredPeer) => asPeer(platform, '/ocpi/emsp/2.2.1/tariffs', peer);
const stored = (id: string) => platform.ctx.db.receivedTariff.count({ where: { tariffKey: id.toUpperCase() } });
const iso = (stamp: string) => new Date(stamp).toISOString();

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('tariffs_emsp_receiver');
  ({ platform, cpo, other } = world);
});

afterAll(() => world?.stop());

describe('PUT, GET and DELETE', () => {
  test('a PUT of a new tariff answers 201 without data, a second PUT replaces it with 200', async () => {
    const created = await as(cpo).put('/NL/CPO/T1', aTariff('T1')).expect(201);
    expect(created.body).toMatchObject({ status_code: 1000 });
    expect(created.body).not.toHaveProperty('data');
    const replaced = await as(cpo)
      .put('/NL/CPO/T1', aTariff('T1', { currency: 'CHF' }))
      .expect(200);
    expect(replaced.body.status_code).toBe(1000);
    expect((await as(cpo).get('/NL/CPO/T1').expect(200)).body.data.currency).toBe('CHF');
    expect(await stored('T1')).toBe(1);
  });

  test('GET answers the stored Tariff (case-insensitive ids)', async () => {
    const body = aTariff('T2');
    await as(cpo).put('/NL/CPO/T2', body).expect(201);
    const tariff = Tariff.parse((await as(cpo).get('/nl/cpo/t2').expect(200)).body.data);
    expect(tariff).toMatchObject({ id: 'T2', country_code: 'NL', party_id: 'CPO', currency: 'EUR', last_updated: iso(body.last_updated) });
    expect(tariff.elements).toHaveLength(2);
  });

  test('GET of an unknown tariff is 404 (2000)', async () => {
    expect((await as(cpo).get('/NL/CPO/NOPE').expect(404)).body.status_code).toBe(2000);
  });

  test('DELETE removes a known tariff (200, 1000); GET then answers 404', async () => {
    await as(cpo).put('/NL/CPO/GONE', aTariff('GONE')).expect(201);
    expect((await as(cpo).delete('/NL/CPO/GONE').expect(200)).body.status_code).toBe(1000);
    await as(cpo).get('/NL/CPO/GONE').expect(404);
    expect(await stored('GONE')).toBe(0);
  });

  test('DELETE of an unknown tariff is 404 (2000)', async () => {
    const res = await as(cpo).delete('/NL/CPO/NEVER').expect(404);
    expect(res.body.status_code).toBe(2000);
    expect(res.body.status_message).toContain('NEVER');
  });

  test('an update older than the stored version is acknowledged (1000, "Ignored") and not applied', async () => {
    await as(cpo).put('/NL/CPO/T3', aTariff('T3')).expect(201);
    const before = (await as(cpo).get('/NL/CPO/T3').expect(200)).body.data;
    const res = await as(cpo)
      .put('/NL/CPO/T3', aTariff('T3', { currency: 'USD', last_updated: '2020-01-01T00:00:00Z' }))
      .expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toMatch(/^Ignored: .*older/);
    expect((await as(cpo).get('/NL/CPO/T3').expect(200)).body.data).toEqual(before);
  });
});

describe('Client Owned Object rules', () => {
  test("a write or delete under a party the caller did not register is 404 (2000) and leaves the owner's tariff untouched", async () => {
    await as(other)
      .put('/NL/OTH/OWNED', aTariff('OWNED', { party_id: 'OTH', currency: 'EUR' }))
      .expect(201);
    const before = (await as(other).get('/NL/OTH/OWNED').expect(200)).body.data;
    const put = await as(cpo)
      .put('/NL/OTH/OWNED', aTariff('OWNED', { party_id: 'OTH', currency: 'USD' }))
      .expect(404);
    expect(put.body).toMatchObject({ status_code: 2000 });
    expect(put.body.status_message).toContain('NL/OTH');
    expect((await as(cpo).delete('/NL/OTH/OWNED').expect(404)).body.status_code).toBe(2000);
    await as(cpo).get('/NL/OTH/OWNED').expect(404);
    expect((await as(other).get('/NL/OTH/OWNED').expect(200)).body.data).toEqual(before);
  });

  test('a new tariff under a party the caller did not register is not stored', async () => {
    const res = await as(cpo)
      .put('/BE/XYZ/FOREIGN', aTariff('FOREIGN', { country_code: 'BE', party_id: 'XYZ' }))
      .expect(404);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('FOREIGN')).toBe(0);
  });

  test.each([
    ['country_code', aTariff('MISMATCH', { country_code: 'BE' })],
    ['party_id', aTariff('MISMATCH', { party_id: 'OTH' })],
    ['id', aTariff('OTHERID')],
  ])('a PUT whose body %s does not match the URL is refused with 2001 naming the field and nothing is stored', async (field, body) => {
    const res = await as(cpo).put('/NL/CPO/MISMATCH', body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(`body.${field}`);
    expect(await stored('MISMATCH')).toBe(0);
    expect(await stored('OTHERID')).toBe(0);
  });
});

describe('validation', () => {
  test.each([
    ['a tariff without elements', aTariff('INVALID', { elements: [] }), 'elements'],
    ['a lower-case currency', aTariff('INVALID', { currency: 'eur' }), 'currency'],
    [
      'an unknown dimension type (money is never repaired piecemeal)',
      aTariff('INVALID', { elements: [{ price_components: [{ type: 'KWH', price: 1, step_size: 1 }] }] }),
      'elements.0.price_components.0.type',
    ],
  ])('%s is refused with 2001 naming the field and nothing is stored', async (_name, body, field) => {
    const res = await as(cpo).put('/NL/CPO/INVALID', body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
    expect(await stored('INVALID')).toBe(0);
  });

  test('the stored tariff is what the eMSP side reads (case-insensitive ids)', async () => {
    expect(await platform.ctx.services.receivedTariffs.store.find('nl', 'cpo', 't1')).toMatchObject({ id: 'T1', currency: 'CHF' });
  });
});

describe('authentication', () => {
  test('Token A is refused with 401 and nothing is stored', async () => {
    const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
    const res = await request(platform.url).put('/ocpi/emsp/2.2.1/tariffs/NL/CPO/TOKA').set('Authorization', tokenHeader(invitation.body.token)).send(aTariff('TOKA')).expect(401);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('TOKA')).toBe(0);
  });

  test('the interface is advertised in the version details as the eMSP tariffs RECEIVER', async () => {
    const res = await request(platform.url).get('/ocpi/2.2.1').set('Authorization', tokenHeader(cpo.tokenC)).expect(200);
    expect(res.body.data.endpoints).toContainEqual({ identifier: 'tariffs', role: 'RECEIVER', url: `${platform.url}/ocpi/emsp/2.2.1/tariffs` });
  });
});
