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
import type { Connector, Evse, Location } from '../../src/model/location.js';
import type { ReceivedTariff } from '../../src/model/tariff.js';
import { connectorTo211, evseTo211, locationTo211 } from '../../src/modules/2.1.1/locations/translate.js';
import { tariffTo211 } from '../../src/modules/2.1.1/tariffs/translate.js';
import { commandTo211 } from '../../src/modules/2.1.1/commands/translate.js';
import type { CommandType211 } from '../../src/modules/2.1.1/commands/schemas.js';
import { tokenTo211 } from '../../src/modules/2.1.1/tokens/translate.js';
import type { Token } from '../../src/model/token.js';
import type { Cdr } from '../../src/model/cdr.js';
import type { Session } from '../../src/model/session.js';
import { sessionTo211 } from '../../src/modules/2.1.1/sessions/translate.js';
import { cdrLocationTo211, cdrTo211 } from '../../src/modules/2.1.1/cdrs/translate.js';
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

/** OCPI 2.1.1 bodies: the 2.2.1 samples in the 2.1.1 wire form (the platform's own translation). */
const SAMPLES_211: Record<string, (w: World, p: Params) => unknown> = {
  [`locations:RECEIVER:put:${RECEIVER_LOCATION}`]: (w, p) => locationTo211(SAMPLES[`locations:RECEIVER:put:${RECEIVER_LOCATION}`](w, p) as Location),
  [`locations:RECEIVER:put:${RECEIVER_LOCATION}/:evse_uid`]: (w, p) => evseTo211(SAMPLES[`locations:RECEIVER:put:${RECEIVER_LOCATION}/:evse_uid`](w, p) as Evse),
  [`locations:RECEIVER:put:${RECEIVER_LOCATION}/:evse_uid/:connector_id`]: (w, p) =>
    connectorTo211(SAMPLES[`locations:RECEIVER:put:${RECEIVER_LOCATION}/:evse_uid/:connector_id`](w, p) as Connector),
  [`locations:RECEIVER:patch:${RECEIVER_LOCATION}/:evse_uid/:connector_id`]: (w) => ({ amperage: 16, last_updated: w.later() }),
  'tariffs:RECEIVER:put:/:country_code/:party_id/:tariff_id': (w, p) => tariffTo211(aTariff(p.tariff_id, { ...owner(w), last_updated: w.later() }) as ReceivedTariff),
  // A 2.1.1 Session embeds its location (with the one EVSE and connector); a CDR its CdrLocation's.
  'sessions:RECEIVER:put:/:country_code/:party_id/:session_id': (w, p) => {
    const session = SAMPLES['sessions:RECEIVER:put:/:country_code/:party_id/:session_id'](w, p) as Session;
    const evse = anEvse(session.evse_uid, { connectors: [aConnector(session.connector_id, { last_updated: w.later() })], last_updated: w.later() });
    return sessionTo211(session, locationTo211(aLocation(session.location_id, { ...owner(w), evses: [evse], last_updated: w.later() }) as Location));
  },
  'cdrs:RECEIVER:post:/': (w, p) => {
    const cdr = SAMPLES['cdrs:RECEIVER:post:/'](w, p) as Cdr;
    return cdrTo211(cdr, cdrLocationTo211(cdr.cdr_location, null, cdr.last_updated));
  },
  'tokens:RECEIVER:put:/:country_code/:party_id/:token_uid': (w, p) => tokenTo211(aToken(w, p.token_uid) as Token),
  // 2.1.1 has one route per command, and an integer reservation_id.
  ...Object.fromEntries(
    (['START_SESSION', 'STOP_SESSION', 'RESERVE_NOW', 'UNLOCK_CONNECTOR'] as CommandType211[]).map((c) => [
      `commands:RECEIVER:post:/${c}`,
      // The 2.1.1 command carries a complete Token.
      (w: World) => {
        const command = aCommand(w, c);
        const token = command.token ? { token: aToken(w, callerToken(w).uid) } : {};
        return commandTo211(c, { ...command, ...token, ...(c === 'RESERVE_NOW' ? { reservation_id: '1' } : {}) });
      },
    ]),
  ),
  'credentials:SENDER:post:/': (w) => ({ token: `fuzz-${Math.random().toString(36).slice(2)}`, url: w.versionsUrl, ...owner(w), business_details: aBusinessDetails('Fuzz peer') }),
  'credentials:SENDER:put:/': (w) => ({ token: `fuzz-${Math.random().toString(36).slice(2)}`, url: w.versionsUrl, ...owner(w), business_details: aBusinessDetails('Fuzz peer') }),
};

export function knownSampleBody(key: string, world: World, params: Params, version?: string): unknown {
  if (version === '2.1.1') return (SAMPLES_211[key] ?? SAMPLES[key])?.(world, params);
  return SAMPLES[key]?.(world, params);
}

/** Routes that declare `z.unknown()` and validate per path parameter. */
export function knownBodySchema(key: string, params: Params): z.ZodType | undefined {
  if (key === 'commands:RECEIVER:post:/:command') return CommandBodies[params.command as CommandType];
  return undefined;
}
