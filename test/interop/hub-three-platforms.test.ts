/**
 * Through a real hub platform, a session and a CDR reach only the eMSP of their cdr_token: a CPO
 * platform, the hub, and the token owner's eMSP platform, plus a second eMSP (a scriptable peer)
 * connected to the same hub that must see the CPO's public data but never its drivers' sessions
 * or bills (transport §9.3: personal data is not broadcast).
 */
import { aCredentialsRole } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { CPO, EMSP, type HubTrio, find, startHubTrio } from '../helpers/hub-trio.js';
import { aLocation, later } from '../helpers/locations.js';
import { request, tokenHeader } from '../helpers/platform.js';
import { aCdr, aSession } from '../helpers/sessions.js';

let trio: HubTrio;
let other: FakePeer;

const token = { country_code: EMSP.cc, party_id: EMSP.pid, uid: 'RFID-3P', type: 'RFID', contract_id: 'DE-EMS-C3P' };
const otherGot = (method: string, module: string) => other.received.filter((r) => r.method === method && r.path.startsWith(`/${module}/`));

beforeAll(async () => {
  trio = await startHubTrio('interop_hub3');
  // A second eMSP behind the same hub, registered directly with it.
  other = await startFakePeer(['locations', 'sessions', 'cdrs', 'hubclientinfo'].map((m) => ({ identifier: m, role: 'RECEIVER', path: `/${m}/receiver` })));
  for (const method of ['PUT', 'PATCH', 'POST']) other.on(method, '/*', (_req, res) => void res.json(ok()));
  other.acceptedTokens.add('other-emsp-token-b');
  const invitation = await trio.hub.admin().post('/peers/invitations', {}).expect(201);
  await request(trio.hub.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'other-emsp-token-b', url: other.versionsUrl, roles: [aCredentialsRole({ role: 'EMSP', country_code: 'BE', party_id: 'OTH' })] })
    .expect(200);
  // The CPO platform must know from the hub's ClientInfo that the token's eMSP is reachable.
  await eventually(async () => expect(await trio.cpo.ctx.db.remoteClientInfo.count({ where: { partyId: EMSP.pid } })).toBe(1), 20000);
}, 60000);

afterAll(async () => {
  await other?.close();
  await trio?.stop();
});

test('a location is public: it reaches both eMSPs through the hub', async () => {
  await trio.cpo.admin().put(`/parties/${CPO.cc}/${CPO.pid}/locations/LOC3P`, aLocation('LOC3P')).expect(200);
  await eventually(async () => {
    expect(find(trio.emsp, 'PUT', '/ocpi/emsp/2.2.1/locations/NL/CPO/LOC3P')).not.toHaveLength(0);
    expect(otherGot('PUT', 'locations').some((r) => r.path.endsWith('/LOC3P'))).toBe(true);
  }, 20000);
});

test('a session and its CDR reach only the eMSP of their cdr_token, never the other eMSP behind the hub', async () => {
  await trio.cpo
    .admin()
    .put(`/parties/${CPO.cc}/${CPO.pid}/sessions/S3P`, aSession('S3P', { cdr_token: token, location_id: 'LOC3P' }))
    .expect(200);
  await trio.cpo
    .admin()
    .post(`/parties/${CPO.cc}/${CPO.pid}/cdrs`, aCdr('CDR3P', { cdr_token: token, session_id: 'S3P', last_updated: later() }))
    .expect(201);
  await eventually(async () => {
    expect(await trio.emsp.ctx.db.receivedSession.count({ where: { sessionKey: 'S3P' } })).toBe(1);
    expect(await trio.emsp.ctx.db.receivedCdr.count({ where: { cdrKey: 'CDR3P' } })).toBe(1);
  }, 20000);
  // A broadcast would be in the hub's outbox before the forward that reached the owner returned.
  expect(otherGot('PUT', 'sessions')).toEqual([]);
  expect(otherGot('PATCH', 'sessions')).toEqual([]);
  expect(otherGot('POST', 'cdrs')).toEqual([]);
  const toOther = await trio.hub.ctx.db.outboxMessage.count({ where: { module: { in: ['sessions', 'cdrs'] }, toParty: 'OTH' } });
  expect(toOther).toBe(0);
});
