/**
 * How a command reaches a CPO party's own backend. `webhook`: a signed POST to the backend,
 * which answers later through the admin API. `simulator`: the built-in charge point network.
 * `ocpp`: the party's charge points, connected to us over OCPP-J (src/backends/ocpp/).
 */
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';

/**
 * A party's own backend. For a CPO party it executes commands; for an eMSP party the same
 * webhook receives events (session, CDR, command result) and, with `authorize`, answers
 * real-time authorization requests for its tokens.
 */
export type WebhookBackend = { adapter: 'webhook'; url: string; secretEnc: string; authorize?: boolean };
export type BackendConfig = WebhookBackend | { adapter: 'simulator' } | { adapter: 'ocpp' };

export interface ForwardedCommand {
  id: string;
  party: PartyRef;
  /** The eMSP party that asks (OCPI-from-*): whose driver, whose reservation. */
  requester?: PartyRef;
  /**
   * RESERVE_NOW / CANCEL_RESERVATION: the platform-wide reservation id (also in
   * `request.reservation_id`), the eMSP's own id, and whether RESERVE_NOW replaces that eMSP's
   * earlier reservation.
   */
  reservation?: { id: string; emspReservationId: string; replaces?: boolean };
  command: string;
  request: Record<string, unknown>;
  deadlineAt: Date;
  /** Where the backend answers; commands' result route unless given (charging profiles); null: no answer expected. */
  resultUrl?: string | null;
}

/** Why a backend would not carry out a command at all, told before the command is accepted; null: it will try. */
export type CommandRefusal = (party: PartyRef, command: string, request: Record<string, unknown>) => Promise<string | null>;

type BuiltIn = { handler: (cmd: ForwardedCommand) => Promise<void>; refusal?: CommandRefusal };
const simulators = new WeakMap<AppContext, BuiltIn>();
const ocppBackends = new WeakMap<AppContext, BuiltIn>();

/** The simulator registers itself here (src/backends/simulator.ts) so the adapter needs no import cycle. */
export function registerSimulator(app: AppContext, handler: (cmd: ForwardedCommand) => Promise<void>, refusal?: CommandRefusal): void {
  simulators.set(app, { handler, refusal });
}

/** The OCPP adapter registers itself here (src/backends/ocpp/index.ts), like the simulator. */
export function registerOcpp(app: AppContext, handler: (cmd: ForwardedCommand) => Promise<void>, refusal?: CommandRefusal): void {
  ocppBackends.set(app, { handler, refusal });
}

const builtIn = (app: AppContext, backend: BackendConfig): BuiltIn | undefined =>
  backend.adapter === 'simulator' ? simulators.get(app) : backend.adapter === 'ocpp' ? ocppBackends.get(app) : undefined;

/**
 * Asked before a command is answered ACCEPTED: a reason the backend cannot serve it (then the
 * eMSP gets REJECTED with that reason), or null. A webhook decides only after the answer.
 */
export async function backendRefusal(app: AppContext, backend: BackendConfig, party: PartyRef, command: string, request: Record<string, unknown>): Promise<string | null> {
  if (backend.adapter === 'webhook') return null;
  return (await builtIn(app, backend)?.refusal?.(party, command, request)) ?? null;
}

export async function forwardToBackend(app: AppContext, backend: BackendConfig, cmd: ForwardedCommand): Promise<void> {
  if (backend.adapter !== 'webhook') {
    const local = builtIn(app, backend);
    if (!local) throw new Error(`${backend.adapter} not running in this process`);
    return local.handler(cmd);
  }
  const { response_url: _hidden, ...request } = cmd.request;
  const body = JSON.stringify({
    command_id: cmd.id,
    command: cmd.command,
    party: { country_code: cmd.party.countryCode, party_id: cmd.party.partyId },
    ...(cmd.requester ? { requester: { country_code: cmd.requester.countryCode, party_id: cmd.requester.partyId } } : {}),
    ...(cmd.reservation
      ? {
          reservation: {
            id: cmd.reservation.id,
            emsp_reservation_id: cmd.reservation.emspReservationId,
            ...(cmd.reservation.replaces === undefined ? {} : { replaces: cmd.reservation.replaces }),
          },
        }
      : {}),
    // The backend answers here, not at the eMSP's response_url: delivery stays ours.
    result_url:
      cmd.resultUrl === null ? null : (cmd.resultUrl ?? `${app.config.PUBLIC_BASE_URL}/admin/parties/${cmd.party.countryCode}/${cmd.party.partyId}/commands/${cmd.id}/result`),
    deadline_at: cmd.deadlineAt.toISOString(),
    request,
  });
  await postSigned(app, backend, body, { 'X-Command-Id': cmd.id });
}

/** The headers that sign `body` for a party backend: `X-Signature: sha256=<hex HMAC of the body>` with the shared secret. */
export function signatureHeaders(app: AppContext, backend: WebhookBackend, body: string): Record<string, string> {
  return { 'X-Signature': `sha256=${crypto.createHmac('sha256', app.secrets.decrypt(backend.secretEnc)).update(body).digest('hex')}` };
}

/**
 * POSTs a signed JSON body to a party's webhook through the one outbound client (URL policy,
 * pooled transport). Returns the parsed answer; a non-2xx answer or a failure throws OcpiCallError.
 */
export async function postSigned(
  app: AppContext,
  backend: WebhookBackend,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = app.config.OUTBOUND_TIMEOUT_MS,
): Promise<unknown> {
  return app.client.webhook({ url: backend.url, body, headers: { ...signatureHeaders(app, backend, body), ...headers }, timeoutMs });
}
