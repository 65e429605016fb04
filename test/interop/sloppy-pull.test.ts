/**
 * The case that opened issue 12: a peer served 50 locations, a session and a CDR, each with one
 * sloppy field (an unknown enum value in a list, an offset, a missing field the receiver can
 * default, a malformed optional field), and we kept 17 of them. Pulled objects go through the same
 * receive profile as pushes: all of them are stored, each repair counted, and a CDR no repair can
 * read is quarantined, never lost.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aConnector, aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { aCdr, aSession } from '../helpers/sessions.js';

let platform: TestPlatform;
let fake: FakePeer;
let peerId: string;

const MODULES = ['locations', 'sessions', 'cdrs'] as const;
const path = (module: string) => `/cpo/${module}`;

/** One sloppy variant per location; the list cycles through them. */
const SLOPPY: Array<(id: string) => Record<string, unknown>> = [
  (id) => aLocation(id, { last_updated: '2025-06-01T10:00:00+00:00' }),
  (id) => aLocation(id, { last_updated: '2025-06-01T12:00:00+02:00' }),
  (id) => aLocation(id, { coordinates: { latitude: '52.0894441234', longitude: '5.1102781234' } }),
  (id) => aLocation(id, { facilities: ['CAFE', 'EV_LOUNGE'] }),
  (id) => aLocation(id, { parking_type: 'CURBSIDE' }),
  (id) => aLocation(id, { evses: [anEvse('E1', { capabilities: ['RFID_READER', 'PLUG_AND_CHARGE'] })] }),
  (id) => aLocation(id, { evses: [anEvse('E1', { status: 'FAULTED' })] }),
  (id) => aLocation(id, { operator: { name: 'Op', logo: { url: 'not-a-url', category: 'OPERATOR', type: 'png' } } }),
  (id) => aLocation(id, { opening_times: { twentyfourseven: false, regular_hours: [{ weekday: 1, period_begin: '22:00', period_end: '06:00' }] } }),
  (id) => {
    const { last_updated: _, ...connector } = aConnector('1');
    return aLocation(id, { evses: [anEvse('E1', { connectors: [connector] })] });
  },
  (id) => {
    const { publish: _, ...location } = aLocation(id);
    return location;
  },
];

function serve(items: () => unknown[]) {
  return (req: Request, res: Response) => {
    const all = items();
    const offset = Number(req.query.offset ?? 0);
    const page = all.slice(offset, offset + 20);
    if (offset + 20 < all.length) res.set('Link', `<${fake.url}${req.path}?offset=${offset + 20}&limit=20>; rel="next"`);
    res.set('X-Total-Count', String(all.length));
    res.json(ok(page));
  };
}

const locations = Array.from({ length: 50 }, (_, i) => SLOPPY[i % SLOPPY.length](`SLOPPY${i}`));
const session = aSession('SLOPPYS', { cdr_token: { uid: 'RFID001', type: 'RFID', contract_id: 'DE-EMS-C00001-1' }, start_date_time: '2025-06-01T10:00:00+02:00' });
const cdr = aCdr('SLOPPYC', {
  end_date_time: '2025-06-01T11:00:00+02:00',
  tariffs: [
    {
      country_code: 'NL',
      party_id: 'CPO',
      id: 'T0',
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, step_size: 0 }] }],
      last_updated: '2025-06-01T08:00:00Z',
    },
  ],
});
const brokenCdr = { ...aCdr('BROKENC'), total_cost: 'free' };

beforeAll(async () => {
  platform = await startTestPlatform('interop_sloppy_pull', { env: { ...FAST_DELIVERY, PULL_INTERVAL_MINUTES: '60', PULL_JITTER_MINUTES: '0' } });
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  fake = await startFakePeer(MODULES.map((m) => ({ identifier: m, role: 'SENDER', path: path(m) })));
  fake.on(
    'GET',
    path('locations'),
    serve(() => locations),
  );
  fake.on(
    'GET',
    path('sessions'),
    serve(() => [session]),
  );
  fake.on(
    'GET',
    path('cdrs'),
    serve(() => [cdr, brokenCdr]),
  );
  fake.acceptedTokens.add('sloppy-token-b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  peerId = invitation.body.peer_id;
  await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'sloppy-token-b', url: fake.versionsUrl, roles: [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })] })
    .expect(200);
  await eventually(async () => {
    for (const module of MODULES) expect((await platform.ctx.db.pullState.findUnique({ where: { peerId_module: { peerId, module } } }))?.lastSuccessAt).toBeTruthy();
  }, 30000);
});

afterAll(async () => {
  await fake?.close();
  await platform?.stop();
});

test('all 50 sloppy locations are stored, each with its repair', async () => {
  expect(await platform.ctx.db.receivedLocation.count()).toBe(50);
});

test('the session without its token owner and with an offset is stored for our eMSP party, in UTC', async () => {
  const stored = (await platform.ctx.db.receivedSession.findFirst({ where: { sessionKey: 'SLOPPYS' } }))?.document as Record<string, any>;
  expect(stored.cdr_token).toMatchObject({ country_code: 'DE', party_id: 'EMS' });
  expect(stored.start_date_time).toBe('2025-06-01T08:00:00.000Z');
});

test('the CDR with an offset and a tariff our engine would not price is stored as the bill it is', async () => {
  const stored = (await platform.ctx.db.receivedCdr.findFirst({ where: { cdrKey: 'SLOPPYC' } }))?.document as Record<string, any>;
  expect(stored.end_date_time).toBe('2025-06-01T09:00:00.000Z');
  expect(stored.tariffs[0].elements[0].price_components[0].step_size).toBe(0);
});

test('a pulled CDR no repair can read is quarantined, never lost', async () => {
  const kept = await platform.ctx.db.quarantinedCdr.findFirst({ where: { cdrId: 'BROKENC' } });
  expect(kept).toMatchObject({ peerId, status: 'QUARANTINED', partyKey: 'DEEMS' });
  expect(JSON.parse(kept!.raw).total_cost).toBe('free');
});

test("the peer's data-quality report names every kind of repair it needed", async () => {
  const report = (await platform.admin().get(`/peers/${peerId}/data-quality`).expect(200)).body;
  const rules = new Set(report.entries.filter((e: { outcome: string }) => e.outcome === 'REPAIRED').map((e: { rule: string }) => e.rule));
  expect([...rules].sort()).toEqual([
    'coordinate_precision',
    'datetime_offset',
    'inferred_default',
    'inherited_last_updated',
    'malformed_optional_field',
    'overnight_hours',
    'unknown_enum_value',
  ]);
  expect(report.entries).toEqual(expect.arrayContaining([expect.objectContaining({ module: 'cdrs', path: 'total_cost', outcome: 'REFUSED', last_object_id: 'BROKENC' })]));
});
