/** Pure rules of the hub: reading a relayed answer's status code cheaply, who receives a broadcast, and how 2.1.1 parties are served. */
import { receiverDepth, senderDepth } from '../../src/hub/bridge.js';
import { oppositeRoles } from '../../src/hub/broadcast.js';
import { oneSidedHubEndpoints } from '../../src/hub/endpoints.js';
import { interfaceFacing } from '../../src/hub/policy.js';
import { peerRoleOf } from '../../src/modules/2.1.1/versions/client.js';
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

describe('OCPI 2.1.1 through the hub (one party per connection)', () => {
  const v211 = hubPolicies.find((p) => p.version === '2.1.1')!;
  test('the 2.1.1 policy routes the modules whose 2.1.1 descriptors declare it, and is one-party; 2.2.1 is not', () => {
    expect(v211.path).toBe('/hub/2.1.1');
    expect(v211.routed).toEqual(expect.arrayContaining(['locations', 'tariffs']));
    expect(v211.routed).not.toContain('chargingprofiles');
    expect(v211.routed).not.toContain('hubclientinfo');
    expect(v211.oneParty).toBe(true);
    expect(policy.oneParty).toBe(false);
  });
  test.each([
    ['CPO', 'locations', 'RECEIVER'],
    ['CPO', 'tariffs', 'RECEIVER'],
    ['EMSP', 'locations', 'SENDER'],
    ['EMSP', 'tariffs', 'SENDER'],
  ])('a %s calling the role-free hub URL of %s reaches the %s interface', (role, module, expected) => {
    expect(interfaceFacing(v211, module, [role])).toBe(expected);
  });
  test('the role-free URLs of the 2.1.1 version details: one per routed module', () => {
    expect(oneSidedHubEndpoints(v211, 'https://hub.example')).toEqual(v211.routed.map((m) => ({ identifier: m, url: `https://hub.example/ocpi/hub/2.1.1/${m}` })));
  });
  test("a 2.1.1 peer's role read from its endpoint URLs; neither or both is refused with 3003 naming why", () => {
    const at = (path: string) => [
      { identifier: 'credentials', url: 'https://p.example/ocpi/2.1.1/credentials' },
      { identifier: 'locations', url: `https://p.example/ocpi/${path}/2.1.1/locations` },
    ];
    expect(peerRoleOf(at('cpo'))).toBe('CPO');
    expect(peerRoleOf(at('EMSP'))).toBe('EMSP');
    expect(() => peerRoleOf(at('x'))).toThrow(expect.objectContaining({ statusCode: 3003, message: expect.stringContaining('/cpo/') }));
    expect(() => peerRoleOf([...at('cpo'), { identifier: 'tokens', url: 'https://p.example/emsp/tokens' }])).toThrow(expect.objectContaining({ statusCode: 3003 }));
  });
  test('the level of objects a SENDER or RECEIVER GET answers with, as translations read it', () => {
    expect(senderDepth('')).toBe(3);
    expect(senderDepth('/LOC1')).toBe(3);
    expect(senderDepth('/LOC1/EVSE1')).toBe(4);
    expect(senderDepth('/LOC1/EVSE1/1?x=1')).toBe(5);
    expect(receiverDepth('/NL/CPO/LOC1')).toBe(3);
    expect(receiverDepth('/NL/CPO/LOC1/EVSE1')).toBe(4);
  });
});
