/**
 * One charge point's open socket as the OCPP versions see it: the RPC connection (the library's
 * server client, reduced to what we use), the charge point's registration, and the process
 * that holds it. Version files (v16.ts, v201.ts) implement OcppVersion.
 */
import type { AppContext } from '../../context.js';
import type { ForwardedCommand } from '../adapter.js';
import type { ChargePointRecord } from './charge-points.js';

export type CallHandler = (call: { params?: unknown; method?: string }) => Promise<Record<string, unknown>>;

/** The part of ocpp-rpc's RPCServerClient we use; every call in and out is schema-checked by it (strict mode). */
export interface RpcLink {
  readonly identity: string | undefined;
  readonly protocol: string | undefined;
  call(method: string, params?: unknown, options?: { callTimeoutMs?: number }): Promise<unknown>;
  handle(method: string, handler: CallHandler): void;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'badMessage', listener: (e: { error?: Error }) => void): unknown;
}

export interface ChargePointLink {
  app: AppContext;
  /** As registered when the socket opened (the mapping and location are re-read on each use). */
  cp: ChargePointRecord;
  rpc: RpcLink;
  protocol: string;
}

export interface OcppVersion {
  /** The WebSocket subprotocol (ocpp1.6, ocpp2.0.1). */
  protocol: string;
  /** Installs the handlers of what the charge point calls. */
  attach(link: ChargePointLink): void;
  /** Runs an OCPI command or charging profile request on the charge point; answers through the port. */
  command(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget | null): Promise<void>;
}

/** Where a command runs: the OCPP connector/EVSE number on the link's charge point. */
export interface CommandTarget {
  n: number;
  evseUid: string;
  connectorId: string;
}
