/**
 * Typed errors of the tariff engine. Each names the offending field as a JSON-style path
 * (`elements[1].restrictions.min_kwh`) so an API can return it to the peer verbatim and a
 * test can assert on it, instead of parsing a message.
 */
import type { z } from 'zod';
import { formatPath } from '../ocpi/json-path.js';

export { formatPath };

export interface FieldIssue {
  field: string;
  message: string;
}

export abstract class TariffEngineError extends Error {
  /** Path of the first offending field. */
  readonly field: string;
  /** Every problem found; the first one is repeated in `field` and `message`. */
  readonly issues: FieldIssue[];

  protected constructor(issues: FieldIssue[], prefix: string) {
    const first = issues[0] ?? { field: '', message: 'invalid input' };
    super(`${prefix}: ${first.field ? `${first.field}: ` : ''}${first.message}`);
    this.name = new.target.name;
    this.field = first.field;
    this.issues = issues;
  }
}

/** The tariff itself is malformed or nonsensical; pricing with it would give a wrong amount. */
export class TariffValidationError extends TariffEngineError {
  constructor(issues: FieldIssue[]) {
    super(issues, 'Invalid tariff');
  }
}

/** The charging periods, meter timeline or pricing context cannot be priced as given. */
export class PricingInputError extends TariffEngineError {
  constructor(issues: FieldIssue[]) {
    super(issues, 'Invalid pricing input');
  }
}

/** A CDR cannot be assembled from the session, location and tariffs given. */
export class CdrBuildError extends TariffEngineError {
  constructor(issues: FieldIssue[]) {
    super(issues, 'Cannot build CDR');
  }
}

export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ field: formatPath(issue.path, prefix), message: issue.message }));
}
