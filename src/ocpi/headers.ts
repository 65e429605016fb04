/**
 * X-Request-ID / X-Correlation-ID on every request and response, and the OCPI routing headers
 * (transport §3 and §9). Header names are case-insensitive; Express already lowercases them.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { invalidParameters } from './errors.js';
import type { OcpiRequestState, PartyRef, RoutingHeaders } from './context.js';

export const HEADER = {
  requestId: 'X-Request-ID',
  correlationId: 'X-Correlation-ID',
  fromCountry: 'OCPI-from-country-code',
  fromParty: 'OCPI-from-party-id',
  toCountry: 'OCPI-to-country-code',
  toParty: 'OCPI-to-party-id',
  totalCount: 'X-Total-Count',
  limit: 'X-Limit',
  link: 'Link',
} as const;

// Ids are echoed back, so only well-behaved values are kept; anything else is replaced.
const SAFE_ID = /^[\x21-\x7e]{1,255}$/;

function idFrom(value: string | undefined): string {
  return value && SAFE_ID.test(value) ? value : crypto.randomUUID();
}

export function requestIds(rootLogger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = idFrom(req.get(HEADER.requestId));
    const correlationId = idFrom(req.get(HEADER.correlationId));
    res.setHeader(HEADER.requestId, requestId);
    res.setHeader(HEADER.correlationId, correlationId);
    req.ocpi = new RequestState(rootLogger, requestId, correlationId);
    next();
  };
}

/**
 * `req.ocpi`, whose logger is made on first use: most requests never log anything, and a pino
 * child per request (two with the peer's) is a measurable share of a small request's cost.
 */
class RequestState implements OcpiRequestState {
  peer?: OcpiRequestState['peer'];
  routing?: OcpiRequestState['routing'];
  private logger: Logger | undefined;
  private bindings: Record<string, string>;

  constructor(
    private readonly root: Logger,
    readonly requestId: string,
    readonly correlationId: string,
  ) {
    this.bindings = { request_id: requestId, correlation_id: correlationId };
  }

  get log(): Logger {
    return (this.logger ??= this.root.child(this.bindings));
  }

  set log(logger: Logger) {
    this.logger = logger;
  }

  bind(bindings: Record<string, string>): void {
    if (this.logger) this.logger = this.logger.child(bindings);
    else this.bindings = { ...this.bindings, ...bindings };
  }
}

/** Adds bindings (e.g. the peer id) to every later log line of this request. */
export function bindRequestLog(state: OcpiRequestState, bindings: Record<string, string>): void {
  if (state instanceof RequestState) state.bind(bindings);
  else state.log = state.log.child(bindings);
}

const COUNTRY = /^[A-Za-z]{2}$/;
const PARTY = /^[A-Za-z0-9]{3}$/;

function pair(req: Request, countryHeader: string, partyHeader: string): PartyRef | undefined {
  const countryCode = req.get(countryHeader);
  const partyId = req.get(partyHeader);
  if (countryCode === undefined && partyId === undefined) return undefined;
  if (countryCode === undefined || partyId === undefined) {
    throw invalidParameters(`${countryCode === undefined ? countryHeader : partyHeader}: required when ${countryCode === undefined ? partyHeader : countryHeader} is present`);
  }
  if (!COUNTRY.test(countryCode)) throw invalidParameters(`${countryHeader}: must be a two-letter country code`);
  if (!PARTY.test(partyId)) throw invalidParameters(`${partyHeader}: must be a three-character party id`);
  return { countryCode, partyId };
}

/** Parses the four routing headers; a half-given or malformed pair is a 2001. */
export function parseRoutingHeaders(req: Request): RoutingHeaders {
  return { from: parseRoutingHeader(req, 'from'), to: parseRoutingHeader(req, 'to') };
}

/** One side's pair of routing headers; a half-given or malformed pair is a 2001. */
export function parseRoutingHeader(req: Request, side: 'from' | 'to'): PartyRef | undefined {
  return side === 'from' ? pair(req, HEADER.fromCountry, HEADER.fromParty) : pair(req, HEADER.toCountry, HEADER.toParty);
}

/** Responses swap the parties: `to` is the requester, `from` is whoever answers. */
export function echoRoutingHeaders(res: Response, routing: RoutingHeaders | undefined): void {
  if (!routing) return;
  if (routing.from) {
    res.setHeader(HEADER.toCountry, routing.from.countryCode);
    res.setHeader(HEADER.toParty, routing.from.partyId);
  }
  if (routing.to) {
    res.setHeader(HEADER.fromCountry, routing.to.countryCode);
    res.setHeader(HEADER.fromParty, routing.to.partyId);
  }
}

export function routingRequestHeaders(from: PartyRef | undefined, to: PartyRef | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (from) {
    headers[HEADER.fromCountry] = from.countryCode;
    headers[HEADER.fromParty] = from.partyId;
  }
  if (to) {
    headers[HEADER.toCountry] = to.countryCode;
    headers[HEADER.toParty] = to.partyId;
  }
  return headers;
}
