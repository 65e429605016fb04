/**
 * The bodies in examples/ are what the README's walkthrough sends: each is accepted by the real
 * admin API, and a START_SESSION built from them reaches the CPO platform, over real HTTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { aBusinessDetails } from './helpers/builders.js';
import { FAST_DELIVERY } from './helpers/delivery.js';
import { eventually } from './helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from './helpers/platform.js';

const example = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8'));
let cpo: TestPlatform;
let emsp: TestPlatform;

beforeAll(async () => {
  [cpo, emsp] = await Promise.all([startTestPlatform('examples_cpo', { env: FAST_DELIVERY }), startTestPlatform('examples_emsp', { env: FAST_DELIVERY })]);
  await cpo
    .admin()
    .post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails('CPO Inc') })
    .expect(201);
  await emsp
    .admin()
    .post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails('eMSP GmbH') })
    .expect(201);
}, 30000);

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

test('the walkthrough: connect, publish the example tariff and location, issue the example token, start a session', async () => {
  const invitation = await cpo.admin().post('/peers/invitations', { label: 'eMSP GmbH' }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: 'CPO Inc' }).expect(201);
  await cpo.admin().put('/parties/NL/CPO/backend', { adapter: 'simulator' }).expect(200);
  await cpo.admin().put('/parties/NL/CPO/tariffs/AC-STANDARD', example('tariff.json')).expect(200);
  await cpo.admin().put('/parties/NL/CPO/locations/LOC1', example('location.json')).expect(200);
  await emsp
    .admin()
    .put(`/parties/DE/EMS/tokens/${example('token.json').uid}`, example('token.json'))
    .expect(201);
  // The location reaches the eMSP (push), so the command knows which CPO to ask.
  await eventually(async () => expect(await emsp.ctx.db.receivedLocation.count({ where: { locationKey: 'LOC1' } })).toBe(1), 20000);
  const started = await emsp.admin().post('/parties/DE/EMS/commands/START_SESSION', example('start-session.json')).expect(201);
  expect(started.body).toMatchObject({ command: 'START_SESSION', response: { result: 'ACCEPTED' } });
}, 60000);
