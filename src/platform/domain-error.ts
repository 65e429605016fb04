/**
 * A rule of the domain was broken. Services throw it without knowing HTTP; the admin API and
 * the OCPI layer each translate the kind into their own status codes.
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'forbidden';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly fields?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}
