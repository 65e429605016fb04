/**
 * The locations list is served from memory in each API process; a write made through another
 * process reaches it through NOTIFY. Two API processes on one database, one eMSP peer.
 */
import pino from 'pino';
import { freePort } from '../../helpers/platform.js';
import { startPlatform, type RunningPlatform } from '../../../src/runtime.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { eventually } from '../../helpers/eventually.js';
import { aLocation, anEvse, later } from '../../helpers/locations.js';
import { type TestPlatform, adminAgent, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aRegisteredPeer } from '../../helpers/registered-peer.js';
import { parseConfig } from '../../../src/config.js';

let first: TestPlatform;
let second: RunningPlatform;
let secondUrl: string;
let token: string;

beforeAll(async () => {
  first = await startTestPlatform('read_model');
  await first.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  const peer = await aRegisteredPeer(first, [aCredentialsRole()]);
  token = peer.tokenC;
  await peer.fake.close();
  const port = await freePort();
  secondUrl = `http://127.0.0.1:${port}`;
  // A second API process of the same deployment: same database schema, same keys.
  second = await startPlatform(
    parseConfig({ ...Object.fromEntries(Object.entries(first.ctx.config).map(([k, v]) => [k, String(v)])), PORT: String(port), PUBLIC_BASE_URL: secondUrl }),
    { logger: pino({ level: 'silent' }) },
  );
});

afterAll(async () => {
  await second?.close();
  await first?.stop();
});

const listAt = async (url: string) =>
  (await request(url).get('/ocpi/cpo/2.2.1/locations').set('Authorization', tokenHeader(token)).expect(200)).body.data as Array<{ id: string; name: string }>;

test('a location written through one process is listed by the other', async () => {
  expect(await listAt(secondUrl)).toEqual([]); // loads (empty) into the second process's memory
  await first.admin().put('/parties/NL/CPO/locations/RM1', aLocation('RM1')).expect(200);
  expect((await listAt(first.url)).map((l) => l.id)).toEqual(['RM1']);
  await eventually(async () => expect((await listAt(secondUrl)).map((l) => l.id)).toEqual(['RM1']));
});

test('an update moves the location to the end of the order in the other process too', async () => {
  await first
    .admin()
    .put('/parties/NL/CPO/locations/RM2', aLocation('RM2', { evses: [anEvse('RM2-EVSE1')] }))
    .expect(200);
  await adminAgent(secondUrl).patch('/parties/NL/CPO/locations/RM1', { name: 'Renamed', last_updated: later() }).expect(200);
  for (const url of [first.url, secondUrl]) {
    await eventually(async () =>
      expect((await listAt(url)).map((l) => [l.id, l.name])).toEqual([
        ['RM2', 'Station RM2'],
        ['RM1', 'Renamed'],
      ]),
    );
  }
});
