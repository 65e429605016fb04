/**
 * Smart charging with an SCSP (09-chargingprofiles topologies): a CPO platform (simulator backend,
 * the demo's network), an eMSP platform and an SCSP platform, each with one local party, and the
 * SCSP's backend webhook recording its events. Connections are made by the test (direct or via a
 * hub), so one helper serves every topology.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CPO, EMSP, businessDetails, locations, tariffs } from '../../src/demo/fixture.js';
import { aBusinessDetails } from './builders.js';
import { FAST_DELIVERY } from './delivery.js';
import { eventually } from './eventually.js';
import { type RecordedRequest, type TestPlatform, startTestPlatform } from './platform.js';

export const SCSP = { country_code: 'NL', party_id: 'SCS', name: 'Smart Charging Services' };
export { CPO, EMSP };

export const party = (p: { country_code: string; party_id: string }) => `/parties/${p.country_code}/${p.party_id}`;
export const named = (p: { country_code: string; party_id: string }) => `${p.country_code}/${p.party_id}`;

/** No minimum interval between profiles: tests set several in a row. */
export const SMART_ENV = { ...FAST_DELIVERY, CHARGING_PROFILE_MIN_INTERVAL_SECONDS: '0' };

export interface Webhook {
  url: string;
  events: Array<{ type: string; data: any; signed: boolean }>;
  close(): void;
}

/** A backend webhook that checks the signature of what it receives. */
export async function aWebhook(secret: string): Promise<Webhook> {
  const events: Webhook['events'] = [];
  const hooks = express();
  hooks.use(express.raw({ type: '*/*' }));
  hooks.post('/events', (req, res) => {
    const body = req.body as Buffer;
    const expected = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
    const parsed = JSON.parse(body.toString('utf8'));
    events.push({ type: parsed.type, data: parsed.data, signed: req.get('x-signature') === expected });
    res.status(204).end();
  });
  const server = http.createServer(hooks).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, events, close: () => void server.close() };
}

export interface SmartTrio {
  cpo: TestPlatform;
  emsp: TestPlatform;
  scsp: TestPlatform;
  scspHook: Webhook;
  stop(): Promise<void>;
}

/** Three platforms with their parties; nobody is connected yet. */
export async function startSmartTrio(label: string): Promise<SmartTrio> {
  const [cpo, emsp, scsp] = await Promise.all([
    startTestPlatform(`${label}_cpo`, { env: SMART_ENV }),
    startTestPlatform(`${label}_emsp`, { env: SMART_ENV }),
    startTestPlatform(`${label}_scsp`, { env: SMART_ENV }),
  ]);
  const secret = 'scsp-webhook-secret-0123456789';
  const scspHook = await aWebhook(secret);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo
    .admin()
    .put(`${party(CPO)}/backend`, { adapter: 'simulator' })
    .expect(200);
  for (const t of tariffs())
    await cpo
      .admin()
      .put(`${party(CPO)}/tariffs/${t.id}`, t)
      .expect(200);
  for (const l of locations())
    await cpo
      .admin()
      .put(`${party(CPO)}/locations/${l.id}`, l)
      .expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  await scsp
    .admin()
    .post('/parties', { country_code: SCSP.country_code, party_id: SCSP.party_id, role: 'SCSP', business_details: aBusinessDetails(SCSP.name) })
    .expect(201);
  await scsp
    .admin()
    .put(`${party(SCSP)}/backend`, { adapter: 'webhook', url: scspHook.url, secret })
    .expect(200);
  return {
    cpo,
    emsp,
    scsp,
    scspHook,
    stop: async () => {
      await Promise.all([cpo.stop(), emsp.stop(), scsp.stop()]);
      scspHook.close();
    },
  };
}

/** `client` registers with `server` (Token A of an invitation); returns the peer id at the client. */
export async function connect(client: TestPlatform, server: TestPlatform, label: string): Promise<string> {
  const invitation = await server.admin().post('/peers/invitations', { label }).expect(201);
  const res = await client.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label }).expect(201);
  return res.body.id;
}

let sessionSeq = 0;

/** An ACTIVE session of the eMSP's driver at a location of the CPO, as the CPO's backend reports it. */
export async function aSessionAt(cpo: TestPlatform, locationIndex: number): Promise<string> {
  const location = locations()[locationIndex];
  const id = `S${Date.now().toString(36).toUpperCase()}${++sessionSeq}`;
  const now = new Date().toISOString();
  await cpo
    .admin()
    .put(`${party(CPO)}/sessions/${id}`, {
      country_code: CPO.country_code,
      party_id: CPO.party_id,
      id,
      start_date_time: now,
      kwh: 0,
      cdr_token: { country_code: EMSP.country_code, party_id: EMSP.party_id, uid: 'RFID0001', type: 'RFID', contract_id: 'DE-EMX-C00000001' },
      auth_method: 'WHITELIST',
      location_id: location.id,
      evse_uid: location.evses[0].uid,
      connector_id: location.evses[0].connectors[0].id,
      currency: 'EUR',
      status: 'ACTIVE',
      last_updated: now,
    })
    .expect(200);
  return id;
}

export const locationId = (i: number) => locations()[i].id;

export const received = (p: TestPlatform, method: string, prefix: string): RecordedRequest[] => p.received.filter((r) => r.method === method && r.path.startsWith(prefix));

/** The first of those requests addressed (OCPI-to-*) to `to`: a hub carries one path to several parties. */
export const receivedFor = (p: TestPlatform, method: string, prefix: string, to: { country_code: string; party_id: string }) =>
  received(p, method, prefix).find((r) => r.headers['ocpi-to-country-code'] === to.country_code && r.headers['ocpi-to-party-id'] === to.party_id);

/** The routing headers of a functional request between two parties (transport §9). */
export function expectRouted(r: RecordedRequest | undefined, from: { country_code: string; party_id: string }, to: { country_code: string; party_id: string }) {
  expect(r).toBeDefined();
  expect(r?.headers).toMatchObject({
    'ocpi-from-country-code': from.country_code,
    'ocpi-from-party-id': from.party_id,
    'ocpi-to-country-code': to.country_code,
    'ocpi-to-party-id': to.party_id,
    'x-request-id': expect.any(String),
    'x-correlation-id': expect.any(String),
  });
}

/** The sessions a party's backend reads under /received/sessions. */
export async function receivedSessionIds(p: TestPlatform, who: { country_code: string; party_id: string }): Promise<string[]> {
  const page = (
    await p
      .admin()
      .get(`${party(who)}/received/sessions`)
      .expect(200)
  ).body;
  return page.items.map((s: { id: string }) => s.id);
}

/** Waits until the request a party's backend sent has its result. */
export function resultOf(p: TestPlatform, who: { country_code: string; party_id: string }, sessionId: string, requestId: string) {
  return eventually(async () => {
    const r = (
      await p
        .admin()
        .get(`${party(who)}/sessions/${sessionId}/charging-profile/requests/${requestId}`)
        .expect(200)
    ).body;
    expect(r.status).toBe('RESULT');
    return r;
  }, 15_000);
}

export const PROFILE = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 7400 }] };
