/**
 * A CDR explained the way a billing team reads it: re-priced with the tariffs it carries over its
 * own charging periods, broken down by explain(), and compared with the total the CDR states. The
 * same check serves the CPO (what it billed) and the eMSP (what it was billed).
 */
import type { Cdr } from '../model/cdr.js';
import { TariffEngineError } from './errors.js';
import { type Explanation, explain } from './explain.js';
import { fastPrice as price } from './fast/fast-price.js';

export interface CdrExplanation {
  /** The breakdown (lines to read, and the same in structure); null when the CDR cannot be re-priced. */
  explanation: Explanation | null;
  /** Our price of the CDR's periods under its tariffs, excl. and incl. VAT. */
  repriced: { excl_vat: number; incl_vat: number | null } | null;
  /** Whether the CDR's total_cost.excl_vat is ours to the cent; null when not re-priced. */
  matches_cdr: boolean | null;
  /** Why it could not be re-priced, or what the engine noticed (e.g. an assumed time zone). */
  notes: string[];
}

type ExplainableCdr = Pick<Cdr, 'tariffs' | 'charging_periods' | 'start_date_time' | 'end_date_time' | 'total_cost'>;

/** `timeZone`: the location's (restrictions are local times); null when unknown, UTC is then assumed and said. */
export function explainCdr(cdr: ExplainableCdr, timeZone: string | null): CdrExplanation {
  const notes = timeZone ? [] : ['The location is not known here: its time zone is taken as UTC for time restrictions'];
  if (!cdr.tariffs?.length) return { explanation: null, repriced: null, matches_cdr: null, notes: [...notes, 'The CDR carries no tariff to re-price it with'] };
  try {
    const result = price(cdr.tariffs, cdr.charging_periods, { timeZone: timeZone ?? 'UTC', sessionStart: cdr.start_date_time, sessionEnd: cdr.end_date_time });
    const matches = Math.round(result.total_cost.excl_vat * 100) === Math.round(cdr.total_cost.excl_vat * 100);
    return { explanation: explain(result), repriced: { excl_vat: result.total_cost.excl_vat, incl_vat: result.total_cost.incl_vat }, matches_cdr: matches, notes };
  } catch (e) {
    if (e instanceof TariffEngineError) return { explanation: null, repriced: null, matches_cdr: null, notes: [...notes, `Not re-priced: ${e.message}`] };
    throw e;
  }
}
