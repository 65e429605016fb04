/**
 * A charge point for the tests: ocpp-rpc's own client over a real WebSocket, strict mode on (so
 * what we send and what the platform answers are both checked against the OCPP 1.6 schemas).
 */
import { RPCClient } from 'ocpp-rpc';

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];

export interface ChargePointClient {
  client: RPCClient;
  /** Every raw message the platform sent, parsed. */
  received: unknown[][];
  call<T = Record<string, unknown>>(method: string, params: object): Promise<T>;
  close(): Promise<void>;
}

export function chargePointUrl(platformUrl: string, countryCode: string, partyId: string): string {
  return `${platformUrl.replace(/^http/, 'ws')}/ocpp/${countryCode}/${partyId}`;
}

/** Connects, or rejects with the HTTP status of a refused upgrade (`code`). */
export async function connectChargePoint(
  endpoint: string,
  identity: string,
  password: string | undefined,
  protocols: string[] = ['ocpp1.6'],
  handlers: Record<string, (params: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>> = {},
): Promise<ChargePointClient> {
  const client = new RPCClient({
    endpoint,
    identity,
    protocols,
    // Schema checks for the versions the library knows (a test offers an unknown one on purpose).
    strictMode: protocols.filter((p) => ['ocpp1.6', 'ocpp2.0.1'].includes(p)),
    reconnect: false,
    callTimeoutMs: 20_000,
    ...(password === undefined ? {} : { password }),
  } as unknown as ClientOptions);
  const received: unknown[][] = [];
  client.on('message', ({ message, outbound }: { message: Buffer | string; outbound: boolean }) => {
    if (outbound) return;
    try {
      received.push(JSON.parse(message.toString()));
    } catch {
      received.push(['unparsable', message.toString()]);
    }
  });
  for (const [method, handler] of Object.entries(handlers)) client.handle(method, async ({ params }) => handler((params ?? {}) as Record<string, unknown>));
  await client.connect();
  return {
    client,
    received,
    call: async <T>(method: string, params: object) => (await client.call(method, params)) as T,
    close: async () => void (await client.close({ code: 1000 })),
  };
}

/** The HTTP status a refused upgrade got. */
export async function refusedWith(endpoint: string, identity: string, password: string | undefined, protocols: string[] = ['ocpp1.6']): Promise<number> {
  try {
    const cp = await connectChargePoint(endpoint, identity, password, protocols);
    await cp.close();
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
  return 101;
}

/** A signed reading as a meter gateway would put it in a SampledValue (format SignedData): OCMF text. */
export function ocmfRecord(reason: 'B' | 'E', kwh: number, at: Date): string {
  const payload = {
    FV: '1.0',
    GI: 'TEST GATEWAY',
    GS: 'GW-1',
    MV: 'TestMeter',
    MS: 'M-1',
    PG: reason === 'B' ? 'T1' : 'T2',
    RD: [{ TM: `${at.toISOString().replace('Z', '').replace('.', ',')}+0000 S`, TX: reason, RV: kwh, RI: '1-b:1.8.0', RU: 'kWh', ST: 'G' }],
  };
  return `OCMF|${JSON.stringify(payload)}|{"SD":"3045022100AB"}`;
}
