/**
 * CPO backend lists of the party's own objects (admin `GET /parties/{cc}/{pid}/{locations|
 * tariffs|sessions|cdrs|commands}`): seeded through the backend API and, for commands, by an
 * eMSP peer over OCPI; read back page by page and with every filter, one CPO party never seeing
 * another's objects.
 */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

let platform: TestPlatform;
let emsp: RegisteredPeer;
let backend: FakePeer;

const CPO = '/parties/NL/CPO';
const CP2 = '/parties/NL/CP2';
const EMS_TOKEN = { country_code: 'DE', party_id: 'EMS', uid: 'RFID001', type: 'RFID', contract_id: 'DE-EMS-C00001-1' };
const OTH_TOKEN = { country_code: 'DE', party_id: 'OTH', uid: 'RFID009', type: 'RFID', contract_id: 'DE-OTH-C00009-1' };

const list = (path: string) => platform.admin().get(path);
const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((o) => o.id);
const fieldsOf = (res: { body: { error: { fields?: Array<{ path: string }> } } }) => (res.body.error.fields ?? []).map((f) => f.path);

/** Commands by the CPO party they went to and their type, from the webhook calls the backend got. */
const forwarded = () =>
  backend.received.filter((r) => r.path === '/hook').map((r) => r.body as { command_id: string; command: string; party: { country_code: string; party_id: string } });

/** An OCPI command of the eMSP peer's party `from` to our CPO party `to`. */
function sendCommand(from: string, to: string, command: string, body: object) {
  const [fc, fp] = from.split('/');
  const [tc, tp] = to.split('/');
  return request(platform.url)
    .post(`/ocpi/cpo/2.2.1/commands/${command}`)
    .set('Authorization', tokenHeader(emsp.tokenC))
    .set('OCPI-from-country-code', fc)
    .set('OCPI-from-party-id', fp)
    .set('OCPI-to-country-code', tc)
    .set('OCPI-to-party-id', tp)
    .send({ response_url: `${emsp.fake.url}/results/${command}`, ...body });
}

beforeAll(async () => {
  platform = await startTestPlatform('cpo_lists');
  for (const pid of ['CPO', 'CP2']) await platform.admin().post('/parties', { country_code: 'NL', party_id: pid, role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EML', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);

  // Locations of NL/CPO by last_updated: L1, L2, L3, then L4 and L5 at the same moment (L5 written first).
  const evse = (uid: string, status = 'AVAILABLE') => anEvse(uid, { evse_id: `NL*CPO*E${uid}`, status });
  for (const [id, stamp, publish, evses] of [
    ['L1', '2025-07-01T10:00:00Z', true, [evse('A1')]],
    ['L2', '2025-07-02T10:00:00Z', false, [evse('B1', 'CHARGING')]],
    ['L3', '2025-07-03T10:00:00Z', true, [evse('C1'), evse('C2', 'OUTOFORDER')]],
    ['L5', '2025-07-04T10:00:00Z', true, [evse('E1', 'CHARGING')]],
    ['L4', '2025-07-04T10:00:00Z', false, [evse('D1')]],
  ] as const)
    await platform
      .admin()
      .put(`${CPO}/locations/${id}`, aLocation(id, { publish, evses, last_updated: stamp }))
      .expect(200);
  await platform
    .admin()
    .put(`${CP2}/locations/X1`, aLocation('X1', { party_id: 'CP2', evses: [anEvse('X1', { evse_id: 'NL*CP2*EX1', status: 'CHARGING' })], last_updated: '2025-07-02T12:00:00Z' }))
    .expect(200);

  // Tariffs of NL/CPO: T1, T2 (then deleted), T3; NL/CP2: T9.
  for (const [id, stamp] of [
    ['T1', '2025-07-01T10:00:00Z'],
    ['T2', '2025-07-02T10:00:00Z'],
    ['T3', '2025-07-03T10:00:00Z'],
  ])
    await platform
      .admin()
      .put(`${CPO}/tariffs/${id}`, aTariff(id, { last_updated: stamp }))
      .expect(200);
  await platform.admin().delete(`${CPO}/tariffs/T2`).expect(204);
  await platform
    .admin()
    .put(`${CP2}/tariffs/T9`, aTariff('T9', { party_id: 'CP2', last_updated: '2025-07-02T12:00:00Z' }))
    .expect(200);

  // Sessions of NL/CPO: S1 ACTIVE (EMS), S2 COMPLETED (EMS), S3 ACTIVE (OTH); NL/CP2: S9.
  for (const [id, status, token, stamp] of [
    ['S1', 'ACTIVE', EMS_TOKEN, '2025-07-01T10:00:00Z'],
    ['S2', 'COMPLETED', EMS_TOKEN, '2025-07-02T10:00:00Z'],
    ['S3', 'ACTIVE', OTH_TOKEN, '2025-07-03T10:00:00Z'],
  ] as const)
    await platform
      .admin()
      .put(`${CPO}/sessions/${id}`, aSession(id, { status, cdr_token: token, location_id: 'L1', evse_uid: 'A1', last_updated: stamp }))
      .expect(200);
  await platform
    .admin()
    .put(`${CP2}/sessions/S9`, aSession('S9', { party_id: 'CP2', last_updated: '2025-07-02T12:00:00Z' }))
    .expect(200);

  // CDRs of NL/CPO (start - end): C1 06-01 08:00-09:00 EUR, C2 06-02 08:00-10:00 EUR (OTH), C3 06-03 22:00 - 06-04 01:00 CHF; NL/CP2: C9.
  for (const [id, start, end, currency, cost, energy, token, stamp] of [
    ['C1', '2025-06-01T08:00:00Z', '2025-06-01T09:00:00Z', 'EUR', { excl_vat: 0.1, incl_vat: 0.12 }, 11.1, EMS_TOKEN, '2025-07-01T10:00:00Z'],
    ['C2', '2025-06-02T08:00:00Z', '2025-06-02T10:00:00Z', 'EUR', { excl_vat: 0.2, incl_vat: 0.24 }, 22.2, OTH_TOKEN, '2025-07-02T10:00:00Z'],
    ['C3', '2025-06-03T22:00:00Z', '2025-06-04T01:00:00Z', 'CHF', { excl_vat: 1.005 }, 0.3, EMS_TOKEN, '2025-07-03T10:00:00Z'],
  ] as const) {
    const periods = [{ start_date_time: start, dimensions: [{ type: 'ENERGY', volume: energy }] }];
    const cdr = aCdr(id, {
      start_date_time: start,
      end_date_time: end,
      currency,
      total_cost: cost,
      total_energy: energy,
      cdr_token: token,
      charging_periods: periods,
      last_updated: stamp,
    });
    await platform.admin().post(`${CPO}/cdrs`, cdr).expect(201);
  }
  await platform
    .admin()
    .post(`${CP2}/cdrs`, aCdr('C9', { party_id: 'CP2', last_updated: '2025-07-02T12:00:00Z' }))
    .expect(201);

  // Commands: an eMSP peer (DE/EMS, DE/OTH) sends them; both CPO parties forward to a webhook backend.
  emsp = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'EMS' }), aCredentialsRole({ party_id: 'OTH' })]);
  emsp.fake.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  backend = await startFakePeer();
  backend.on('POST', '/hook', (_req, res) => void res.status(202).json({}));
  for (const party of [CPO, CP2])
    await platform
      .admin()
      .put(`${party}/backend`, { adapter: 'webhook', url: `${backend.url}/hook`, secret: 'webhook-secret-0123456789' })
      .expect(200);
  await platform
    .admin()
    .put(`${CP2}/locations/X2`, aLocation('X2', { party_id: 'CP2', evses: [anEvse('X2', { evse_id: 'NL*CP2*EX2' })], last_updated: '2025-07-05T10:00:00Z' }))
    .expect(200);

  const sent: Array<[string, string, string, object]> = [
    ['DE/EMS', 'NL/CPO', 'START_SESSION', { token: { ...EMS_TOKEN, valid: true, whitelist: 'ALLOWED', last_updated: '2025-01-01T00:00:00Z' }, location_id: 'L1', evse_uid: 'A1' }],
    ['DE/EMS', 'NL/CPO', 'STOP_SESSION', { session_id: 'S1' }],
    ['DE/OTH', 'NL/CPO', 'START_SESSION', { token: { ...OTH_TOKEN, valid: true, whitelist: 'ALLOWED', last_updated: '2025-01-01T00:00:00Z' }, location_id: 'L3', evse_uid: 'C1' }],
    ['DE/EMS', 'NL/CP2', 'START_SESSION', { token: { ...EMS_TOKEN, valid: true, whitelist: 'ALLOWED', last_updated: '2025-01-01T00:00:00Z' }, location_id: 'X2', evse_uid: 'X2' }],
  ];
  for (const [i, [from, to, command, body]] of sent.entries()) {
    const res = await sendCommand(from, to, command, body).expect(200);
    expect(res.body.data.result).toBe('ACCEPTED');
    // One at a time, so their order of arrival is their order of creation.
    await eventually(() => expect(forwarded()).toHaveLength(i + 1));
  }
});

afterAll(async () => {
  await emsp?.fake.close();
  await backend?.close();
  await platform?.stop();
});

describe('locations', () => {
  test('the whole list, by last_updated then id, with the total; pages of 2 add up to it', async () => {
    const all = await list(`${CPO}/locations`).expect(200);
    expect(all.body).toMatchObject({ total: 5, offset: 0, limit: 50 });
    expect(ids(all)).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    expect(all.body.items[2].evses.map((e: { uid: string }) => e.uid)).toEqual(['C1', 'C2']);
    const pages = [];
    for (const offset of [0, 2, 4]) {
      const page = await list(`${CPO}/locations?limit=2&offset=${offset}`).expect(200);
      expect(page.body).toMatchObject({ total: 5, offset, limit: 2 });
      pages.push(...ids(page));
    }
    expect(pages).toEqual(ids(all));
    expect(ids(await list(`${CPO}/locations?offset=5`).expect(200))).toEqual([]);
  });

  test.each([
    ['publish=true', ['L1', 'L3', 'L5']],
    ['publish=false', ['L2', 'L4']],
    ['status=CHARGING', ['L2', 'L5']],
    ['status=OUTOFORDER', ['L3']],
    ['status=CHARGING&publish=true', ['L5']],
    ['updated_since=2025-07-02T10:00:00Z', ['L2', 'L3', 'L4', 'L5']],
    ['updated_before=2025-07-03T10:00:00Z', ['L1', 'L2']],
    ['updated_since=2025-07-02T00:00:00Z&updated_before=2025-07-04T00:00:00%2B02:00', ['L2', 'L3']],
  ])('?%s', async (query, expected) => {
    const res = await list(`${CPO}/locations?${query}`).expect(200);
    expect(ids(res)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  test("another CPO party's list holds only its own", async () => {
    expect(ids(await list(`${CP2}/locations`).expect(200))).toEqual(['X1', 'X2']);
    expect(ids(await list(`${CP2}/locations?status=CHARGING`).expect(200))).toEqual(['X1']);
  });
});

describe('tariffs', () => {
  test('live tariffs only (T2 was deleted), by last_updated, paged', async () => {
    const all = await list(`${CPO}/tariffs`).expect(200);
    expect(all.body).toMatchObject({ total: 2, offset: 0, limit: 50 });
    expect(ids(all)).toEqual(['T1', 'T3']);
    const second = await list(`${CPO}/tariffs?limit=1&offset=1`).expect(200);
    expect(second.body).toMatchObject({ total: 2, offset: 1, limit: 1 });
    expect(ids(second)).toEqual(['T3']);
  });

  test('by last_updated range', async () => {
    expect(ids(await list(`${CPO}/tariffs?updated_since=2025-07-02T00:00:00Z`).expect(200))).toEqual(['T3']);
    expect(ids(await list(`${CPO}/tariffs?updated_before=2025-07-03T10:00:00Z`).expect(200))).toEqual(['T1']);
  });

  test("another CPO party's list holds only its own", async () => {
    expect(ids(await list(`${CP2}/tariffs`).expect(200))).toEqual(['T9']);
  });
});

describe('sessions', () => {
  test('by last_updated, paged across pages', async () => {
    const all = await list(`${CPO}/sessions`).expect(200);
    expect(all.body).toMatchObject({ total: 3 });
    expect(ids(all)).toEqual(['S1', 'S2', 'S3']);
    const first = await list(`${CPO}/sessions?limit=2`).expect(200);
    const rest = await list(`${CPO}/sessions?limit=2&offset=2`).expect(200);
    expect([...ids(first), ...ids(rest)]).toEqual(['S1', 'S2', 'S3']);
    expect(rest.body).toMatchObject({ total: 3, offset: 2, limit: 2 });
  });

  test.each([
    ['status=ACTIVE', ['S1', 'S3']],
    ['status=COMPLETED', ['S2']],
    ['status=PENDING', []],
    ['emsp=DE*OTH', ['S3']],
    ['emsp=de*ems&status=ACTIVE', ['S1']],
    ['updated_since=2025-07-02T10:00:00Z', ['S2', 'S3']],
    ['updated_before=2025-07-02T10:00:00Z', ['S1']],
  ])('?%s', async (query, expected) => {
    const res = await list(`${CPO}/sessions?${query}`).expect(200);
    expect(ids(res)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  test("another CPO party's list holds only its own", async () => {
    expect(ids(await list(`${CP2}/sessions`).expect(200))).toEqual(['S9']);
  });
});

describe('CDRs', () => {
  test('by last_updated, paged, with exact totals over the filtered set', async () => {
    const all = await list(`${CPO}/cdrs`).expect(200);
    expect(ids(all)).toEqual(['C1', 'C2', 'C3']);
    expect(all.body.totals).toEqual({
      count: 3,
      total_energy: '33.6',
      total_cost: [
        { currency: 'CHF', count: 1, excl_vat: '1.005', incl_vat: null },
        { currency: 'EUR', count: 2, excl_vat: '0.3', incl_vat: '0.36' },
      ],
    });
    const page = await list(`${CPO}/cdrs?limit=1&offset=1`).expect(200);
    expect(page.body).toMatchObject({ total: 3, offset: 1, limit: 1 });
    expect(ids(page)).toEqual(['C2']);
    // Totals cover every page of the filter, not just this page.
    expect(page.body.totals.count).toBe(3);
  });

  test.each([
    ['start_from=2025-06-02T08:00:00Z', ['C2', 'C3']],
    ['start_to=2025-06-02T08:00:00Z', ['C1']],
    ['end_from=2025-06-02T10:00:00Z', ['C2', 'C3']],
    ['end_to=2025-06-04T00:00:00Z', ['C1', 'C2']],
    ['start_from=2025-06-03T00:00:00Z&end_to=2025-06-04T12:00:00Z', ['C3']],
    ['emsp=DE*EMS', ['C1', 'C3']],
    ['updated_since=2025-07-02T00:00:00Z&updated_before=2025-07-03T00:00:00Z', ['C2']],
  ])('?%s', async (query, expected) => {
    const res = await list(`${CPO}/cdrs?${query}`).expect(200);
    expect(ids(res)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
    expect(res.body.totals.count).toBe(expected.length);
  });

  test("another CPO party's list holds only its own", async () => {
    const res = await list(`${CP2}/cdrs`).expect(200);
    expect(ids(res)).toEqual(['C9']);
    expect(res.body.totals.count).toBe(1);
  });
});

describe('commands', () => {
  let startEms: string;
  let stopEms: string;
  let startOth: string;

  beforeAll(async () => {
    const toCpo = forwarded().filter((c) => c.party.party_id === 'CPO');
    [startEms, stopEms, startOth] = toCpo.map((c) => c.command_id);
    await platform.admin().post(`${CPO}/commands/${startEms}/result`, { result: 'ACCEPTED' }).expect(200);
    await platform.admin().post(`${CPO}/commands/${stopEms}/result`, { result: 'REJECTED' }).expect(200);
  });

  test('oldest first, paged, each with its requester and state; response_url never shown', async () => {
    const all = await list(`${CPO}/commands`).expect(200);
    expect(all.body).toMatchObject({ total: 3, offset: 0, limit: 50 });
    expect(ids(all)).toEqual([startEms, stopEms, startOth]);
    expect(all.body.items[0]).toMatchObject({
      command: 'START_SESSION',
      requester: { country_code: 'DE', party_id: 'EMS' },
      status: 'ANSWERED',
      result: 'ACCEPTED',
      request: { location_id: 'L1', evse_uid: 'A1' },
    });
    expect(all.body.items[2]).toMatchObject({ requester: { country_code: 'DE', party_id: 'OTH' }, status: 'FORWARDED', result: null });
    for (const item of all.body.items) expect(item.request.response_url).toBeUndefined();
    const pages = [...ids(await list(`${CPO}/commands?limit=2`).expect(200)), ...ids(await list(`${CPO}/commands?limit=2&offset=2`).expect(200))];
    expect(pages).toEqual(ids(all));
  });

  test('by type, state, result, sender and time received', async () => {
    const query = async (q: string) => ids(await list(`${CPO}/commands?${q}`).expect(200));
    expect(await query('command=START_SESSION')).toEqual([startEms, startOth]);
    expect(await query('command=STOP_SESSION')).toEqual([stopEms]);
    expect(await query('command=UNLOCK_CONNECTOR')).toEqual([]);
    expect(await query('status=FORWARDED')).toEqual([startOth]);
    expect(await query('status=ANSWERED')).toEqual([startEms, stopEms]);
    expect(await query('result=REJECTED')).toEqual([stopEms]);
    expect(await query('emsp=DE*OTH')).toEqual([startOth]);
    expect(await query('emsp=de*ems&command=START_SESSION')).toEqual([startEms]);

    const all = (await list(`${CPO}/commands`).expect(200)).body.items as Array<{ id: string; created_at: string }>;
    const second = all[1].created_at;
    expect(await query(`created_since=${second}`)).toEqual(all.filter((c) => c.created_at >= second).map((c) => c.id));
    expect(await query(`created_before=${second}`)).toEqual(all.filter((c) => c.created_at < second).map((c) => c.id));
    expect(await query(`created_since=${second}&created_before=${second}`)).toEqual([]);
  });

  test("another CPO party's list holds only its own", async () => {
    const res = await list(`${CP2}/commands`).expect(200);
    expect(res.body.total).toBe(1);
    expect(res.body.items[0]).toMatchObject({ command: 'START_SESSION', request: { location_id: 'X2' } });
    expect(ids(res)).not.toContain(startEms);
  });
});

describe('parties and parameters', () => {
  test.each(['locations', 'tariffs', 'sessions', 'cdrs', 'commands'])('%s: an unknown party or an eMSP party is 404', async (module) => {
    expect((await list(`/parties/NL/XXX/${module}`).expect(404)).body.error.code).toBe('not_found');
    expect((await list(`/parties/DE/EML/${module}`).expect(404)).body.error.message).toContain('CPO party');
  });

  test.each([
    ['locations', 'limit=0', 'query.limit'],
    ['locations', 'limit=501', 'query.limit'],
    ['locations', 'offset=-1', 'query.offset'],
    ['locations', 'publish=yes', 'query.publish'],
    ['locations', 'status=SLEEPING', 'query.status'],
    ['locations', 'updated_since=yesterday', 'query.updated_since'],
    ['locations', 'updated_since=2025-07-02T00:00:00Z&updated_before=2025-07-01T00:00:00Z', 'query.updated_before'],
    ['tariffs', 'updated_before=2025-13-01T00:00:00Z', 'query.updated_before'],
    ['tariffs', 'limit=ten', 'query.limit'],
    ['sessions', 'status=DONE', 'query.status'],
    ['sessions', 'emsp=DEEMS', 'query.emsp'],
    ['cdrs', 'start_from=2025-06-02T00:00:00Z&start_to=2025-06-01T00:00:00Z', 'query.start_to'],
    ['cdrs', 'end_to=June', 'query.end_to'],
    ['cdrs', 'emsp=DE*EMSP', 'query.emsp'],
    ['commands', 'command=FLY', 'query.command'],
    ['commands', 'status=RESULT', 'query.status'],
    ['commands', 'result=MAYBE', 'query.result'],
    ['commands', 'created_since=2025-06-02T00:00:00Z&created_before=2025-06-01T00:00:00Z', 'query.created_before'],
  ])('%s?%s is 400 naming %s', async (module, query, field) => {
    const res = await list(`${CPO}/${module}?${query}`).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(fieldsOf(res)).toEqual([field]);
    expect(res.body.error.message).toContain(field);
  });
});
