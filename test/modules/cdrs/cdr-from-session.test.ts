/**
 * "End the session and build the CDR": a CPO backend that does not price sessions lets the
 * platform do it with the tariff engine; the priced CDR is stored and POSTed to the eMSP.
 */
import { Cdr } from '../../../src/model/cdr.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { aLocation } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aSession } from '../../helpers/sessions.js';

let platform: TestPlatform;
let emsp: FakePeer;

// A simple tariff: 0.25/kWh excl. VAT, 10% VAT (the spec's first tariff example).
const simpleTariff = {
  country_code: 'NL',
  party_id: 'CPO',
  id: 'T1',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
};

beforeAll(async () => {
  platform = await startTestPlatform('cdr_from_session', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await startFakePeer([{ identifier: 'cdrs', role: 'RECEIVER', path: '/emsp/cdrs' }]);
  emsp.on('POST', '/emsp/cdrs', (_req, res) => void res.set('Location', `${emsp.url}/emsp/cdrs/1`).json(ok()));
  emsp.acceptedTokens.add('b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'b', url: emsp.versionsUrl, roles: [aCredentialsRole()] })
    .expect(200);
  await platform.admin().put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1')).expect(200);
});

afterAll(async () => {
  await emsp?.close();
  await platform?.stop();
});

test('without tariffs there is nothing to price with: 409', async () => {
  await platform.admin().put('/parties/NL/CPO/sessions/S0', aSession('S0')).expect(200);
  const res = await platform.admin().post('/parties/NL/CPO/sessions/S0/cdr', {}).expect(409);
  expect(res.body.error.message).toContain('no tariffs');
});

test('a session of 20 kWh is completed, priced 5.00 / 5.50, explained, stored and POSTed to the eMSP', async () => {
  await platform.admin().put('/parties/NL/CPO/tariffs/T1', simpleTariff).expect(200);
  const periods = [
    {
      start_date_time: '2025-06-01T08:00:00Z',
      tariff_id: 'T1',
      dimensions: [
        { type: 'ENERGY', volume: 12 },
        { type: 'TIME', volume: 1 },
      ],
    },
    {
      start_date_time: '2025-06-01T09:00:00Z',
      tariff_id: 'T1',
      dimensions: [
        { type: 'ENERGY', volume: 8 },
        { type: 'TIME', volume: 1 },
      ],
    },
  ];
  await platform
    .admin()
    .put('/parties/NL/CPO/sessions/S1', aSession('S1', { kwh: 20, charging_periods: periods }))
    .expect(200);

  const res = await platform.admin().post('/parties/NL/CPO/sessions/S1/cdr', { end_date_time: '2025-06-01T10:00:00Z' }).expect(201);
  const cdr = Cdr.parse(res.body.cdr);
  expect(cdr.total_cost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
  expect(cdr.total_energy).toBe(20);
  expect(cdr).toMatchObject({ id: 'S1', session_id: 'S1', cdr_location: { id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' } });
  expect(cdr.tariffs?.map((t) => t.id)).toEqual(['T1']);
  expect(res.body.explanation.join('\n')).toMatch(/ENERGY/);

  expect((await platform.admin().get('/parties/NL/CPO/sessions/S1').expect(200)).body).toMatchObject({ status: 'COMPLETED', end_date_time: '2025-06-01T10:00:00.000Z' });
  await eventually(() => expect(emsp.received.filter((r) => r.method === 'POST' && r.path === '/emsp/cdrs')).toHaveLength(1));
  expect(Cdr.parse(emsp.received.find((r) => r.path === '/emsp/cdrs')!.body).total_cost.excl_vat).toBe(5);
});

test('a session can be billed only once', async () => {
  const res = await platform.admin().post('/parties/NL/CPO/sessions/S1/cdr', {}).expect(409);
  expect(res.body.error.message).toContain('exists already');
});

test('an unknown session is a 404', async () => {
  await platform.admin().post('/parties/NL/CPO/sessions/NOPE/cdr', {}).expect(404);
});
