/** Pure rules of the hub: reading a relayed answer's status code cheaply, and who receives a broadcast. */
import { oppositeRoles } from '../../src/hub/broadcast.js';
import { envelopeStatus } from '../../src/hub/forward.js';

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
    expect(oppositeRoles(['CPO'], 'locations')).toEqual(['EMSP', 'NSP', 'NAP', 'OTHER']);
    expect(oppositeRoles(['OTHER'], 'tokens')).toEqual(['CPO']);
    expect(oppositeRoles(['CPO', 'EMSP'], 'tokens')).toEqual(['CPO']);
    expect(oppositeRoles(['CPO', 'EMSP'], 'locations')).toEqual(['EMSP', 'NSP', 'NAP', 'OTHER']);
  });
});
