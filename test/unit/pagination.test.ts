/** Paginated list GETs (src/ocpi/pagination.ts) and reading a peer's next-page Link (client.ts). */
import type { Request, Response } from 'express';
import { type PageRequest, parsePageRequest, writePageHeaders } from '../../src/ocpi/pagination.js';
import { parseNextLink } from '../../src/ocpi/client.js';
import { OcpiError } from '../../src/ocpi/errors.js';

const settings = { publicBaseUrl: 'https://ocpi.example.com/base', defaultLimit: 50, maxLimit: 1000 };

function headersOf(originalUrl: string, page: PageRequest, returned: number, total: number): Record<string, string> {
  const set: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => void (set[name] = value) } as unknown as Response;
  const req = { originalUrl, headers: { host: 'evil.example.org' } } as unknown as Request;
  writePageHeaders(req, res, page, returned, total, settings);
  return set;
}

function invalid(query: unknown): OcpiError {
  try {
    parsePageRequest(query, settings);
  } catch (e) {
    return e as OcpiError;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('parsePageRequest', () => {
  test('no parameters: offset 0 and the default limit', () => {
    expect(parsePageRequest({}, settings)).toEqual({ offset: 0, limit: 50, dateFrom: undefined, dateTo: undefined });
  });

  test('offset and limit come as query strings and are read as integers', () => {
    expect(parsePageRequest({ offset: '20', limit: '10' }, settings)).toMatchObject({ offset: 20, limit: 10 });
    expect(parsePageRequest({ limit: '0' }, settings)).toMatchObject({ limit: 0 });
  });

  test('a limit above the maximum is cut to the maximum, not refused', () => {
    expect(parsePageRequest({ limit: '2000' }, settings).limit).toBe(1000);
    expect(parsePageRequest({ limit: String(Number.MAX_SAFE_INTEGER) }, settings).limit).toBe(1000);
  });

  test('date_from and date_to are read as RFC 3339 UTC date-times', () => {
    expect(parsePageRequest({ date_from: '2024-01-31T13:00:00Z', date_to: '2024-02-01T00:00:00.500Z' }, settings)).toMatchObject({
      dateFrom: new Date('2024-01-31T13:00:00Z'),
      dateTo: new Date('2024-02-01T00:00:00.500Z'),
    });
  });

  test.each([
    [{ offset: '-1' }, 'offset'],
    [{ offset: '1.5' }, 'offset'],
    [{ offset: 'ten' }, 'offset'],
    [{ limit: '-5' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ offset: '1e300' }, 'offset'],
    [{ date_from: 'yesterday' }, 'date_from'],
    [{ date_to: '2024-13-01T00:00:00Z' }, 'date_to'],
  ])('%j is refused with OCPI 2001 naming %s', (query, field) => {
    const error = invalid(query);
    expect(error).toBeInstanceOf(OcpiError);
    expect(error.statusCode).toBe(2001);
    expect(error.message).toContain(field);
  });
});

describe('writePageHeaders', () => {
  test('a first page of a longer list: X-Total-Count, X-Limit and a Link to the next page', () => {
    expect(headersOf('/ocpi/cpo/2.2.1/locations?limit=10', { offset: 0, limit: 10 }, 10, 25)).toEqual({
      'X-Total-Count': '25',
      'X-Limit': '10',
      Link: '<https://ocpi.example.com/base/ocpi/cpo/2.2.1/locations?offset=10&limit=10>; rel="next"',
    });
  });

  test('the Link is built on the public base URL, never on the Host header, and repeats every other filter', () => {
    const link = headersOf('/ocpi/cpo/2.2.1/sessions?date_from=2024-01-01T00:00:00Z&date_to=2024-02-01T00:00:00Z&offset=5&limit=5', { offset: 5, limit: 5 }, 5, 100).Link;
    const url = new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]);
    expect(url.origin + url.pathname).toBe('https://ocpi.example.com/base/ocpi/cpo/2.2.1/sessions');
    expect(Object.fromEntries(url.searchParams)).toEqual({ date_from: '2024-01-01T00:00:00Z', date_to: '2024-02-01T00:00:00Z', offset: '10', limit: '5' });
    expect(url.searchParams.getAll('offset')).toEqual(['10']);
    expect(link).not.toContain('evil.example.org');
  });

  test('the next offset counts what this page returned, even when it holds fewer than the limit', () => {
    expect(headersOf('/x?offset=40&limit=20', { offset: 40, limit: 20 }, 7, 60).Link).toBe('<https://ocpi.example.com/base/x?offset=47&limit=20>; rel="next"');
  });

  test('the last page, and an empty page, have no Link', () => {
    expect(headersOf('/x?offset=20&limit=10', { offset: 20, limit: 10 }, 5, 25)).toEqual({ 'X-Total-Count': '25', 'X-Limit': '10' });
    expect(headersOf('/x?offset=30&limit=10', { offset: 30, limit: 10 }, 0, 25)).not.toHaveProperty('Link');
    expect(headersOf('/x', { offset: 0, limit: 0 }, 0, 25)).not.toHaveProperty('Link');
  });

  test('X-Limit is the limit the page was cut at, capped at the maximum, whatever the page holds', () => {
    expect(headersOf('/x?limit=2000', { offset: 0, limit: 2000 }, 3, 3)['X-Limit']).toBe('1000');
    expect(headersOf('/x', { offset: 0, limit: 50 }, 3, 3)['X-Limit']).toBe('50');
  });
});

describe('parseNextLink (the client following a peer)', () => {
  test.each([
    ['<https://peer/x?offset=10>; rel="next"', 'https://peer/x?offset=10'],
    ['<https://peer/x?offset=10>; rel=next', 'https://peer/x?offset=10'],
    ['<https://peer/x?offset=10>;rel="NEXT"', 'https://peer/x?offset=10'],
    ['<https://peer/x?offset=0>; rel="prev", <https://peer/x?offset=20>; rel="next"', 'https://peer/x?offset=20'],
    ['<https://peer/x?offset=0>; rel="prev"', null],
    ['https://peer/x?offset=10; rel="next"', null],
    ['', null],
    [undefined, null],
  ])('%j -> %j', (header, expected) => {
    expect(parseNextLink(header)).toBe(expected);
  });
});
