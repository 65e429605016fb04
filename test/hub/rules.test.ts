/** Pure rules of the hub: reading a relayed answer's status code cheaply, and who receives a broadcast. */
import { oppositeRoles } from '../../src/hub/broadcast.js';
import { envelopeStatus } from '../../src/hub/forward.js';
import { hubPolicies } from '../../src/modules/registry.js';

const policy = hubPolicies.find((p) => p.version === '2.2.1')!;

const big = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `LOC${i}`, name: 'x'.repeat(50) }));

test('finds the status code of a large envelope at its end or its start', () => {
  expect(envelopeStatus(JSON.stringify({ data: big(200), status_code: 1000, timestamp: '2026-01-01T00:00:00Z' }))).toBe(1000);
  expect(envelopeStatus(JSON.stringify({ status_code: 2001, status_message: 'bad', data: big(200) }))).toBe(2001);
});

test('small answers are parsed whole; text that is not an envelope is null', () => {
  expect(envelopeStatus('{"status_code":3001}')).toBe(3001);
  expect(envelopeStatus('')).toBeNull();
  expect(envelopeStatus('<html>bad gateway</html>')).toBeNull();
  expect(envelopeStatus(`<html>${'"status_code": 1000 '.repeat(200)}</html>`)).toBeNull();
  expect(envelopeStatus('{"data":[]}')).toBeNull();
});

describe('who receives a broadcast', () => {
  test('CPO data goes to eMSP-like roles, eMSP-like data to CPOs; the module decides for a party with both roles', () => {
    expect(oppositeRoles(policy, ['CPO'], 'locations')).toEqual(['EMSP', 'NSP', 'NAP', 'OTHER']);
    expect(oppositeRoles(policy, ['OTHER'], 'tokens')).toEqual(['CPO']);
    expect(oppositeRoles(policy, ['CPO', 'EMSP'], 'tokens')).toEqual(['CPO']);
    expect(oppositeRoles(policy, ['CPO', 'EMSP'], 'locations')).toEqual(['EMSP', 'NSP', 'NAP', 'OTHER']);
  });
});

describe('the hub treats each module as its descriptor says', () => {
  const sorted = (s: ReadonlySet<string>) => [...s].sort();
  test('functional modules are routed; configuration modules (credentials, versions, hubclientinfo) are not', () => {
    expect(policy.path).toBe('/hub/2.2.1');
    expect(policy.routed).toEqual(['cdrs', 'chargingprofiles', 'commands', 'locations', 'sessions', 'tariffs', 'tokens']);
  });
  test('client-owned objects, broadcastable pushes, personal data by cdr_token and callbacks follow transport §9', () => {
    expect(sorted(policy.clientOwned)).toEqual(['locations', 'sessions', 'tariffs', 'tokens']);
    expect(sorted(policy.broadcast)).toEqual(['locations', 'tariffs', 'tokens']);
    expect(sorted(policy.routedByTokenOwner)).toEqual(['cdrs', 'sessions']);
    expect(sorted(policy.callbacks)).toEqual(['chargingprofiles', 'commands']);
  });
  test("CPO data is the data of modules whose SENDER interface is the CPO's", () => {
    expect(sorted(policy.cpoData)).toEqual(['cdrs', 'locations', 'sessions', 'tariffs']);
  });
});
