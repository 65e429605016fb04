/**
 * What a charge point connection adds to /metrics (app.metrics): each OCPP call in either
 * direction, and each error (a message of the charge point refused or failed here, a call of
 * ours answered with a CALLERROR or not at all). Labels stay bounded: the action is one of the
 * protocol's schema names and the code one of OCPP-J's error codes, anything else `unknown`.
 */
import client from 'prom-client';
import type { AppContext } from '../../context.js';

/** The actions of each protocol, from the JSON schemas ocpp-rpc validates with (urn:<Action>.req). */
const actionsByProtocol = new Map<string, Set<string>>();
const SCHEMA_FILES: Record<string, string> = {
  'ocpp1.6': 'ocpp-rpc/lib/schemas/ocpp1_6.json',
  'ocpp2.0.1': 'ocpp-rpc/lib/schemas/ocpp2_0_1.json',
};

function actionsOf(protocol: string): Set<string> {
  let known = actionsByProtocol.get(protocol);
  if (!known) {
    known = new Set();
    const file = SCHEMA_FILES[protocol];
    if (file) for (const schema of require(file) as Array<{ $id?: string }>) if (schema.$id?.endsWith('.req')) known.add(schema.$id.slice(4, -4));
    actionsByProtocol.set(protocol, known);
  }
  return known;
}

const ERROR_CODES = new Set([
  'FormationViolation',
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'OccurenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
]);

const codeOf = (e: unknown): string => {
  const err = e as { rpcErrorCode?: string; name?: string } | undefined;
  if (err?.rpcErrorCode) return ERROR_CODES.has(err.rpcErrorCode) ? err.rpcErrorCode : 'unknown';
  return err?.name === 'TimeoutError' ? 'Timeout' : 'GenericError';
};

/** The part of the library's client whose events we count. */
interface Observable {
  on(event: 'call', listener: (e: { outbound: boolean; payload: unknown[] }) => void): unknown;
  on(event: 'callError', listener: (e: { outbound: boolean; error: unknown }) => void): unknown;
  on(event: 'badMessage', listener: (e: { error?: unknown }) => void): unknown;
}

export function countMessages(app: AppContext, socket: Observable, protocol: string): void {
  const known = actionsOf(protocol);
  const { ocppMessages, ocppErrors } = app.metrics;
  socket.on('call', ({ outbound, payload }) => {
    const action = typeof payload[2] === 'string' && known.has(payload[2]) ? payload[2] : 'unknown';
    ocppMessages.inc({ protocol, action, direction: outbound ? 'sent' : 'received' });
  });
  // Outbound false: the charge point's call failed here (schema, unknown action, our handler).
  socket.on('callError', ({ outbound, error }) => ocppErrors.inc({ protocol, direction: outbound ? 'sent' : 'received', code: codeOf(error) }));
  socket.on('badMessage', ({ error }) => ocppErrors.inc({ protocol, direction: 'received', code: codeOf(error) }));
}

export interface OcppCounters {
  /** Handshake password checks: `check` cached (a recent success, no scrypt) or scrypt; `result` accepted or refused. */
  passwordChecks: client.Counter<'check' | 'result'>;
  /** EVSE status changes through the status queue: queued, written, coalesced (replaced while waiting), retried, refused (queue full). */
  statusChanges: client.Counter<'outcome'>;
}

const counters = new WeakMap<AppContext, OcppCounters>();

/** This app's OCPP counters beyond the messages (created on first use, on the app's own registry). */
export function ocppCounters(app: AppContext): OcppCounters {
  let made = counters.get(app);
  if (!made) {
    const registers = [app.metrics.registry];
    made = {
      passwordChecks: new client.Counter({
        name: 'ocpp_handshake_password_checks_total',
        help: 'OCPP handshake password checks, by check (cached: verified recently, scrypt: full check) and result',
        labelNames: ['check', 'result'],
        registers,
      }),
      statusChanges: new client.Counter({
        name: 'ocpp_status_changes_total',
        help: 'EVSE status changes reported over OCPP, by outcome in the status queue (queued, written, coalesced, retried, refused)',
        labelNames: ['outcome'],
        registers,
      }),
    };
    counters.set(app, made);
  }
  return made;
}
