/**
 * A simulated OCPP 1.6J charge point for `npm run demo -- --ocpp` and bench/ocpp: ocpp-rpc's
 * client over a real WebSocket to the platform's `/ocpp/{cc}/{pid}/{id}`. It boots, reports its
 * connectors, answers RemoteStart/RemoteStopTransaction by starting and stopping a transaction,
 * meters it in accelerated time (MeterValues) and has its meter sign the begin and end readings as
 * OCMF (1.6 has no field for the meter's key: `meterPublicKey` gives it out of band). It honours
 * a TxProfile's limit and reports it through GetCompositeSchedule.
 */
import type { KeyObject } from 'node:crypto';
import { RPCClient } from 'ocpp-rpc';
import { type MeterIdentity, generateMeterKey, signTransaction } from '../metering/index.js';

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];
type Params = Record<string, unknown>;

/** One OCPP call and its answer, for the demo's timeline. */
export interface OcppExchange {
  /** When the answer arrived (ms since the epoch). */
  at: number;
  /** `CP` for a call the charge point made, `CPO` for one the platform made. */
  from: 'CP' | 'CPO';
  action: string;
  /** What the call meant and what it was answered. */
  summary: string;
  /** The answer's status word (Accepted, Rejected...), `ok` for an answer without one, `error` for a CALLERROR or no answer. */
  outcome: string;
}

export interface SimulatedChargePointOptions {
  /** ws(s)://host/ocpp/{country_code}/{party_id} */
  endpoint: string;
  identity: string;
  password: string;
  connectors: number;
  /** Simulated seconds per real second: the charge point's clock and meters run this much faster. */
  speed?: number;
  /** Charging power without a profile, kW. */
  powerKw?: number;
  /** Real milliseconds between two MeterValues of a transaction. */
  meterEveryMs?: number;
  /** Check what it sends and receives against the OCPP 1.6 schemas (the bench turns it off to save CPU). */
  strict?: boolean;
  /** Sign the begin and end readings as OCMF (default true; the bench does not need it). */
  sign?: boolean;
  /** EVSE ids for the OCMF records (CI), by connector number. */
  evseIds?: string[];
  onExchange?: (e: OcppExchange) => void;
}

interface Running {
  transactionId: number;
  idTag: string;
  startedAt: Date;
  meterStartWh: number;
  /** When the meter was last read (simulated time). */
  readAt: Date;
  timer: NodeJS.Timeout;
}

export const chargePointEndpoint = (platformUrl: string, countryCode: string, partyId: string) =>
  `${platformUrl.replace(/^http/, 'ws')}/ocpp/${encodeURIComponent(countryCode)}/${encodeURIComponent(partyId)}`;

const statusOf = (answer: unknown) => {
  const a = (answer ?? {}) as { status?: string; idTagInfo?: { status?: string } };
  return a.status ?? a.idTagInfo?.status ?? 'ok';
};

export class SimulatedChargePoint {
  readonly client: RPCClient;
  /** The meter's public key (DER SubjectPublicKeyInfo, hex): what the eMSP needs to check the signatures. */
  readonly meterPublicKey: string;
  private readonly meter: Omit<MeterIdentity, 'privateKey'>;
  private readonly privateKey: KeyObject | null;
  private readonly started = Date.now();
  private readonly registerWh: number[];
  private readonly running = new Map<number, Running>();
  /** A TxProfile's limit per connector, W. */
  private readonly limitW = new Map<number, number>();
  private readonly profiles = new Map<number, Params>();
  private pagination = 1;

  constructor(private readonly options: SimulatedChargePointOptions) {
    this.client = new RPCClient({
      endpoint: options.endpoint,
      identity: options.identity,
      password: options.password,
      protocols: ['ocpp1.6'],
      strictMode: options.strict ?? true,
      reconnect: false,
      callTimeoutMs: 30_000,
    } as unknown as ClientOptions);
    this.registerWh = Array.from({ length: options.connectors + 1 }, (_, n) => 1_000_000 + n * 250_000);
    const key = options.sign === false ? null : generateMeterKey();
    this.meterPublicKey = key?.publicKeyHex ?? '';
    this.meter = {
      serial: `${options.identity}-M`,
      vendor: 'Demo Metering',
      model: 'DM-3',
      gateway: 'DEMO OCPP GATEWAY',
      gatewayVersion: '1.0',
      publicKeyHex: this.meterPublicKey,
    };
    this.privateKey = key?.privateKey ?? null;
    this.handle(
      'RemoteStartTransaction',
      (p) => this.remoteStart(p),
      (p) => `start on connector ${String(p.connectorId)} for ${String(p.idTag)}`,
    );
    this.handle(
      'RemoteStopTransaction',
      (p) => this.remoteStop(p),
      (p) => `stop transaction ${String(p.transactionId)}`,
    );
    this.handle(
      'SetChargingProfile',
      (p) => this.setProfile(p),
      (p) => `limit connector ${String(p.connectorId)} to ${limitText(p.csChargingProfiles)}`,
    );
    this.handle(
      'ClearChargingProfile',
      (p) => this.clearProfile(p),
      () => 'clear the profile',
    );
    this.handle(
      'GetCompositeSchedule',
      (p) => this.composite(p),
      (p) => `which schedule runs on connector ${String(p.connectorId)}?`,
    );
  }

  /** The charge point's clock: accelerated from when it was created. */
  now(): Date {
    return new Date(this.started + (Date.now() - this.started) * (this.options.speed ?? 1));
  }

  /** Opens the WebSocket (HTTP Basic, subprotocol ocpp1.6); rejects with the HTTP status of a refused upgrade. */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** BootNotification, then every connector Available. */
  async boot(): Promise<void> {
    await this.call('BootNotification', {
      chargePointVendor: 'Demo Charging',
      chargePointModel: 'DC-2 22kW',
      chargePointSerialNumber: this.options.identity,
      firmwareVersion: '1.6.4',
    });
    for (let n = 1; n <= this.options.connectors; n++) await this.status(n, 'Available');
  }

  status(connectorId: number, status: string, errorCode = 'NoError'): Promise<unknown> {
    return this.call('StatusNotification', { connectorId, errorCode, status, timestamp: this.now().toISOString() });
  }

  /** A call to the platform, recorded for the timeline. */
  async call(action: string, params: Params): Promise<unknown> {
    if (!this.options.onExchange) return this.client.call(action, params);
    try {
      const answer = await this.client.call(action, params);
      this.record('CP', action, describe(action, params, answer), statusOf(answer));
      return answer;
    } catch (e) {
      this.record('CP', action, `${describe(action, params, undefined)}: ${(e as Error).message}`, 'error');
      throw e;
    }
  }

  async close(): Promise<void> {
    for (const r of this.running.values()) clearInterval(r.timer);
    this.running.clear();
    await this.client.close({ code: 1000, force: true }).catch(() => undefined);
  }

  private record(from: OcppExchange['from'], action: string, summary: string, outcome: string): void {
    this.options.onExchange?.({ at: Date.now(), from, action, summary, outcome });
  }

  private handle(action: string, run: (p: Params) => Params, text: (p: Params) => string): void {
    this.client.handle(action, async ({ params }) => {
      const p = (params ?? {}) as Params;
      const answer = run(p);
      this.record('CPO', action, text(p), statusOf(answer));
      return answer;
    });
  }

  /** Accepted at once; the driver plugs in a moment later and the transaction starts (the platform may see it before our answer). */
  private remoteStart(p: Params): Params {
    const connectorId = Number(p.connectorId ?? 1);
    if (connectorId < 1 || connectorId > this.options.connectors || this.running.has(connectorId)) return { status: 'Rejected' };
    setTimeout(() => void this.startTransaction(connectorId, String(p.idTag)).catch(() => undefined), 50);
    return { status: 'Accepted' };
  }

  private async startTransaction(connectorId: number, idTag: string): Promise<void> {
    await this.status(connectorId, 'Preparing');
    const startedAt = this.now();
    const meterStartWh = this.registerWh[connectorId];
    const answer = (await this.call('StartTransaction', { connectorId, idTag, meterStart: Math.round(meterStartWh), timestamp: startedAt.toISOString() })) as {
      transactionId: number;
      idTagInfo: { status: string };
    };
    if (answer.idTagInfo.status !== 'Accepted') {
      await this.status(connectorId, 'Available');
      return;
    }
    const timer = setInterval(() => void this.sendMeterValues(connectorId).catch(() => undefined), this.options.meterEveryMs ?? 500);
    this.running.set(connectorId, { transactionId: answer.transactionId, idTag, startedAt, meterStartWh, readAt: startedAt, timer });
    await this.status(connectorId, 'Charging');
  }

  /** The register moves on by the power (the profile's limit if lower) over the simulated time since the last reading. */
  private read(connectorId: number, r: Running): { at: Date; wh: number; powerW: number } {
    const at = this.now();
    const powerW = Math.min((this.options.powerKw ?? 11) * 1000, this.limitW.get(connectorId) ?? Number.POSITIVE_INFINITY);
    this.registerWh[connectorId] += (powerW * (at.getTime() - r.readAt.getTime())) / 3_600_000;
    r.readAt = at;
    return { at, wh: Math.round(this.registerWh[connectorId]), powerW };
  }

  private async sendMeterValues(connectorId: number): Promise<void> {
    const r = this.running.get(connectorId);
    if (!r) return;
    const { at, wh, powerW } = this.read(connectorId, r);
    await this.call('MeterValues', {
      connectorId,
      transactionId: r.transactionId,
      meterValue: [
        {
          timestamp: at.toISOString(),
          sampledValue: [
            { value: String(wh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            { value: String(Math.round(powerW)), context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' },
          ],
        },
      ],
    });
  }

  private remoteStop(p: Params): Params {
    const entry = [...this.running.entries()].find(([, r]) => r.transactionId === Number(p.transactionId));
    if (!entry) return { status: 'Rejected' };
    const [connectorId, r] = entry;
    clearInterval(r.timer);
    this.running.delete(connectorId);
    setTimeout(() => void this.stopTransaction(connectorId, r).catch(() => undefined), 50);
    return { status: 'Accepted' };
  }

  private async stopTransaction(connectorId: number, r: Running): Promise<void> {
    const end = this.read(connectorId, r);
    const transactionData = this.privateKey ? this.signedReadings(connectorId, r, end, this.privateKey) : undefined;
    await this.call('StopTransaction', {
      transactionId: r.transactionId,
      meterStop: end.wh,
      timestamp: end.at.toISOString(),
      reason: 'Remote',
      ...(transactionData ? { transactionData } : {}),
    });
    await this.status(connectorId, 'Finishing');
    await this.status(connectorId, 'Available');
  }

  /** The meter's signed begin and end readings (OCMF), as 1.6 SampledValues of format SignedData. */
  private signedReadings(connectorId: number, r: Running, end: { at: Date; wh: number }, privateKey: KeyObject) {
    const signed = signTransaction(
      { ...this.meter, privateKey },
      {
        pagination: this.pagination,
        evseId: this.options.evseIds?.[connectorId - 1] ?? `${this.options.identity}-${connectorId}`,
        identification: { type: 'ISO14443', data: r.idTag },
        begin: { at: r.startedAt, kwh: Math.round(r.meterStartWh) / 1000 },
        end: { at: end.at, kwh: end.wh / 1000 },
        currentType: 'AC',
      },
    );
    this.pagination += 2;
    const [begin, stop] = signed.signed_values;
    const sampled = (value: string, context: string) => ({ value, format: 'SignedData', context, measurand: 'Energy.Active.Import.Register', unit: 'kWh' });
    return [
      { timestamp: r.startedAt.toISOString(), sampledValue: [sampled(begin.signed_data, 'Transaction.Begin')] },
      { timestamp: end.at.toISOString(), sampledValue: [sampled(stop.signed_data, 'Transaction.End')] },
    ];
  }

  private setProfile(p: Params): Params {
    const profile = p.csChargingProfiles as {
      chargingProfilePurpose?: string;
      chargingSchedule?: { chargingRateUnit?: string; chargingSchedulePeriod?: Array<{ limit: number; numberPhases?: number }> };
    };
    const period = profile.chargingSchedule?.chargingSchedulePeriod?.[0];
    const connectorId = Number(p.connectorId);
    if (profile.chargingProfilePurpose !== 'TxProfile' || !period || !this.running.has(connectorId)) return { status: 'Rejected' };
    // An ampere limit on three phases at 230 V.
    const watts = profile.chargingSchedule?.chargingRateUnit === 'A' ? period.limit * 230 * (period.numberPhases ?? 3) : period.limit;
    this.limitW.set(connectorId, watts);
    this.profiles.set(connectorId, profile.chargingSchedule as Params);
    return { status: 'Accepted' };
  }

  private clearProfile(p: Params): Params {
    const connectors = p.connectorId === undefined ? [...this.profiles.keys()] : [Number(p.connectorId)];
    const found = connectors.filter((n) => this.profiles.delete(n) && this.limitW.delete(n));
    return { status: found.length ? 'Accepted' : 'Unknown' };
  }

  private composite(p: Params): Params {
    const connectorId = Number(p.connectorId);
    const schedule = this.profiles.get(connectorId);
    if (!schedule) return { status: 'Rejected' };
    return { status: 'Accepted', connectorId, scheduleStart: this.now().toISOString(), chargingSchedule: { ...schedule, duration: Number(p.duration) } };
  }
}

/** A profile's first limit, e.g. `3700 W`. */
function limitText(profile: unknown): string {
  const s = (profile as { chargingSchedule?: { chargingRateUnit?: string; chargingSchedulePeriod?: Array<{ limit?: number }> } } | undefined)?.chargingSchedule;
  return `${s?.chargingSchedulePeriod?.[0]?.limit ?? '?'} ${s?.chargingRateUnit ?? ''}`.trim();
}

/** One line for a call the charge point made. */
function describe(action: string, p: Params, answer: unknown): string {
  const a = (answer ?? {}) as Params;
  switch (action) {
    case 'BootNotification':
      return `booted: ${String(p.chargePointVendor)} ${String(p.chargePointModel)}, heartbeat every ${String(a.interval ?? '?')} s`;
    case 'StatusNotification':
      return `connector ${String(p.connectorId)} is ${String(p.status)}`;
    case 'StartTransaction':
      return `connector ${String(p.connectorId)} started for ${String(p.idTag)} at ${(Number(p.meterStart) / 1000).toFixed(3)} kWh${a.transactionId === undefined ? '' : `: transaction ${String(a.transactionId)}`}`;
    case 'MeterValues': {
      const sampled = ((p.meterValue as Array<{ sampledValue: Array<{ value: string; measurand?: string }> }>)?.[0]?.sampledValue ?? []).map((s) => [s.measurand, Number(s.value)]);
      const values = Object.fromEntries(sampled) as Record<string, number>;
      return `transaction ${String(p.transactionId)}: register ${(values['Energy.Active.Import.Register'] / 1000).toFixed(3)} kWh at ${(values['Power.Active.Import'] / 1000).toFixed(1)} kW`;
    }
    case 'StopTransaction': {
      const signed = (p.transactionData as unknown[] | undefined)?.length ?? 0;
      return `transaction ${String(p.transactionId)} stopped at ${(Number(p.meterStop) / 1000).toFixed(3)} kWh${signed ? `, ${signed} signed OCMF readings` : ''}`;
    }
    default:
      return action;
  }
}
