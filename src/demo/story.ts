/**
 * The demo's story: a CPO platform and an eMSP platform (optionally both behind a hub) meet
 * through the admin API, the eMSP's driver charges at the CPO's station by remote start, and
 * the priced CDR arrives with its explained breakdown. With `--scsp`, a third platform's Smart
 * Charging Service Provider, to which the CPO delegated the station, lowers the charging power
 * mid-session (smart-charging.ts). With `--ocpp` the CPO's station is a simulated OCPP 1.6J
 * charge point connected over a real WebSocket (ocpp-charge-point.ts) instead of the built-in
 * simulator, and the timeline shows its OCPP calls beside the OCPI messages. Every step waits
 * for the platforms' real traffic; any step that does not happen in time fails the demo.
 */
import crypto from 'node:crypto';
import { verifySignedData } from '../metering/index.js';
import type { Cdr, SignedData } from '../model/cdr.js';
import { explainCdr } from '../tariffs/index.js';
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from './fixture.js';
import { SimulatedChargePoint, chargePointEndpoint } from './ocpp-charge-point.js';
import { type DemoPlatform, type DemoPlatforms, redisPrefixOf } from './platforms.js';
import { delegateLocation, lowerPowerMidSession, registerScsp } from './smart-charging.js';
import { Timeline } from './timeline.js';
import { step, waitFor } from './wait.js';

export interface DemoOptions {
  /** Where the platforms are started; the caller stops them (and removes their data). */
  platforms: DemoPlatforms;
  hub: boolean;
  /** A third platform's SCSP steers the session (the CPO delegates its station to it). */
  scsp: boolean;
  /** The CPO's station is a simulated OCPP 1.6J charge point instead of the built-in simulator. */
  ocpp: boolean;
  /** Simulated seconds per real second (also given to the platforms). */
  speed: number;
  /** kWh to charge before the driver stops. */
  targetKwh: number;
  out: (line: string) => void;
}

export interface DemoSummary {
  energyKwh: number;
  durationMinutes: number;
  cost: { excl_vat: number; incl_vat?: number | null };
  currency: string;
  messages: number;
  wallSeconds: number;
}

/** What the story reads of the admin API's answers. */
interface Invitation {
  peer_id: string;
  versions_url: string;
  token: string;
}
interface Page<T> {
  total: number;
  items: T[];
}
interface ReceivedSession {
  id: string;
  status: string;
  kwh?: number;
}
interface ReceivedCdr extends Pick<Cdr, 'tariffs' | 'charging_periods' | 'start_date_time' | 'end_date_time' | 'total_energy' | 'total_cost' | 'currency'> {
  session_id?: string;
  signed_data?: SignedData | null;
  signed_data_verification?: {
    status: string;
    encoding_method: string;
    meter: string | null;
    signed_energy_kwh: number | null;
    problems: Array<{ code: string; message: string }>;
  } | null;
}
interface CommandView {
  id: string;
  status: string;
  response: { result: string } | null;
  result: { result: string } | null;
}

const path = {
  cpo: `/parties/${CPO.country_code}/${CPO.party_id}`,
  emsp: `/parties/${EMSP.country_code}/${EMSP.party_id}`,
};

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const out = options.out;
  const timeline = new Timeline(out);
  let chargePoint: SimulatedChargePoint | undefined;
  const names = new Map<string, string>();
  // Who sent a request: the only platform that may, else (the CPO directly connected to the eMSP
  // and the SCSP, or the hub) the connection (peer id) the story created for each caller with
  // its invitation: a platform knows its callers by their token.
  const invited = new Map<string, string>();
  const senderOf = (receiver: string) => (req: { ocpi?: { peer?: { peerId: string } } }) => {
    const peerId = req.ocpi?.peer?.peerId;
    const named = peerId ? invited.get(peerId) : undefined;
    if (named) return named;
    const callers = options.hub ? (receiver === 'HUB' ? [] : ['HUB']) : receiver === 'CPO' ? (options.scsp ? [] : ['eMSP']) : ['CPO'];
    return callers.length === 1 ? callers[0] : '?';
  };
  const start = async (name: string) => {
    const p = await options.platforms.start(name, timeline.recorder(name, senderOf(name)));
    names.set(p.url, name);
    return p;
  };
  try {
    const behind = options.scsp ? 'CPO, eMSP and SCSP behind a hub' : 'CPO and eMSP behind a hub';
    step(out, `Starting the platforms${options.hub ? ` (${behind})` : ''}${options.scsp && !options.hub ? ' (with a smart charging provider)' : ''}`);
    const none = Promise.resolve(undefined);
    const starting = Promise.all([start('CPO'), start('eMSP'), options.hub ? start('HUB') : none, options.scsp ? start('SCSP') : none]);
    const schemas = options.platforms.schemaNames;
    out(`  data: PostgreSQL schemas ${schemas.join(', ')}; Redis keys ${schemas.map((s) => `${redisPrefixOf(s)}:*`).join(', ')} (removed when the demo ends)`);
    const [cpo, emsp, hub, scsp] = await starting;
    out(`  CPO  platform ${cpo.url}   eMSP platform ${emsp.url}${hub ? `   hub ${hub.url}` : ''}${scsp ? `   SCSP platform ${scsp.url}` : ''}`);

    const simulated = options.ocpp ? 'its station at Utrecht Centraal is a simulated OCPP 1.6J charge point' : 'its charge points are simulated';
    step(out, `The CPO ${CPO.name} publishes its network; ${simulated} at ${options.speed}x`);
    await cpo.admin.post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) });
    await cpo.admin.put(`${path.cpo}/backend`, { adapter: options.ocpp ? 'ocpp' : 'simulator' });
    for (const t of tariffs()) await cpo.admin.put(`${path.cpo}/tariffs/${t.id}`, t);
    for (const l of locations()) await cpo.admin.put(`${path.cpo}/locations/${l.id}`, l);
    if (options.ocpp) chargePoint = await connectChargePoint(out, cpo, options.platforms, timeline, options.speed);
    await emsp.admin.post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) });
    out(`  ${locations().length} locations, ${tariffs().length} tariffs; eMSP ${EMSP.name} registered as a local party`);
    if (scsp) await registerScsp(scsp);

    step(out, 'The platforms connect (OCPI credentials handshake)');
    const connect = async (server: DemoPlatform, client: DemoPlatform, label: string) => {
      const invitation = await server.admin.post<Invitation>('/peers/invitations', { label: client.name });
      invited.set(invitation.peer_id, client.name);
      await client.admin.post('/peers/connect', { versions_url: invitation.versions_url, token: invitation.token, label });
    };
    if (hub) {
      await hub.admin.put('/hub', { country_code: 'NL', party_id: 'HUB', business_details: businessDetails('Demo Hub') });
      for (const p of [cpo, emsp, ...(scsp ? [scsp] : [])]) await connect(hub, p, 'Demo Hub');
    } else {
      await connect(cpo, emsp, CPO.name);
      if (scsp) await connect(cpo, scsp, CPO.name);
    }
    timeline.flush();

    step(out, "The eMSP learns the CPO's locations and tariffs");
    await waitFor('the locations at the eMSP', 20_000, async () => (await emsp.admin.get<Page<unknown>>(`${path.emsp}/received/locations`)).total === locations().length);
    await waitFor('the tariffs at the eMSP', 20_000, async () => (await emsp.admin.get<Page<unknown>>(`${path.emsp}/received/tariffs`)).total === tariffs().length);
    timeline.flush();

    step(out, "The eMSP issues the driver's token; it is pushed to the CPO");
    const token = driverToken();
    await emsp.admin.put(`${path.emsp}/tokens/${token.uid}`, token);
    await waitFor('the token at the CPO', 20_000, async () =>
      timeline.messages.some((m) => m.to === 'CPO' && m.method === 'PUT' && m.path.includes(`/tokens/`) && m.httpStatus < 300),
    );
    timeline.flush();

    const location = locations()[0];
    const evseUid = location.evses[0].uid;
    if (scsp) {
      await delegateLocation(out, cpo, location.id);
      timeline.flush();
    }
    step(out, `The driver's app asks for a remote start at ${location.name}, EVSE ${location.evses[0].evse_id}`);
    const startCmd = await emsp.admin.post<CommandView>(`${path.emsp}/commands/START_SESSION`, { location_id: location.id, evse_uid: evseUid, token });
    await waitForCommand(out, emsp, startCmd.id, 'START_SESSION');
    timeline.flush();

    step(out, `Charging (simulated at ${options.speed}x) until ${options.targetKwh} kWh`);
    const session = await waitFor('the session at the eMSP', 20_000, async () =>
      (await emsp.admin.get<Page<ReceivedSession>>(`${path.emsp}/received/sessions`)).items.find((s: { status: string }) => s.status === 'ACTIVE'),
    );
    const chargeUntil = (kwh: number) =>
      waitFor(
        `${kwh} kWh charged`,
        120_000,
        async () => {
          const s = await emsp.admin.get<ReceivedSession>(`${path.emsp}/received/sessions/${CPO.country_code}/${CPO.party_id}/${session.id}`);
          progress(out, Number(s.kwh ?? 0), options.targetKwh);
          return Number(s.kwh ?? 0) >= kwh;
        },
        300,
      );
    if (scsp) {
      await chargeUntil(options.targetKwh / 2);
      out('');
      timeline.flush();
      await lowerPowerMidSession(out, { emsp, scsp }, session.id, 3700);
      timeline.flush();
      step(out, `Charging on until ${options.targetKwh} kWh`);
    }
    await chargeUntil(options.targetKwh);
    out('');
    timeline.flush();

    step(out, 'The driver stops the session from the app');
    const stopCmd = await emsp.admin.post<CommandView>(`${path.emsp}/commands/STOP_SESSION`, {
      session_id: session.id,
      cpo: { country_code: CPO.country_code, party_id: CPO.party_id },
    });
    await waitForCommand(out, emsp, stopCmd.id, 'STOP_SESSION');

    step(out, 'The priced CDR arrives at the eMSP');
    const cdr = await waitFor('the CDR at the eMSP', 30_000, async () =>
      (await emsp.admin.get<Page<ReceivedCdr>>(`${path.emsp}/received/cdrs`)).items.find((c: { session_id?: string }) => c.session_id === session.id),
    );
    // A message enters the timeline once answered: through a hub, the CPO's POST is answered after the eMSP's.
    await waitFor(
      'the CDR POST answered on every hop',
      10_000,
      async () => timeline.messages.filter((m) => m.method === 'POST' && m.path.includes('/cdrs')).length >= (options.hub ? 2 : 1),
    );
    timeline.flush();
    explainReceivedCdr(out, cdr, location.time_zone);
    reportSignedData(out, cdr, chargePoint?.meterPublicKey);

    const summary: DemoSummary = {
      energyKwh: cdr.total_energy,
      durationMinutes: (Date.parse(cdr.end_date_time) - Date.parse(cdr.start_date_time)) / 60_000,
      cost: cdr.total_cost,
      currency: cdr.currency,
      messages: timeline.messages.filter((m) => !m.ocpp).length,
      wallSeconds: (Date.now() - started) / 1000,
    };
    step(out, 'Summary');
    out(`  energy ${summary.energyKwh.toFixed(2)} kWh, charging time ${Math.round(summary.durationMinutes)} min (simulated)`);
    out(
      `  cost ${summary.cost.excl_vat.toFixed(2)} ${summary.currency} excl. VAT${summary.cost.incl_vat != null ? `, ${summary.cost.incl_vat.toFixed(2)} ${summary.currency} incl. VAT` : ''}`,
    );
    const ocppCalls = timeline.messages.length - summary.messages;
    out(`  ${summary.messages} OCPI messages exchanged${chargePoint ? `, ${ocppCalls} OCPP calls` : ''}, ${summary.wallSeconds.toFixed(1)} s wall time`);
    return summary;
  } finally {
    timeline.flush();
  }
}

/** The CPO registers the charge point of its first location; it connects, boots and reports its connectors. */
async function connectChargePoint(out: (l: string) => void, cpo: DemoPlatform, platforms: DemoPlatforms, timeline: Timeline, speed: number): Promise<SimulatedChargePoint> {
  const location = locations()[0];
  const id = 'UCP-CEN';
  const password = crypto.randomBytes(16).toString('hex');
  await cpo.admin.put(`${path.cpo}/charge-points/${id}`, { password, location_id: location.id });
  const endpoint = chargePointEndpoint(cpo.url, CPO.country_code, CPO.party_id);
  const chargePoint = new SimulatedChargePoint({
    endpoint,
    identity: id,
    password,
    connectors: location.evses.length,
    speed,
    evseIds: location.evses.map((e) => e.evse_id),
    onExchange: (e) =>
      timeline.messages.push({ at: e.at, from: e.from, to: e.from === 'CP' ? 'CPO' : 'CP', method: 'OCPP', path: e.action, httpStatus: 0, summary: e.summary, ocpp: e.outcome }),
  });
  // Closed with the platforms, however the demo ends (with `--keep` it stays connected until then).
  platforms.closeOnStop(() => chargePoint.close());
  await chargePoint.connect();
  out(`  charge point ${id} registered for ${location.id} (password hashed at the CPO) and connected to ${endpoint}/${id} (ocpp1.6, HTTP Basic)`);
  await chargePoint.boot();
  timeline.flush();
  return chargePoint;
}

async function waitForCommand(out: (l: string) => void, emsp: DemoPlatform, id: string, name: string): Promise<void> {
  const done = await waitFor(`the ${name} result`, 30_000, async () => {
    const c = await emsp.admin.get<CommandView>(`${path.emsp}/commands/${id}`);
    return ['RESULT', 'REJECTED', 'TIMEOUT', 'FAILED'].includes(c.status) ? c : undefined;
  });
  const outcome = done.result?.result ?? done.response?.result ?? done.status;
  out(`  ${name}: CommandResponse ${done.response?.result ?? '-'}, CommandResult ${done.result?.result ?? '-'}`);
  if (outcome !== 'ACCEPTED') throw new Error(`${name} ended ${done.status} (${outcome})`);
}

/** The eMSP checks the CDR the way its billing would: re-price it with the tariff it carries and explain it. */
function explainReceivedCdr(out: (l: string) => void, cdr: ReceivedCdr, timeZone: string): void {
  const checked = explainCdr(cdr, timeZone);
  out('');
  for (const line of checked.explanation?.lines ?? checked.notes) out(`  ${line}`);
  out('');
  if (!checked.repriced || !checked.matches_cdr) {
    out(`  Re-priced by the eMSP: DIFFERS from the CDR (${cdr.total_cost.excl_vat})`);
    throw new Error('the CDR total does not match its own tariff');
  }
  out(`  Re-priced by the eMSP: ${checked.repriced.excl_vat.toFixed(2)} ${cdr.currency} excl. VAT: matches the CDR`);
}

/**
 * What the eMSP found checking the meter's signatures (the simulator signs OCMF per EVSE meter).
 * OCPP 1.6 has no field for the meter's public key: with `--ocpp` the CDR arrives without one,
 * and the eMSP checks the records again with the key the meter's label shows (`meterKey`).
 */
function reportSignedData(out: (l: string) => void, cdr: ReceivedCdr, meterKey?: string): void {
  let v = cdr.signed_data_verification;
  out('');
  if (!v) {
    out('  Signed meter data: none in this CDR');
    return;
  }
  const line = (r: NonNullable<ReceivedCdr['signed_data_verification']>) =>
    `(${r.encoding_method}, meter ${r.meter ?? '?'}): ${r.status}${r.signed_energy_kwh === null ? '' : `, ${r.signed_energy_kwh} kWh signed`}`;
  if (meterKey && cdr.signed_data && !cdr.signed_data.public_key && v.status === 'unverifiable' && v.problems.every((p) => p.code === 'missing_public_key')) {
    out(`  Signed meter data as received ${line(v)}: OCPP 1.6 carries no public key`);
    v = verifySignedData({ ...cdr, signed_data: { ...cdr.signed_data, public_key: meterKey } }) ?? v;
    out(`  Signed meter data with the meter's key from its label ${line(v)}`);
  } else out(`  Signed meter data ${line(v)}`);
  for (const p of v.problems) out(`    ${p.message}`);
  if (v.status !== 'valid') throw new Error(`the CDR's signed meter data is ${v.status}`);
}

function progress(out: (l: string) => void, kwh: number, target: number): void {
  const width = 30;
  const done = Math.min(width, Math.round((kwh / target) * width));
  const bar = `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${kwh.toFixed(2)} / ${target} kWh`;
  if (process.stdout.isTTY) process.stdout.write(`\r  ${bar}`);
  else out(`  ${bar}`);
}
