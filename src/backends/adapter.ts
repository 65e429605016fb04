/**
 * How a command reaches a CPO party's own backend. `webhook`: a signed POST to the backend,
 * which answers later through the admin API. `simulator`: the built-in charge point network.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import type { AppContext } from '../app-context.js';
import type { PartyRef } from '../ocpi/context.js';

/**
 * A party's own backend. For a CPO party it executes commands; for an eMSP party the same
 * webhook receives events (session, CDR, command result) and, with `authorize`, answers
 * real-time authorization requests for its tokens.
 */
export type WebhookBackend = { adapter: 'webhook'; url: string; secretEnc: string; authorize?: boolean };
export type BackendConfig = WebhookBackend | { adapter: 'simulator' };

export interface ForwardedCommand {
  id: string;
  party: PartyRef;
  command: string;
  request: Record<string, unknown>;
  deadlineAt: Date;
  /** Where the backend answers; commands' result route unless given (charging profiles); null: no answer expected. */
  resultUrl?: string | null;
}

const simulators = new WeakMap<AppContext, (cmd: ForwardedCommand) => Promise<void>>();

/** The simulator registers itself here (src/backends/simulator.ts) so the adapter needs no import cycle. */
export function registerSimulator(app: AppContext, handler: (cmd: ForwardedCommand) => Promise<void>): void {
  simulators.set(app, handler);
}

export async function forwardToBackend(app: AppContext, backend: BackendConfig, cmd: ForwardedCommand): Promise<void> {
  if (backend.adapter === 'simulator') {
    const simulate = simulators.get(app);
    if (!simulate) throw new Error('simulator not running in this process');
    return simulate(cmd);
  }
  const { response_url: _hidden, ...request } = cmd.request;
  const body = JSON.stringify({
    command_id: cmd.id,
    command: cmd.command,
    party: { country_code: cmd.party.countryCode, party_id: cmd.party.partyId },
    // The backend answers here, not at the eMSP's response_url: delivery stays ours.
    result_url: cmd.resultUrl === null ? null : cmd.resultUrl ?? `${app.config.PUBLIC_BASE_URL}/admin/parties/${cmd.party.countryCode}/${cmd.party.partyId}/commands/${cmd.id}/result`,
    deadline_at: cmd.deadlineAt.toISOString(),
    request,
  });
  await postSigned(app, backend, body, { 'X-Command-Id': cmd.id });
}


/**
 * POSTs a JSON body to a party's webhook, signed `X-Signature: sha256=<hex HMAC of the body>`
 * with the shared secret, through the outbound URL policy. Returns the parsed answer.
 */
export async function postSigned(app: AppContext, backend: WebhookBackend, body: string, headers: Record<string, string> = {}, timeoutMs = app.config.OUTBOUND_TIMEOUT_MS): Promise<unknown> {
  app.urlPolicy.check(backend.url);
  const signature = crypto.createHmac('sha256', app.secrets.decrypt(backend.secretEnc)).update(body).digest('hex');
  const res = await axios.post(backend.url, body, {
    headers: { 'Content-Type': 'application/json', 'X-Signature': `sha256=${signature}`, ...headers },
    timeout: timeoutMs,
    maxRedirects: 0,
    httpAgent: new http.Agent({ lookup: app.urlPolicy.lookup as any }),
    httpsAgent: new https.Agent({ lookup: app.urlPolicy.lookup as any }),
  });
  return res.data;
}
