/**
 * Valid request bodies of the endpoints we know, richer than what `generateValid` derives from a
 * schema (nested EVSEs, charging periods...), so that mutations reach the services' rules.
 * Keys are `identifier:ROLE:method:routePath`; endpoints missing here get a generated body.
 */
import type { z } from 'zod';
import { CommandBodies, type CommandType } from '../../src/model/command.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { aConnector, aLocation, anEvse } from '../helpers/locations.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';
import type { World } from './endpoints.js';

type Params = Record<string, string>;

const owner = (w: World) => ({ country_code: w.party.countryCode, party_id: w.party.partyId });

/** The caller's token as its commands and sessions carry it. */
export function callerToken(w: World) {
  return { ...owner(w), uid: w.clientOwned.token_uid ?? 'TOKEN1', type: 'RFID', contract_id: `${w.party.countryCode}-${w.party.partyId}-C0001` };
}

function aToken(w: World, uid: string) {
  return { ...callerToken(w), uid, visual_number: 'DF000-2001-8999-1', issuer: 'Fuzz eMSP', valid: true, whitelist: 'ALLOWED', language: 'de', last_updated: w.later() };
}

function aCommand(w: World, command: string): Record<string, unknown> {
  const base = { response_url: w.callbackUrl };
  const at = { location_id: w.own.location_id, evse_uid: w.own.evse_uid };
  switch (command as CommandType) {
    case 'START_SESSION':
      return { ...base, token: callerToken(w), ...at };
    case 'STOP_SESSION':
      return { ...base, session_id: w.own.session_id };
    case 'RESERVE_NOW':
      return { ...base, token: callerToken(w), expiry_date: '2099-01-01T00:00:00Z', reservation_id: 'RES1', ...at };
    case 'CANCEL_RESERVATION':
      return { ...base, reservation_id: 'RES1' };
    case 'UNLOCK_CONNECTOR':
      return { ...base, ...at, connector_id: w.own.connector_id ?? '1' };
    default:
      return base;
  }
}

function credentials(w: World) {
  return { token: `fuzz-${Math.random().toString(36).slice(2)}`, url: w.versionsUrl, roles: [{ role: 'EMSP', ...owner(w), business_details: aBusinessDetails('Fuzz peer') }] };
}

const RECEIVER_LOCATION = '/:country_code/:party_id/:location_id';

const SAMPLES: Record<string, (w: World, p: Params) => unknown> = {
  [`locations:RECEIVER:put:${RECEIVER_LOCATION}`]: (w, p) =>
    aLocation(p.location_id, {
      ...owner(w),
      evses: [anEvse(w.clientOwned.evse_uid, { connectors: [aConnector(w.clientOwned.connector_id, { last_updated: w.later() })], last_updated: w.later() })],
      last_updated: w.later(),
    }),
  [`locations:RECEIVER:patch:${RECEIVER_LOCATION}`]: (w) => ({ name: 'Patched name', last_updated: w.later() }),
  [`locations:RECEIVER:put:${RECEIVER_LOCATION}/:evse_uid`]: (w, p) =>
    anEvse(p.evse_uid, { connectors: [aConnector(w.clientOwned.connector_id, { last_updated: w.later() })], last_updated: w.later() }),
  [`locations:RECEIVER:patch:${RECEIVER_LOCATION}/:evse_uid`]: (w) => ({ status: 'CHARGING', last_updated: w.later() }),
  [`locations:RECEIVER:put:${RECEIVER_LOCATION}/:evse_uid/:connector_id`]: (w, p) => aConnector(p.connector_id, { last_updated: w.later() }),
  [`locations:RECEIVER:patch:${RECEIVER_LOCATION}/:evse_uid/:connector_id`]: (w) => ({ max_amperage: 16, last_updated: w.later() }),
  'sessions:RECEIVER:put:/:country_code/:party_id/:session_id': (w, p) =>
    aSession(p.session_id, {
      ...owner(w),
      ...(w.cdrToken ? { cdr_token: w.cdrToken } : {}),
      charging_periods: [{ start_date_time: '2025-06-01T08:00:00Z', dimensions: [{ type: 'ENERGY', volume: 1.5 }] }],
      total_cost: { excl_vat: 1.25, incl_vat: 1.5 },
      last_updated: w.later(),
    }),
  'sessions:RECEIVER:patch:/:country_code/:party_id/:session_id': (w) => ({
    kwh: 2.5,
    charging_periods: [{ start_date_time: '2025-06-01T08:30:00Z', dimensions: [{ type: 'ENERGY', volume: 1 }] }],
    last_updated: w.later(),
  }),
  'tariffs:RECEIVER:put:/:country_code/:party_id/:tariff_id': (w, p) => aTariff(p.tariff_id, { ...owner(w), last_updated: w.later() }),
  'cdrs:RECEIVER:post:/': (w) => aCdr(w.clientOwned.cdr_id ?? 'CDR1', { ...owner(w), ...(w.cdrToken ? { cdr_token: w.cdrToken } : {}), last_updated: w.later() }),
  'tokens:RECEIVER:put:/:country_code/:party_id/:token_uid': (w, p) => aToken(w, p.token_uid),
  'tokens:RECEIVER:patch:/:country_code/:party_id/:token_uid': (w) => ({ valid: false, last_updated: w.later() }),
  'commands:RECEIVER:post:/:command': (w, p) => aCommand(w, p.command),
  'chargingprofiles:RECEIVER:put:/:session_id': (w) => ({
    charging_profile: {
      charging_rate_unit: 'W',
      min_charging_rate: 1000,
      charging_profile_period: [
        { start_period: 0, limit: 11000 },
        { start_period: 1800, limit: 7400.5 },
      ],
    },
    response_url: w.callbackUrl,
  }),
  'sessions:SENDER:put:/:session_id/charging_preferences': () => ({ profile_type: 'FAST', departure_time: '2099-01-01T18:00:00Z', energy_need: 20, discharge_allowed: false }),
  'credentials:SENDER:post:/': (w) => credentials(w),
  'credentials:SENDER:put:/': (w) => credentials(w),
};

export function knownSampleBody(key: string, world: World, params: Params): unknown {
  return SAMPLES[key]?.(world, params);
}

/** Routes that declare `z.unknown()` and validate per path parameter. */
export function knownBodySchema(key: string, params: Params): z.ZodType | undefined {
  if (key === 'commands:RECEIVER:post:/:command') return CommandBodies[params.command as CommandType];
  return undefined;
}
