/**
 * The roaming network the console is shown: the demo's CPO platform (stations, tariffs, the
 * simulator as its backend) and eMSP platform (the driver's token, a webhook backend) connected
 * by an invitation, a finished session with its priced CDR and one still charging, and a third,
 * fake eMSP peer that refuses every location push, so the CPO has dead letters to look at.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../src/demo/fixture.js';
import { aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

export const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
export const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
export const REFUSAL = 'Unknown field evses[].parking_meter';

export interface Network {
  cpo: TestPlatform;
  emsp: TestPlatform;
  /** The fake eMSP peer of the CPO platform; it refuses location pushes while `refusing` is true. */
  refuser: { fake: FakePeer; peerId: string; refusing: boolean };
  webhook: http.Server;
  stop(): Promise<void>;
}

async function startRefuser(cpo: TestPlatform): Promise<Network['refuser']> {
  const fake = await startFakePeer([{ identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' }]);
  fake.acceptedTokens.add('refuser-token-b');
  const invitation = await cpo.admin().post('/peers/invitations', { label: 'Strict eMSP' }).expect(201);
  const res = await request(cpo.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'refuser-token-b', url: fake.versionsUrl, roles: [aCredentialsRole({ country_code: 'BE', party_id: 'STR' })] });
  if (res.body.status_code !== 1000) throw new Error(`registration failed: ${JSON.stringify(res.body)}`);
  const refuser = { fake, peerId: invitation.body.peer_id as string, refusing: true };
  for (const method of ['PUT', 'PATCH']) {
    fake.on(method, '/emsp/locations/*', (_req, r) => {
      // A refusal with a 2xxx status: the platform never retries it by itself (DEAD).
      r.json(refuser.refusing ? { status_code: 2001, status_message: REFUSAL, timestamp: new Date().toISOString() } : ok());
    });
  }
  return refuser;
}

async function sessionAt(emsp: TestPlatform, locationId: string, evseUid: string): Promise<string> {
  const token = driverToken();
  const sent = await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: locationId, evse_uid: evseUid, token }).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/commands/${sent.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT' }), 20_000);
  return eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body;
    const session = list.items.find((s: { evse_uid: string }) => s.evse_uid === evseUid);
    expect(session).toBeDefined();
    return session.id as string;
  }, 20_000);
}

export async function startNetwork(): Promise<Network> {
  const env = { ...FAST_DELIVERY, SIMULATOR_SPEED: '600', SIMULATOR_TICK_MS: '1000', LOG_LEVEL: 'warn' };
  const [cpo, emsp] = await Promise.all([startTestPlatform('console_cpo', { env }), startTestPlatform('console_emsp', { env })]);
  const webhook = http.createServer((_req, res) => res.writeHead(204).end()).listen(0, '127.0.0.1');
  await new Promise((r) => webhook.once('listening', r));

  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'simulator' }).expect(200);
  const refuser = await startRefuser(cpo);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);

  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  const hook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/events`;
  await emsp.admin().put(`${emspPath}/backend`, { adapter: 'webhook', url: hook, secret: 'console-webhook-secret-0123' }).expect(200);
  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name }).expect(201);
  await emsp.admin().put(`${emspPath}/tokens/${driverToken().uid}`, driverToken()).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
  await eventually(async () => expect((await cpo.admin().get(`/peers/${refuser.peerId}/deliveries?status=DEAD`).expect(200)).body.summary.DEAD).toBe(locations().length), 20_000);

  // A session that ended with its CDR priced by the tariff engine, and one still charging.
  const [centraal, a12] = [locations()[0], locations()[2]];
  const finished = await sessionAt(emsp, centraal.id, centraal.evses[0].uid);
  const stop = await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: finished }).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/commands/${stop.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT' }), 20_000);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body.total).toBe(1), 20_000);
  await sessionAt(emsp, a12.id, a12.evses[0].uid);

  return {
    cpo,
    emsp,
    refuser,
    webhook,
    async stop() {
      await Promise.all([cpo.stop(), emsp.stop(), refuser.fake.close()]);
      webhook.close();
    },
  };
}
