/**
 * The version-neutral conversion between OCPI charging profiles and OCPP charging schedules
 * (src/backends/ocpp/profiles.ts), and how 2.0.1 signed readings and units become meter samples.
 */
import { activeProfileOf, scheduleOf } from '../../../src/backends/ocpp/profiles.js';
import { samplesOf201, signedTextOf } from '../../../src/backends/ocpp/v201.js';

describe('OCPI ChargingProfile -> OCPP schedule', () => {
  test('a profile with a start is Absolute from that start, its periods sorted by start', () => {
    expect(
      scheduleOf({
        start_date_time: '2026-12-05T10:00:00Z',
        duration: 7200,
        charging_rate_unit: 'W',
        min_charging_rate: 1400.5,
        charging_profile_period: [
          { start_period: 3600, limit: 3700 },
          { start_period: 0, limit: 11000 },
        ],
      }),
    ).toEqual({
      kind: 'Absolute',
      startSchedule: '2026-12-05T10:00:00.000Z',
      duration: 7200,
      chargingRateUnit: 'W',
      minChargingRate: 1400.5,
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 11000 },
        { startPeriod: 3600, limit: 3700 },
      ],
    });
  });

  test('a profile without a start is Relative to the start of charging; null fields are left out', () => {
    expect(
      scheduleOf({ start_date_time: null, duration: null, charging_rate_unit: 'A', min_charging_rate: null, charging_profile_period: [{ start_period: 0, limit: 16 }] }),
    ).toEqual({
      kind: 'Relative',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
    });
  });

  test('a profile without periods has no OCPP schedule', () => {
    expect(scheduleOf({ charging_rate_unit: 'W', charging_profile_period: [] })).toBeNull();
    expect(scheduleOf({ charging_rate_unit: 'W' })).toBeNull();
  });
});

describe('OCPP composite schedule -> OCPI ActiveChargingProfile', () => {
  test('offsets count from the schedule start; limits keep one decimal, as OCPI allows', () => {
    expect(
      activeProfileOf({
        scheduleStart: '2026-12-05T10:00:00+01:00',
        duration: 900,
        chargingRateUnit: 'A',
        minChargingRate: 6.04,
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: 15.96 },
          { startPeriod: 600, limit: 8 },
        ],
      }),
    ).toEqual({
      start_date_time: '2026-12-05T09:00:00.000Z',
      charging_profile: {
        start_date_time: '2026-12-05T09:00:00.000Z',
        duration: 900,
        charging_rate_unit: 'A',
        min_charging_rate: 6,
        charging_profile_period: [
          { start_period: 0, limit: 16 },
          { start_period: 600, limit: 8 },
        ],
      },
    });
  });
});

describe('2.0.1 meter values', () => {
  test('signedMeterData is read as Base64 when it holds OCMF, and taken as is when it is OCMF text', () => {
    const ocmf = 'OCMF|{"FV":"1.0"}|{"SD":"00"}';
    expect(signedTextOf(Buffer.from(ocmf).toString('base64'))).toBe(ocmf);
    expect(signedTextOf(ocmf)).toBe(ocmf);
    expect(signedTextOf('not-ocmf')).toBe('not-ocmf');
  });

  test('units and multipliers scale the register and power; per-phase values are left out', () => {
    const [sample] = samplesOf201([
      {
        timestamp: '2026-12-05T10:00:00Z',
        sampledValue: [
          { value: 12.5, unitOfMeasure: { unit: 'kWh' } },
          { value: 3, measurand: 'Energy.Active.Import.Register', phase: 'L1', unitOfMeasure: { unit: 'kWh' } },
          { value: 7.4, measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } },
          {
            value: 12.5,
            context: 'Sample.Clock',
            unitOfMeasure: { unit: 'kWh' },
            signedMeterValue: { signedMeterData: 'OCMF|{}|{}', signingMethod: 'x', encodingMethod: 'OCMF', publicKey: 'KEY' },
          },
        ],
      },
    ]);
    expect(sample).toEqual({
      at: new Date('2026-12-05T10:00:00Z'),
      energyWh: 12_500,
      powerW: 7400,
      signed: [{ value: 'OCMF|{}|{}', context: 'Sample.Clock', publicKey: 'KEY' }],
    });
  });
});
