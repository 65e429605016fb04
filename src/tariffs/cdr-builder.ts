/**
 * buildCdr(): a complete OCPI 2.2.1 CDR for a finished session, priced by this engine.
 * Charging periods come from the meter timeline when one is given (cut at every tariff
 * boundary) or else from the Session's own periods. The CDR is checked against OutboundCdr
 * before it is returned, so a caller never gets a CDR a peer would reject.
 */
import { ciEquals, formatDateTime } from '../model/primitives.js';
import { OutboundCdr, SESSION_ONLY_DIMENSIONS, type Cdr, type ChargingPeriod, type SignedData } from '../model/cdr.js';
import { compileTariff, type CompiledTariff, type CostCategory } from './compiled-tariff.js';
import { chargingPeriodsFromTimeline } from './charging-periods.js';
import { CdrBuildError, zodIssues } from './errors.js';
import { cdrLocationFor, parseLocation } from './location-input.js';
import { MeterTimeline } from './meter-timeline.js';
import { fastPrice as price } from './fast/fast-price.js';
import { parseInstant, type TariffLike } from './price.js';
import type { PriceResult, PricingContext } from './price-types.js';
import type { TariffType } from '../model/tariff.js';
import { Session } from '../model/session.js';
import { chooseTariff } from './tariff-choice.js';

export interface BuildCdrInput {
  /** The finished OCPI Session (parsed with the Session schema). */
  session: unknown;
  /** The session's Location (at least the CdrLocationSource fields, incl. time_zone and evses). */
  location: unknown;
  /** Candidate tariffs as they were at session start (e.g. all tariffs of the CPO). */
  tariffs: TariffLike | readonly TariffLike[];
  /** Meter timeline of the session; preferred over session.charging_periods when given. */
  timeline?: unknown;
  /** The session's kind for tariff choice (§4.1); REGULAR when not given. */
  tariffType?: TariffType | null;
  /** CDR id; the session id when not given (at most 36 characters). */
  cdrId?: string;
  /** CDR last_updated (its creation time); now when not given. */
  lastUpdated?: string | Date;
  reservationExpired?: boolean | null;
  signedData?: SignedData | null;
  remark?: string | null;
  invoiceReferenceId?: string | null;
  homeChargingCompensation?: boolean | null;
}

export interface BuiltCdr {
  cdr: Cdr;
  pricing: PriceResult;
  warnings: string[];
}

function timelineCdrPeriods(input: BuildCdrInput, chosen: CompiledTariff, all: CompiledTariff[], timeZone: string) {
  const tl = MeterTimeline.safeParse(input.timeline);
  if (!tl.success) throw new CdrBuildError(zodIssues(tl.error, 'timeline'));
  // Tariffs the timeline switches to (profile changes) must be among the candidates.
  const switched = tl.data.events.map((e) => e.tariff_id).filter((id): id is string => id != null);
  const others = all.filter((t) => t !== chosen && switched.some((id) => ciEquals(id, t.id)));
  const g = chargingPeriodsFromTimeline(tl.data, [chosen, ...others], { timeZone, reservationExpired: input.reservationExpired });
  return { periods: g.charging_periods, context: g.context, tariffs: [chosen, ...others], firstStart: g.start_date_time, end: g.end_date_time };
}

/** Session periods minus the Session-only dimensions a CDR must not carry. */
function sessionCdrPeriods(periods: readonly ChargingPeriod[], tariffId: string): ChargingPeriod[] {
  return periods.map((p, i) => {
    const dimensions = p.dimensions.filter((d) => !SESSION_ONLY_DIMENSIONS.has(d.type));
    if (dimensions.length === 0) {
      throw new CdrBuildError([
        { field: `session.charging_periods[${i}].dimensions`, message: 'holds only Session-only dimensions (CURRENT, POWER, ...); a CDR period needs at least one other' },
      ]);
    }
    return { start_date_time: p.start_date_time, dimensions, tariff_id: p.tariff_id ?? tariffId };
  });
}

function usedCategories(tariffs: readonly CompiledTariff[]): Set<CostCategory> {
  const out = new Set<CostCategory>();
  for (const t of tariffs) for (const el of t.elements) for (const c of Object.values(el.components)) if (c) out.add(c.category);
  return out;
}

/** Optional fields we have no value for are left out rather than sent as undefined/null. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function buildCdr(input: BuildCdrInput): BuiltCdr {
  const parsedSession = Session.safeParse(input.session);
  if (!parsedSession.success) throw new CdrBuildError(zodIssues(parsedSession.error, 'session'));
  const session = parsedSession.data;
  const location = parseLocation(input.location);
  const warnings: string[] = [];
  const { cdrLocation, connector } = cdrLocationFor(location, session.evse_uid, session.connector_id, warnings);

  const candidates = (Array.isArray(input.tariffs) ? input.tariffs : [input.tariffs]).map((t) => compileTariff(t));
  const chosenTariff = chooseTariff(
    candidates.map((c) => c.tariff),
    { at: session.start_date_time, tariffType: input.tariffType, tariffIds: connector?.tariff_ids },
  );
  if (!chosenTariff) {
    throw new CdrBuildError([
      { field: 'tariffs', message: `no tariff of the connector applies to a ${input.tariffType ?? 'REGULAR'} session starting ${session.start_date_time}` },
    ]);
  }
  const chosen = candidates.find((c) => c.tariff === chosenTariff);
  if (!chosen) throw new Error('chooseTariff returned a tariff that is not one of the candidates it was given');
  if (chosen.currency !== session.currency) {
    throw new CdrBuildError([{ field: 'session.currency', message: `is ${session.currency} but tariff ${chosen.id} is in ${chosen.currency}` }]);
  }

  let periods: ChargingPeriod[];
  let context: PricingContext;
  let tariffsUsed: CompiledTariff[] = [chosen];
  let firstStart = session.start_date_time;
  const sessionEnd = session.end_date_time ?? null;
  if (input.timeline !== undefined) {
    const t = timelineCdrPeriods(input, chosen, candidates, location.time_zone);
    periods = t.periods;
    tariffsUsed = t.tariffs;
    context = { ...t.context, sessionEnd: sessionEnd ?? t.end };
    if (t.context.sessionStart === null) firstStart = t.firstStart;
  } else {
    if (!sessionEnd) throw new CdrBuildError([{ field: 'session.end_date_time', message: 'is required to build a CDR (or give a timeline with an end)' }]);
    const own = session.charging_periods ?? [];
    if (own.length === 0)
      throw new CdrBuildError([{ field: 'session.charging_periods', message: 'a CDR needs at least one charging period: give the session periods or a meter timeline' }]);
    periods = sessionCdrPeriods(own, chosen.id);
    context = { timeZone: location.time_zone, sessionEnd, reservationExpired: input.reservationExpired };
    const reservationOnly = periods.every((p) => p.dimensions.every((d) => d.type === 'RESERVATION_TIME'));
    if (reservationOnly) firstStart = periods[0].start_date_time;
  }

  const pricing = price(tariffsUsed, periods, context);
  warnings.push(...pricing.warnings);
  const endIso = formatDateTime(new Date(parseInstant(context.sessionEnd, 'session.end_date_time')));
  const reports = (type: string) => periods.some((p) => p.dimensions.some((d) => d.type === type));
  // Periods that report energy but no time still took time: the session span is then the best
  // figure. A reservation that never became a session has no session time at all.
  const energyOnly = reports('ENERGY') && !reports('TIME') && !reports('PARKING_TIME');
  const totalTime = energyOnly ? (Date.parse(endIso) - Date.parse(firstStart)) / 3_600_000 : pricing.total_time;
  const categories = usedCategories(tariffsUsed);
  const costIf = (cat: CostCategory, p: PriceResult['total_cost']) => (categories.has(cat) || p.excl_vat !== 0 ? p : undefined);
  const used = new Set(pricing.tariff_ids);

  const draft = {
    country_code: session.country_code,
    party_id: session.party_id,
    id: input.cdrId ?? session.id,
    start_date_time: firstStart,
    end_date_time: endIso,
    session_id: session.id,
    cdr_token: session.cdr_token,
    auth_method: session.auth_method,
    authorization_reference: session.authorization_reference ?? undefined,
    cdr_location: cdrLocation,
    meter_id: session.meter_id ?? undefined,
    currency: session.currency,
    tariffs: tariffsUsed.filter((t) => used.has(t.id)).map((t) => t.tariff),
    charging_periods: periods,
    signed_data: input.signedData ?? undefined,
    total_cost: pricing.total_cost,
    total_fixed_cost: costIf('fixed', pricing.total_fixed_cost),
    total_energy: pricing.total_energy,
    total_energy_cost: costIf('energy', pricing.total_energy_cost),
    total_time: totalTime,
    total_time_cost: costIf('time', pricing.total_time_cost),
    total_parking_time: pricing.total_parking_time,
    total_parking_cost: costIf('parking', pricing.total_parking_cost),
    total_reservation_cost: pricing.total_reservation_time > 0 ? pricing.total_reservation_cost : costIf('reservation', pricing.total_reservation_cost),
    remark: input.remark ?? undefined,
    invoice_reference_id: input.invoiceReferenceId ?? undefined,
    home_charging_compensation: input.homeChargingCompensation ?? undefined,
    last_updated: formatDateTime(new Date(input.lastUpdated === undefined ? Date.now() : parseInstant(input.lastUpdated, 'lastUpdated'))),
  };
  const checked = OutboundCdr.safeParse(draft);
  if (!checked.success) throw new CdrBuildError(zodIssues(checked.error, 'cdr'));
  return { cdr: withoutUndefined(checked.data), pricing, warnings };
}
