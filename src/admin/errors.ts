/** Admin API errors: plain JSON `{error: {code, message, fields?}}` with a meaningful HTTP status. */
import type { NextFunction, Request, Response } from 'express';
import type { ZodError } from 'zod';
import { HandshakeError } from '../platform/peers/handshake.js';
import { OcpiError } from '../ocpi/errors.js';
import { DomainError, type DomainErrorKind } from '../platform/domain-error.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, isServiceUnavailable } from '../platform/unavailable.js';

const DOMAIN_STATUS: Record<DomainErrorKind, number> = { not_found: 404, conflict: 409, invalid: 400, forbidden: 403 };

export class AdminError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly fields?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AdminError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new AdminError(409, 'conflict', message);

export function validationError(error: ZodError, where: string): AdminError {
  const fields = error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return new AdminError(400, 'validation_failed', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
}

export function adminErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  let error: AdminError;
  const e = err as { type?: string; status?: number } & Error;
  if (err instanceof AdminError) error = err;
  else if (err instanceof DomainError) error = new AdminError(DOMAIN_STATUS[err.kind], err.kind === 'invalid' ? 'validation_failed' : err.kind, err.message, err.fields);
  else if (err instanceof HandshakeError) error = new AdminError(err.httpStatus, err.ocpiStatus ? `ocpi_${err.ocpiStatus}` : 'handshake_failed', err.message);
  else if (err instanceof OcpiError) error = new AdminError(err.httpStatus >= 400 ? err.httpStatus : 400, `ocpi_${err.statusCode}`, err.message);
  else if (e?.type === 'entity.parse.failed') error = new AdminError(400, 'invalid_json', 'Request body is not valid JSON');
  else if (e?.type === 'entity.too.large') error = new AdminError(413, 'too_large', 'Request body is too large');
  else if (isServiceUnavailable(err)) {
    req.ocpi?.log.warn({ err: e?.message }, 'storage unavailable during admin request');
    if (!res.headersSent) res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    error = new AdminError(503, 'unavailable', 'Service temporarily unavailable, please retry later');
  } else {
    req.ocpi?.log.error({ err }, 'unhandled error in admin request');
    error = new AdminError(500, 'internal', 'Internal server error');
  }
  // The code alone goes into the audit log (admin/audit.ts): the message may quote the input.
  res.locals.errorCode = error.code;
  if (res.headersSent) return;
  res.status(error.httpStatus).json({ error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } });
}
