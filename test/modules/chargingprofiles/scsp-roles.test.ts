/**
 * SCSP as a role in what we advertise: the interfaces an SCSP needs exist for it, and a version's
 * details list one chargingprofiles RECEIVER however many of our roles need one.
 */
import { moduleInterfaces } from '../../../src/modules/registry.js';
import { advertisedEndpoints } from '../../../src/modules/2.2.1/versions/service.js';
import { servedRoles } from '../../../src/ocpi/registry-types.js';

const BASE = 'https://ocpi.example.com';
const listed = (roles: Array<'CPO' | 'EMSP' | 'SCSP'>) =>
  advertisedEndpoints([...moduleInterfaces], '2.2.1', new Set(roles), BASE).map((e) => `${e.identifier}:${e.role} ${e.url.slice(BASE.length)}`);

test('an SCSP-only platform offers the sessions RECEIVER and the chargingprofiles SENDER, nothing of a CPO or an eMSP besides', () => {
  expect(listed(['SCSP'])).toEqual([
    'credentials:SENDER /ocpi/2.2.1/credentials',
    'sessions:RECEIVER /ocpi/emsp/2.2.1/sessions',
    'chargingprofiles:SENDER /ocpi/emsp/2.2.1/chargingprofiles',
  ]);
});

test('an eMSP offers its relay RECEIVER; beside a CPO only the CPO one is listed, and it answers for both', () => {
  expect(listed(['EMSP']).filter((e) => e.startsWith('chargingprofiles'))).toEqual([
    'chargingprofiles:RECEIVER /ocpi/emsp/2.2.1/chargingprofiles/receiver',
    'chargingprofiles:SENDER /ocpi/emsp/2.2.1/chargingprofiles',
  ]);
  expect(listed(['CPO', 'EMSP']).filter((e) => e.startsWith('chargingprofiles'))).toEqual([
    'chargingprofiles:RECEIVER /ocpi/cpo/2.2.1/chargingprofiles',
    'chargingprofiles:SENDER /ocpi/emsp/2.2.1/chargingprofiles',
  ]);
  const cpoReceiver = moduleInterfaces.find((i) => i.identifier === 'chargingprofiles' && i.role === 'RECEIVER' && i.owner === 'CPO');
  expect(cpoReceiver && servedRoles(cpoReceiver, moduleInterfaces)).toEqual(['CPO', 'EMSP']);
  const sessionsReceiver = moduleInterfaces.find((i) => i.identifier === 'sessions' && i.role === 'RECEIVER');
  expect(sessionsReceiver && servedRoles(sessionsReceiver, moduleInterfaces)).toEqual(['EMSP', 'SCSP']);
});
