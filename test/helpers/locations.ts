/** Builders for OCPI locations, valid by default. */
let clock = Date.UTC(2025, 5, 1, 8, 0, 0);
/** A strictly increasing timestamp, so every change is newer than the one before. */
export function later(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

export function aConnector(id = '1', overrides: Record<string, unknown> = {}) {
  return { id, standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32, tariff_ids: ['T1'], last_updated: later(), ...overrides };
}

export function anEvse(uid = 'EVSE1', overrides: Record<string, unknown> = {}) {
  return {
    uid,
    evse_id: `NL*CPO*E${uid}`,
    status: 'AVAILABLE',
    capabilities: ['REMOTE_START_STOP_CAPABLE', 'RFID_READER'],
    connectors: [aConnector('1')],
    last_updated: later(),
    ...overrides,
  };
}

export function aLocation(id = 'LOC1', overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'NL',
    party_id: 'CPO',
    id,
    publish: true,
    name: `Station ${id}`,
    address: 'Stationsplein 1',
    city: 'Utrecht',
    postal_code: '3511 ED',
    country: 'NLD',
    coordinates: { latitude: '52.089444', longitude: '5.110278' },
    parking_type: 'ON_STREET',
    evses: [anEvse('EVSE1'), anEvse('EVSE2')],
    time_zone: 'Europe/Amsterdam',
    last_updated: later(),
    ...overrides,
  };
}
