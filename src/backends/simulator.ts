/**
 * The built-in charge point network, a CPO backend for demos and tests. It runs commands the
 * way a charge point management system would: START_SESSION turns the EVSE CHARGING, opens a
 * session and meters it at SIMULATOR_POWER_KW in time accelerated SIMULATOR_SPEED times;
 * STOP_SESSION ends it and bills it with the tariff engine. Everything goes through the same
 * services as a real backend's API calls, so pushes to the eMSP happen as in production.
 * Each EVSE has a virtual calibrated meter with its own ECDSA key: it signs the begin and end
 * reading of every session as OCMF, and the CDR carries them as signed_data (Eichrecht).
 *
 * State lives in this process: a session running at a restart is lost (it is a simulator).
 */
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import { type MeterIdentity, generateMeterKey, signTransaction } from '../metering/index.js';
import type { ChargingProfile } from '../model/charging-profile.js';
import type { CommandResult } from '../model/command.js';
import type { PartyRef } from '../ocpi/context.js';
import { ciEquals, formatDateTime } from '../model/primitives.js';
import { partyKey } from '../platform/parties/party-store.js';
import { type ForwardedCommand, registerSimulator } from './adapter.js';

interface Running {
  party: PartyRef;
  sessionId: string;
  locationId: string;
  evseUid: string;
  startedAt: number;
  kwh: number;
  timer: NodeJS.Timeout;
  meter: VirtualMeter;
  /** The meter's register at the start, kWh. */
  beginKwh: number;
  evseId: string;
  currentType: 'AC' | 'DC';
  tokenUid: string;
}

/** A charge point's calibrated meter: its key, its cumulative register and its pagination counter. */
interface VirtualMeter {
  identity: MeterIdentity;
  registerKwh: number;
  nextPagination: number;
}

const roundKwh = (kwh: number) => Math.round(kwh * 1000) / 1000;

type Result = CommandResult['result'];

export function startSimulator(app: AppContext): { stop(): Promise<void> } {
  const running = new Map<string, Running>();
  // What the simulator is doing right now (a command it is carrying out, a meter tick's write):
  // stop() waits for it, so a shutdown does not pull the database from under a session start.
  const inHand = new Set<Promise<unknown>>();
  let stopped = false;
  const track = <T>(work: Promise<T>): Promise<T> => {
    inHand.add(work);
    const done = () => inHand.delete(work);
    work.then(done, done);
    return work;
  };
  const { SIMULATOR_SPEED: speed, SIMULATOR_POWER_KW: powerKw, SIMULATOR_TICK_MS: tickMs } = app.config;
  const simulatedNow = (r: Running) => r.startedAt + (Date.now() - r.startedAt) * speed;
  const reply = (cmd: ForwardedCommand, result: Result, text?: string) =>
    app.services.cpoBackendPort.answerCommand(cmd.party, cmd.id, { result, ...(text ? { message: [{ language: 'en', text }] } : {}) });
  const setEvse = (party: PartyRef, locationId: string, evseUid: string, status: string) =>
    app.services.ownLocations.patch(party, locationId, { kind: 'evse', evseUid }, { status });
  const meters = new Map<string, VirtualMeter>();
  const meterOf = (party: PartyRef, locationId: string, evseUid: string): VirtualMeter => {
    const key = `${partyKey(party.countryCode, party.partyId)}:${locationId}:${evseUid}`.toUpperCase();
    let meter = meters.get(key);
    if (!meter) {
      const serial = `SIM${crypto.randomBytes(5).toString('hex').toUpperCase()}`;
      const identity = { serial, vendor: 'Simulated', model: 'SIM-METER-1', gateway: 'OCPI platform simulator', gatewayVersion: '1.0', ...generateMeterKey() };
      // A meter in service has counted energy before: its register does not start at zero.
      meter = { identity, registerKwh: roundKwh(1000 + crypto.randomInt(0, 9_000_000) / 1000), nextPagination: 1 };
      meters.set(key, meter);
    }
    return meter;
  };

  async function start(cmd: ForwardedCommand): Promise<void> {
    const req = cmd.request as { location_id: string; evse_uid?: string; connector_id?: string; token: Record<string, string>; authorization_reference?: string };
    const location = (await app.services.ownLocations.find([partyKey(cmd.party.countryCode, cmd.party.partyId)], req.location_id, { kind: 'location' })) as {
      evses?: Array<{ uid: string; evse_id?: string | null; status: string; capabilities?: string[]; connectors: Array<{ id: string; power_type?: string }> }>;
    } | null;
    const evses = (location?.evses ?? []).filter((e) => (req.evse_uid ? ciEquals(e.uid, req.evse_uid) : (e.capabilities ?? []).includes('REMOTE_START_STOP_CAPABLE')));
    const evse = evses.find((e) => e.status === 'AVAILABLE') ?? evses[0];
    if (!evse) return void (await reply(cmd, 'REJECTED', 'No EVSE for a remote start at this location'));
    if (evse.status !== 'AVAILABLE') return void (await reply(cmd, evse.status === 'CHARGING' ? 'EVSE_OCCUPIED' : 'EVSE_INOPERATIVE', `EVSE ${evse.uid} is ${evse.status}`));
    await reply(cmd, 'ACCEPTED');
    // The driver plugs in: the EVSE starts charging and a session opens.
    const sessionId = `SIM-${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
    const startedAt = Date.now();
    await setEvse(cmd.party, req.location_id, evse.uid, 'CHARGING');
    await app.services.ownSessions.put(cmd.party, sessionId, {
      country_code: cmd.party.countryCode,
      party_id: cmd.party.partyId,
      id: sessionId,
      start_date_time: formatDateTime(new Date(startedAt)),
      kwh: 0,
      cdr_token: { country_code: req.token.country_code, party_id: req.token.party_id, uid: req.token.uid, type: req.token.type as 'RFID', contract_id: req.token.contract_id },
      auth_method: 'COMMAND',
      authorization_reference: req.authorization_reference ?? null,
      location_id: req.location_id,
      evse_uid: evse.uid,
      connector_id: req.connector_id ?? evse.connectors[0].id,
      currency: 'EUR',
      status: 'ACTIVE',
      last_updated: formatDateTime(new Date(startedAt)),
    });
    const connector = evse.connectors.find((c) => req.connector_id && ciEquals(c.id, req.connector_id)) ?? evse.connectors[0];
    const meter = meterOf(cmd.party, req.location_id, evse.uid);
    // Stopped while the session opened: its row stands, but nothing ticks in a closing process.
    if (stopped) return;
    const r: Running = {
      party: cmd.party,
      sessionId,
      locationId: req.location_id,
      evseUid: evse.uid,
      startedAt,
      kwh: 0,
      timer: undefined as never,
      meter,
      beginKwh: meter.registerKwh,
      evseId: evse.evse_id ?? evse.uid,
      currentType: connector?.power_type === 'DC' ? 'DC' : 'AC',
      tokenUid: req.token.uid,
    };
    r.timer = setInterval(() => {
      r.kwh = Math.round(((simulatedNow(r) - r.startedAt) / 3_600_000) * powerKw * 1000) / 1000;
      void track(
        app.services.ownSessions
          .patch(r.party, r.sessionId, { kwh: r.kwh })
          .catch((e: Error) => app.log.warn({ session_id: r.sessionId, err: e.message }, 'simulator could not update a session')),
      );
    }, tickMs);
    r.timer.unref();
    running.set(sessionId.toUpperCase(), r);
  }

  async function stop(cmd: ForwardedCommand): Promise<void> {
    const r = running.get(String(cmd.request.session_id).toUpperCase());
    if (!r) return void (await reply(cmd, 'REJECTED', 'This session is not running on the simulator'));
    await reply(cmd, 'ACCEPTED');
    clearInterval(r.timer);
    running.delete(r.sessionId.toUpperCase());
    const end = simulatedNow(r);
    const kwh = Math.round(((end - r.startedAt) / 3_600_000) * powerKw * 1000) / 1000;
    await setEvse(r.party, r.locationId, r.evseUid, 'AVAILABLE');
    await app.services.ownSessions.patch(r.party, r.sessionId, { kwh });
    const timeline = {
      start: formatDateTime(new Date(r.startedAt)),
      end: formatDateTime(new Date(end)),
      events: [
        { at: formatDateTime(new Date(r.startedAt)), state: 'CHARGING', meter_kwh: 0, power_kw: powerKw },
        { at: formatDateTime(new Date(end)), meter_kwh: kwh },
      ],
    };
    // The meter signs the readings it took at the start and now; the register moves on.
    const endKwh = roundKwh(r.beginKwh + kwh);
    r.meter.registerKwh = Math.max(r.meter.registerKwh, endKwh);
    const pagination = r.meter.nextPagination;
    r.meter.nextPagination += 2;
    const signedData = signTransaction(r.meter.identity, {
      pagination,
      evseId: r.evseId,
      identification: { type: 'CENTRAL', data: r.tokenUid },
      begin: { at: new Date(r.startedAt), kwh: r.beginKwh },
      end: { at: new Date(end), kwh: endKwh },
      currentType: r.currentType,
    });
    await app.services.cpoBackendPort.closeSessionWithCdr(r.party, r.sessionId, { timeline, endDateTime: formatDateTime(new Date(end)), signedData });
  }

  // The last profile set per session: what the virtual charge point reports as active.
  const profiles = new Map<string, unknown>();
  const profileKey = (cmd: ForwardedCommand) => `${partyKey(cmd.party.countryCode, cmd.party.partyId)}:${String(cmd.request.session_id).toUpperCase()}`;

  // A session it could never bill is refused before it starts: the eMSP hears why at once,
  // instead of an ACCEPTED session that ends without a CDR.
  const refusal = async (party: PartyRef, command: string): Promise<string | null> => {
    if (command !== 'START_SESSION') return null;
    const tariffs = await app.services.ownTariffs.store.all(partyKey(party.countryCode, party.partyId));
    return tariffs.length ? null : 'This operator has no tariff: a simulated session could not be billed';
  };

  const handle = async (cmd: ForwardedCommand): Promise<void> => {
    switch (cmd.command) {
      case 'SET_CHARGING_PROFILE':
        profiles.set(profileKey(cmd), cmd.request.charging_profile);
        return void (await app.services.cpoBackendPort.answerProfileRequest(cmd.party, cmd.id, { result: 'ACCEPTED' }));
      case 'CLEAR_PROFILE':
        profiles.delete(profileKey(cmd));
        return void (await app.services.cpoBackendPort.answerProfileRequest(cmd.party, cmd.id, { result: 'ACCEPTED' }));
      case 'GET_ACTIVE_CHARGING_PROFILE': {
        const profile = profiles.get(profileKey(cmd)) as ChargingProfile | undefined;
        const answer = profile
          ? { result: 'ACCEPTED' as const, profile: { start_date_time: formatDateTime(new Date()), charging_profile: profile } }
          : { result: 'REJECTED' as const };
        return void (await app.services.cpoBackendPort.answerProfileRequest(cmd.party, cmd.id, answer));
      }
      case 'CHARGING_PREFERENCES':
        // The virtual charger charges at full power whatever the driver prefers.
        return;
      case 'START_SESSION':
        return start(cmd);
      case 'STOP_SESSION':
        return stop(cmd);
      case 'RESERVE_NOW':
      case 'CANCEL_RESERVATION':
      case 'UNLOCK_CONNECTOR':
        // The virtual hardware has no lock and keeps no reservations, but agrees to both.
        return void (await reply(cmd, 'ACCEPTED'));
      default:
        return void (await reply(cmd, 'NOT_SUPPORTED'));
    }
  };
  registerSimulator(
    app,
    (cmd) => {
      if (stopped) return Promise.reject(new Error('the simulator is stopping'));
      return track(handle(cmd));
    },
    refusal,
  );
  return {
    async stop() {
      stopped = true;
      for (const r of running.values()) clearInterval(r.timer);
      running.clear();
      while (inHand.size) await Promise.allSettled([...inHand]);
      profiles.clear();
      meters.clear();
    },
  };
}
