/**
 * The errors an OCPI handler throws. Each carries the OCPI status code and the HTTP status it
 * goes out with, so the error middleware needs no knowledge of the cause.
 */
import type { ZodError } from 'zod';
import { OcpiStatus } from './status.js';

export class OcpiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly httpStatus = 200,
    readonly data?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 2001 naming the fields. HTTP 200 by default: the digest's choice for authenticated requests. */
export function invalidParameters(message: string, httpStatus = 200): OcpiError {
  return new OcpiError(OcpiStatus.INVALID_PARAMETERS, message, httpStatus);
}

export function unauthorized(message = 'Missing or unknown credentials token'): OcpiError {
  return new OcpiError(OcpiStatus.CLIENT_ERROR, message, 401, undefined, { 'WWW-Authenticate': 'Token' });
}

export function notFound(message: string, statusCode: number = OcpiStatus.CLIENT_ERROR): OcpiError {
  return new OcpiError(statusCode, message, 404);
}

export function methodNotAllowed(message: string): OcpiError {
  return new OcpiError(OcpiStatus.CLIENT_ERROR, message, 405);
}

/** Turns zod issues into one message that names every offending field by its JSON path. */
export function describeZodError(error: ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => {
      const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${where || '(body)'}: ${issue.message}`;
    })
    .join('; ');
}

export function fromZod(error: ZodError, prefix = ''): OcpiError {
  return invalidParameters(`Invalid or missing parameters: ${describeZodError(error, prefix)}`);
}
