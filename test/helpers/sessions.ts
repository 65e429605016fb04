/** Builders for sessions and CDRs, valid by default. */
import { later } from './locations.js';

export function aSession(id = 'S1', overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'NL',
    party_id: 'CPO',
    id,
    start_date_time: '2025-06-01T08:00:00Z',
    kwh: 0,
    cdr_token: { country_code: 'DE', party_id: 'EMS', uid: 'RFID001', type: 'RFID', contract_id: 'DE-EMS-C00001-1' },
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: 'EVSE1',
    connector_id: '1',
    currency: 'EUR',
    status: 'ACTIVE',
    last_updated: later(),
    ...overrides,
  };
}

export function aCdr(id = 'CDR1', overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'NL',
    party_id: 'CPO',
    id,
    start_date_time: '2025-06-01T08:00:00Z',
    end_date_time: '2025-06-01T09:00:00Z',
    session_id: 'S1',
    cdr_token: { country_code: 'DE', party_id: 'EMS', uid: 'RFID001', type: 'RFID', contract_id: 'DE-EMS-C00001-1' },
    auth_method: 'WHITELIST',
    cdr_location: {
      id: 'LOC1',
      address: 'Stationsplein 1',
      city: 'Utrecht',
      postal_code: '3511 ED',
      country: 'NLD',
      coordinates: { latitude: '52.089444', longitude: '5.110278' },
      evse_uid: 'EVSE1',
      evse_id: 'NL*CPO*EEVSE1',
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_3_PHASE',
    },
    currency: 'EUR',
    charging_periods: [
      {
        start_date_time: '2025-06-01T08:00:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 11 },
          { type: 'TIME', volume: 1 },
        ],
      },
    ],
    total_cost: { excl_vat: 2.75, incl_vat: 3.33 },
    total_energy: 11,
    total_time: 1,
    last_updated: later(),
    ...overrides,
  };
}
