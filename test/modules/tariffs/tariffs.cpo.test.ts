/**
 * Tariffs as a CPO: the backend API writes and deletes them, every change is pushed to the
 * receiving eMSP peer, and peers pull the addressed party's tariffs from the SENDER interface.
 */
import { openApiFiles } from '../../../src/http/openapi-files.js';
import { Tariff } from '../../../src/model/tariff.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aPriceComponent, aTariff, later } from '../../helpers/tariffs.js';

let platform: TestPlatform;
let emsp: FakePeer;
let tokenC: string;
const pushes = () => emsp.received.filter((r) => r.path.startsWith('/emsp/tariffs'));
const pushed = (method: string, path: string) => pushes().filter((p) => p.method === method && p.path === path);

beforeAll(async () => {
  platform = await startTestPlatform('tariffs_cpo', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await startFakePeer([{ identifier: 'tariffs', role: 'RECEIVER', path: '/emsp/tariffs' }]);
  emsp.acceptedTokens.add('emsp-token-b');
  for (const method of ['PUT', 'DELETE']) emsp.on(method, '/emsp/tariffs/*', (_req, res) => void res.json(ok()));
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const reg = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'emsp-token-b', url: emsp.versionsUrl, roles: [aCredentialsRole()] });
  tokenC = reg.body.data.token;
});

afterAll(async () => {
  await emsp?.close();
  await platform?.stop();
});

const backend = (id: string, party = 'NL/CPO') => `/parties/${party}/tariffs/${id}`;
const sender = (query = '') => request(platform.url).get(`/ocpi/cpo/2.2.1/tariffs${query}`).set('Authorization', tokenHeader(tokenC));
const outboxCount = () => platform.ctx.db.outboxMessage.count();
const ids = (data: Array<{ id: string }>) => data.map((t) => t.id);

describe('backend API and push', () => {
  test('a PUT tariff is stored and pushed whole to the eMSP with routing headers', async () => {
    const tariff = aTariff('T1');
    const res = await platform.admin().put(backend('T1'), tariff).expect(200);
    expect(Tariff.parse(res.body)).toMatchObject({ id: 'T1', last_updated: tariff.last_updated });
    expect((await platform.admin().get(backend('t1')).expect(200)).body).toEqual(res.body);
    await eventually(() => expect(pushed('PUT', '/emsp/tariffs/NL/CPO/T1')).toHaveLength(1));
    const push = pushed('PUT', '/emsp/tariffs/NL/CPO/T1')[0];
    expect(push.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
    expect(Tariff.parse(push.body)).toMatchObject({ id: 'T1', currency: 'EUR', last_updated: tariff.last_updated });
  });

  test('a newer PUT replaces the tariff whole and is pushed', async () => {
    const stamp = later();
    const cheaper = aTariff('T1', { elements: [{ price_components: [aPriceComponent('ENERGY', { price: 0.19 })] }], last_updated: stamp });
    await platform.admin().put(backend('T1'), cheaper).expect(200);
    const stored = Tariff.parse((await platform.admin().get(backend('T1')).expect(200)).body);
    expect(stored.elements).toEqual([{ price_components: [expect.objectContaining({ type: 'ENERGY', price: 0.19 })] }]);
    expect(stored.tariff_alt_text).toHaveLength(1);
    await eventually(() => expect(pushed('PUT', '/emsp/tariffs/NL/CPO/T1').map((p) => (p.body as { last_updated: string }).last_updated)).toContain(stamp));
  });

  test('a DELETE removes the tariff and is pushed as a DELETE', async () => {
    await platform.admin().put(backend('TDEL'), aTariff('TDEL')).expect(200);
    await platform.admin().delete(backend('tdel')).expect(204);
    await platform.admin().get(backend('TDEL')).expect(404);
    await eventually(() => expect(pushed('DELETE', '/emsp/tariffs/NL/CPO/TDEL')).toHaveLength(1));
    expect(pushed('DELETE', '/emsp/tariffs/NL/CPO/TDEL')[0].headers).toMatchObject({ 'ocpi-from-party-id': 'CPO', 'ocpi-to-party-id': 'EMS' });
    expect(ids((await sender().expect(200)).body.data)).not.toContain('TDEL');
    await platform.admin().delete(backend('TDEL')).expect(404);
  });

  test('a deleted tariff comes back only with a last_updated after its deletion', async () => {
    const before = await outboxCount();
    const res = await platform.admin().put(backend('TDEL'), aTariff('TDEL')).expect(409);
    expect(res.body.error.message).toContain('deletion');
    expect(await outboxCount()).toBe(before);
    const revived = aTariff('TDEL', { last_updated: new Date(Date.now() + 1000).toISOString() });
    await platform.admin().put(backend('TDEL'), revived).expect(200);
    await eventually(() => expect(pushed('PUT', '/emsp/tariffs/NL/CPO/TDEL').map((p) => (p.body as { last_updated: string }).last_updated)).toContain(revived.last_updated));
  });

  const price = (overrides: Record<string, unknown>) => ({ elements: [{ price_components: [aPriceComponent('ENERGY', overrides)] }] });
  test.each([
    ['an id that does not match the path', 'body.id', () => aTariff('TX')],
    ['another country in the body', 'body.country_code', () => aTariff('T9', { country_code: 'BE' })],
    ['another party in the body', 'body.party_id', () => aTariff('T9', { party_id: 'XXX' })],
    ['no last_updated', 'body.last_updated', () => aTariff('T9', { last_updated: undefined })],
    ['a lower-case currency', 'body.currency', () => aTariff('T9', { currency: 'eur' })],
    ['no elements', 'body.elements', () => aTariff('T9', { elements: [] })],
    ['an element without price components', 'body.elements.0.price_components', () => aTariff('T9', { elements: [{ price_components: [] }] })],
    ['a negative price', 'body.elements.0.price_components.0.price', () => aTariff('T9', price({ price: -1 }))],
    ['an ENERGY step_size of 0', 'body.elements.0.price_components.0.step_size', () => aTariff('T9', price({ step_size: 0 }))],
    ['a VAT above 100 %', 'body.elements.0.price_components.0.vat', () => aTariff('T9', price({ vat: 121 }))],
    ['an unknown dimension', 'body.elements.0.price_components.0.type', () => aTariff('T9', price({ type: 'KWH' }))],
    [
      'two ENERGY components in one element',
      'body.elements.0.price_components.1.type',
      () => aTariff('T9', { elements: [{ price_components: [aPriceComponent('ENERGY'), aPriceComponent('ENERGY')] }] }),
    ],
    [
      'min_kwh not below max_kwh',
      'body.elements.0.restrictions.min_kwh',
      () => aTariff('T9', { elements: [{ price_components: [aPriceComponent()], restrictions: { min_kwh: 10, max_kwh: 5 } }] }),
    ],
    [
      'a time of day 24:00',
      'body.elements.0.restrictions.start_time',
      () => aTariff('T9', { elements: [{ price_components: [aPriceComponent()], restrictions: { start_time: '24:00' } }] }),
    ],
    ['start_date_time after end_date_time', 'body.start_date_time', () => aTariff('T9', { start_date_time: '2025-02-01T00:00:00Z', end_date_time: '2025-01-01T00:00:00Z' })],
    ['min_price above max_price', 'body.min_price.excl_vat', () => aTariff('T9', { min_price: { excl_vat: 5 }, max_price: { excl_vat: 2 } })],
  ])('%s is refused with 400 naming %s, and nothing is stored or queued', async (_name, field, body) => {
    const before = await outboxCount();
    const res = await platform.admin().put(backend('T9'), body()).expect(400);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(res.body.error.message).toContain(field);
    await platform.admin().get(backend('T9')).expect(404);
    expect(await outboxCount()).toBe(before);
  });

  test('a version older than the stored one is refused with 409 and not queued', async () => {
    const before = await outboxCount();
    const res = await platform
      .admin()
      .put(backend('T1'), aTariff('T1', { last_updated: '2020-01-01T00:00:00Z' }))
      .expect(409);
    expect(res.body.error.message).toContain('older');
    expect(await outboxCount()).toBe(before);
    expect((await platform.admin().get(backend('T1')).expect(200)).body.elements[0].price_components[0].price).toBe(0.19);
  });

  test('concurrent PUTs of a new id keep the newest version whatever the commit order', async () => {
    const versions = [later(), later(), later(), later()].map((stamp) => aTariff('TRACE', { last_updated: stamp }));
    const answers = await Promise.all([3, 0, 2, 1].map((i) => platform.admin().put(backend('TRACE'), versions[i])));
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect((await platform.admin().get(backend('TRACE')).expect(200)).body.last_updated).toBe(versions[3].last_updated);
    await platform.admin().delete(backend('TRACE')).expect(204);
  });

  test('only CPO parties have tariffs', async () => {
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'EMP', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
    const before = await outboxCount();
    await platform
      .admin()
      .put(backend('T1', 'NL/EMP'), aTariff('T1', { party_id: 'EMP' }))
      .expect(404);
    await platform.admin().get(backend('T1', 'NL/EMP')).expect(404);
    await platform.admin().delete(backend('T1', 'NL/EMP')).expect(404);
    await platform
      .admin()
      .put(backend('T1', 'BE/ZZZ'), aTariff('T1', { country_code: 'BE', party_id: 'ZZZ' }))
      .expect(404);
    expect(await outboxCount()).toBe(before);
    await platform.admin().delete('/parties/NL/EMP').expect(204);
  });
});

describe('SENDER interface', () => {
  beforeAll(async () => {
    for (let i = 2; i <= 6; i++)
      await platform
        .admin()
        .put(backend(`T${i}`), aTariff(`T${i}`))
        .expect(200);
  });

  test('the list pages through every tariff by Link, oldest change first, each a valid Tariff', async () => {
    const listed: Tariff[] = [];
    let next: string | undefined = '?limit=2';
    while (next) {
      const res = await sender(next).expect(200);
      expect(res.body.status_code).toBe(1000);
      expect(res.headers['x-total-count']).toBe('7');
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      for (const t of res.body.data) listed.push(Tariff.parse(t));
      const link = res.headers['link'] as string | undefined;
      if (link) expect(link).toMatch(/; rel="next"$/);
      next = link ? new URL(/<([^>]+)>/.exec(link)![1]).search : undefined;
    }
    expect(ids(listed).sort()).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'TDEL']);
    const stamps = listed.map((t) => Date.parse(t.last_updated));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });

  test('date_from (inclusive) and date_to (exclusive) filter on last_updated', async () => {
    const since = later();
    const t4 = aTariff('T4', { last_updated: later() });
    await platform.admin().put(backend('T4'), t4).expect(200);
    // T1..T3 are older than `since`; the revived TDEL is stamped with the real clock, after date_to.
    const until = later();
    expect(ids((await sender(`?date_from=${since}&date_to=${until}`).expect(200)).body.data)).toEqual(['T4']);
    expect(ids((await sender(`?date_from=${t4.last_updated}&date_to=${until}`).expect(200)).body.data)).toEqual(['T4']);
    expect(ids((await sender(`?date_from=${since}&date_to=${t4.last_updated}`).expect(200)).body.data)).toEqual([]);
    const filtered = await sender(`?date_to=${since}&limit=1`).expect(200);
    expect(filtered.headers['x-total-count']).toBe('5');
    expect(filtered.headers['link']).toContain(`date_to=${encodeURIComponent(since)}`);
  });

  test('with two CPO parties, each sees only its own tariffs, addressed by OCPI-to-*; ids are per party', async () => {
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CP2', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    await platform
      .admin()
      .put(backend('T1', 'NL/CP2'), aTariff('T1', { party_id: 'CP2', currency: 'USD' }))
      .expect(200);
    await eventually(() => expect(pushed('PUT', '/emsp/tariffs/NL/CP2/T1')).toHaveLength(1));
    expect(pushed('PUT', '/emsp/tariffs/NL/CP2/T1')[0].headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CP2' });

    const toCp2 = await sender().set({ 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CP2' }).expect(200);
    expect(toCp2.body.data.map((t: unknown) => Tariff.parse(t))).toEqual([expect.objectContaining({ id: 'T1', party_id: 'CP2', currency: 'USD' })]);
    const toCpo = await sender().set({ 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' }).expect(200);
    expect(toCpo.body.data.every((t: { party_id: string }) => t.party_id === 'CPO')).toBe(true);
    expect(toCpo.body.data.find((t: { id: string }) => t.id === 'T1').currency).toBe('EUR');
    // Without headers the addressed party is ambiguous now.
    expect((await sender()).body.status_code).toBe(2001);
  });
});

test('the SENDER list and the backend API are in the OpenAPI documents', () => {
  const ocpi = JSON.parse(openApiFiles()['ocpi-2.2.1.json']);
  expect(Object.keys(ocpi.paths['/ocpi/cpo/2.2.1/tariffs'])).toEqual(['get']);
  const admin = JSON.parse(openApiFiles()['admin.json']);
  expect(Object.keys(admin.paths['/admin/parties/{country_code}/{party_id}/tariffs/{tariff_id}']).sort()).toEqual(['delete', 'get', 'put']);
});
