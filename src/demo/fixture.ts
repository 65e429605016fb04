/**
 * The demo's charging network: a CPO in Utrecht with three stations and two tariffs, the
 * driver's token at the eMSP, and (with `--scsp`) a smart charging provider. Realistic enough to
 * read in a timeline; valid OCPI 2.2.1.
 */
export const CPO = { country_code: 'NL', party_id: 'UCP', name: 'Utrecht Charge Points' };
export const EMSP = { country_code: 'DE', party_id: 'EMX', name: 'eMobility X' };
/** With `--scsp`: the Smart Charging Service Provider the CPO delegates its Utrecht Centraal garage to. */
export const SCSP = { country_code: 'NL', party_id: 'GRD', name: 'GridWise Smart Charging' };

const now = () => new Date().toISOString();

function connector(id: string, tariffId: string, kw: 'AC' | 'DC') {
  return kw === 'AC'
    ? {
        id,
        standard: 'IEC_62196_T2',
        format: 'SOCKET',
        power_type: 'AC_3_PHASE',
        max_voltage: 230,
        max_amperage: 32,
        max_electric_power: 22000,
        tariff_ids: [tariffId],
        last_updated: now(),
      }
    : {
        id,
        standard: 'IEC_62196_T2_COMBO',
        format: 'CABLE',
        power_type: 'DC',
        max_voltage: 920,
        max_amperage: 500,
        max_electric_power: 300000,
        tariff_ids: [tariffId],
        last_updated: now(),
      };
}

function evse(uid: string, evseId: string, tariffId: string, kind: 'AC' | 'DC') {
  return {
    uid,
    evse_id: evseId,
    status: 'AVAILABLE',
    capabilities: ['REMOTE_START_STOP_CAPABLE', 'RFID_READER', 'CHARGING_PROFILE_CAPABLE'],
    connectors: [connector('1', tariffId, kind)],
    last_updated: now(),
  };
}

export function locations() {
  const base = { country_code: CPO.country_code, party_id: CPO.party_id, publish: true, country: 'NLD', time_zone: 'Europe/Amsterdam', parking_type: 'ON_STREET' };
  return [
    {
      ...base,
      id: 'UTR-CENTRAAL',
      name: 'Utrecht Centraal P+R',
      address: 'Jaarbeursplein 6',
      city: 'Utrecht',
      postal_code: '3521 AL',
      coordinates: { latitude: '52.089450', longitude: '5.107500' },
      parking_type: 'PARKING_GARAGE',
      evses: [evse('UCP-CEN-01', 'NL*UCP*E0001', 'AC-STANDARD', 'AC'), evse('UCP-CEN-02', 'NL*UCP*E0002', 'AC-STANDARD', 'AC')],
      opening_times: { twentyfourseven: true },
      last_updated: now(),
    },
    {
      ...base,
      id: 'UTR-MALIEBAAN',
      name: 'Maliebaan',
      address: 'Maliebaan 45',
      city: 'Utrecht',
      postal_code: '3581 CD',
      coordinates: { latitude: '52.088900', longitude: '5.129800' },
      evses: [evse('UCP-MAL-01', 'NL*UCP*E0101', 'AC-STANDARD', 'AC')],
      last_updated: now(),
    },
    {
      ...base,
      id: 'A12-OUDENRIJN',
      name: 'A12 Oudenrijn fast charging',
      address: 'Oudenrijnseweg 2',
      city: 'Utrecht',
      postal_code: '3454 PR',
      coordinates: { latitude: '52.069700', longitude: '5.054100' },
      parking_type: 'ALONG_MOTORWAY',
      evses: [evse('UCP-A12-01', 'NL*UCP*E0201', 'DC-FAST', 'DC'), evse('UCP-A12-02', 'NL*UCP*E0202', 'DC-FAST', 'DC')],
      opening_times: { twentyfourseven: true },
      last_updated: now(),
    },
  ];
}

export function tariffs() {
  const base = { country_code: CPO.country_code, party_id: CPO.party_id, currency: 'EUR', type: 'REGULAR' };
  return [
    {
      ...base,
      id: 'AC-STANDARD',
      tariff_alt_text: [{ language: 'en', text: '€0.35 start, €0.39/kWh; €1.20/h parking after 3 hours' }],
      elements: [
        {
          price_components: [
            { type: 'FLAT', price: 0.35, vat: 21, step_size: 1 },
            { type: 'ENERGY', price: 0.39, vat: 21, step_size: 1 },
          ],
        },
        { price_components: [{ type: 'TIME', price: 1.2, vat: 21, step_size: 60 }], restrictions: { min_duration: 10800 } },
      ],
      last_updated: now(),
    },
    {
      ...base,
      id: 'DC-FAST',
      tariff_alt_text: [{ language: 'en', text: '€0.69/kWh' }],
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.69, vat: 21, step_size: 1 }] }],
      last_updated: now(),
    },
  ];
}

export function driverToken() {
  return {
    country_code: EMSP.country_code,
    party_id: EMSP.party_id,
    uid: 'DEMO-RFID-0001',
    type: 'APP_USER',
    contract_id: 'DE-EMX-C00000001-X',
    visual_number: 'EMX 0001',
    issuer: EMSP.name,
    valid: true,
    whitelist: 'ALLOWED',
    language: 'en',
    last_updated: now(),
  };
}

export function businessDetails(name: string) {
  return { name, website: 'https://example.com' };
}
