/** The retry judgement of a failed delivery (src/delivery/retry-policy.ts), as a table. */
import { isUnknownObject, judgeFailure } from '../../src/delivery/retry-policy.js';
import { type CallFailureKind, OcpiCallError } from '../../src/ocpi/client.js';

const failure = (kind: CallFailureKind, httpStatus?: number, ocpiStatus?: number, retryAfterMs?: number) =>
  new OcpiCallError(kind, `${kind} ${httpStatus ?? ''} ${ocpiStatus ?? ''}`.trim(), httpStatus, ocpiStatus, retryAfterMs);

describe('judgeFailure: retry or give up, and whether the whole peer waits', () => {
  test.each([
    // kind, HTTP, OCPI, retry, peerLevel
    ['network', undefined, undefined, true, true],
    ['timeout', undefined, undefined, true, true],
    ['http', 500, undefined, true, true],
    ['http', 502, undefined, true, true],
    ['http', 503, undefined, true, true],
    ['http', 408, undefined, true, true],
    ['http', 429, undefined, true, true],
    ['http', 400, undefined, false, undefined],
    ['http', 401, undefined, false, undefined],
    ['http', 403, undefined, false, undefined],
    ['http', 404, undefined, false, undefined],
    ['http', 405, undefined, false, undefined],
    ['http', 400, 1000, false, undefined],
    ['envelope', 200, undefined, true, false],
    ['ocpi', 200, 2000, false, undefined],
    ['ocpi', 200, 2001, false, undefined],
    ['ocpi', 404, 2003, false, undefined],
    ['ocpi', 404, 2004, false, undefined],
    ['ocpi', 200, 3000, true, false],
    ['ocpi', 200, 3001, true, false],
    ['ocpi', 200, 3002, true, false],
    ['ocpi', 200, 4000, true, true],
    ['ocpi', 200, 4001, true, true],
    ['policy', undefined, undefined, false, undefined],
  ] as Array<[CallFailureKind, number | undefined, number | undefined, boolean, boolean | undefined]>)(
    '%s HTTP %s OCPI %s: retry %s, peer-level %s',
    (kind, http, ocpi, retry, peerLevel) => {
      const verdict = judgeFailure(failure(kind, http, ocpi));
      expect(verdict.retry).toBe(retry);
      if (verdict.retry) expect(verdict.peerLevel).toBe(peerLevel);
    },
  );

  test('an error that is not a call failure (a bug, a dropped database connection) is retried for this message only', () => {
    expect(judgeFailure(new Error('connection terminated'))).toEqual({ retry: true, peerLevel: false, reason: 'connection terminated' });
    expect(judgeFailure('weird')).toEqual({ retry: true, peerLevel: false, reason: 'weird' });
  });

  test('the reason is the error message, cut at 1000 characters', () => {
    expect(judgeFailure(failure('http', 400)).reason).toBe('http 400');
    expect(judgeFailure(new Error('x'.repeat(5000))).reason).toHaveLength(1000);
  });

  test('Retry-After is passed on for HTTP 429/503 and OCPI 3xxx/4xxx answers, and never for a failure that is not retried', () => {
    expect(judgeFailure(failure('http', 429, undefined, 2000))).toMatchObject({ retry: true, retryAfterMs: 2000 });
    expect(judgeFailure(failure('http', 503, undefined, 0))).toMatchObject({ retry: true, retryAfterMs: 0 });
    expect(judgeFailure(failure('ocpi', 200, 4000, 1500))).toMatchObject({ retry: true, retryAfterMs: 1500 });
    expect(judgeFailure(failure('ocpi', 200, 3000, 1500))).toMatchObject({ retry: true, retryAfterMs: 1500 });
    expect(judgeFailure(failure('http', 400, undefined, 2000))).not.toHaveProperty('retryAfterMs');
    expect(judgeFailure(failure('ocpi', 200, 2001, 2000))).not.toHaveProperty('retryAfterMs');
    expect(judgeFailure(failure('http', 500))).toEqual({ retry: true, peerLevel: true, retryAfterMs: undefined, reason: 'http 500' });
  });
});

describe('isUnknownObject: the peer does not hold what a PATCH addressed', () => {
  test.each([
    ['http', 404, undefined, true],
    ['ocpi', 404, 2003, true],
    ['ocpi', 200, 2003, true],
    ['ocpi', 200, 2004, true],
    ['http', 400, 2003, true],
    ['ocpi', 404, 2001, true],
    ['ocpi', 200, 2001, false],
    ['ocpi', 200, 2000, false],
    ['http', 400, undefined, false],
    ['http', 500, undefined, false],
    ['network', undefined, undefined, false],
    ['timeout', undefined, undefined, false],
    ['envelope', 404, 2003, false],
    ['policy', 404, undefined, false],
  ] as Array<[CallFailureKind, number | undefined, number | undefined, boolean]>)('%s HTTP %s OCPI %s -> %s', (kind, http, ocpi, expected) => {
    expect(isUnknownObject(failure(kind, http, ocpi))).toBe(expected);
  });

  test('an error that is not a call failure is not an unknown object', () => {
    expect(isUnknownObject(new Error('404'))).toBe(false);
  });
});
