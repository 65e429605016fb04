/**
 * explain(): a price result told as a story an admin or a driver's support desk can follow:
 * which element was in force when, what each dimension and fee cost, where step_size and
 * min/max price changed the total. Plain text lines for a CLI and a structured form for an API.
 */
import { DateTime } from 'luxon';
import type { Price } from '../model/primitives.js';
import { MS_PER_HOUR, MWH_PER_KWH, ONE, dec, hoursToMs, kwhToMwh, toWire } from './decimal.js';
import type { ComponentInfo, ComponentRef, DimensionCharge, PeriodBreakdown, PriceLimit, PriceResult, StepRounding, UsageDimension } from './price-types.js';

export interface ElementSpan {
  dimension: 'FLAT' | UsageDimension;
  /** The component in force, or null when the dimension was free during the span. */
  component: (ComponentRef & { price: number; vat: number | null; step_size: number }) | null;
  from: string;
  to: string;
  /** Local wall-clock rendering of from/to in the location's time zone. */
  from_local: string;
  to_local: string;
  period_indexes: number[];
}

export interface DimensionSummary {
  dimension: UsageDimension;
  unit: 'kWh' | 'h';
  measured: number;
  billed: number;
}

export interface ExplainedCharge extends DimensionCharge {
  /** Cost of the measured quantity, before step_size rounding, at 4 decimals. */
  cost: Required<Price>;
}

export interface ExplainedPeriod extends Omit<PeriodBreakdown, 'charges'> {
  start_local: string;
  end_local: string;
  charges: ExplainedCharge[];
}

export interface Explanation {
  lines: string[];
  structured: {
    currency: string;
    time_zone: string;
    tariff_ids: string[];
    periods: ExplainedPeriod[];
    /** Which element applied when, per dimension, consecutive periods merged. */
    spans: ElementSpan[];
    dimensions: DimensionSummary[];
    flat_fees: PriceResult['flat_fees'];
    step_rounding: StepRounding[];
    price_limits: PriceLimit[];
    costs: Pick<PriceResult, 'total_fixed_cost' | 'total_energy_cost' | 'total_time_cost' | 'total_parking_cost' | 'total_reservation_cost' | 'total_cost'>;
    warnings: string[];
  };
}

const DIMENSIONS: ('FLAT' | UsageDimension)[] = ['FLAT', 'ENERGY', 'TIME', 'PARKING_TIME', 'RESERVATION_TIME'];

const sameRef = (a: ComponentRef | null | undefined, b: ComponentRef | null | undefined) =>
  (a ?? null) === (b ?? null) || (!!a && !!b && a.tariff_id === b.tariff_id && a.element_index === b.element_index && a.component_index === b.component_index);

function describeRef(r: ComponentRef, multiTariff: boolean): string {
  return multiTariff ? `tariff ${r.tariff_id} elements[${r.element_index}]` : `elements[${r.element_index}]`;
}

function money(p: Required<Price> | Price): string {
  return `${fmt(p.excl_vat)} excl / ${fmt(p.incl_vat ?? p.excl_vat)} incl VAT`;
}

/** Money of one line, recomputed exactly from the integer quantity behind the shown figure. */
function lineCost(c: DimensionCharge): Required<Price> {
  const excl = c.unit === 'kWh' ? dec(kwhToMwh(c.quantity)).times(c.unit_price).div(MWH_PER_KWH) : dec(hoursToMs(c.quantity)).times(c.unit_price).div(MS_PER_HOUR);
  const incl = c.vat === null ? excl : excl.times(ONE.plus(dec(c.vat).div(100)));
  return { excl_vat: toWire(excl, 4), incl_vat: toWire(incl, 4) };
}

function fmt(n: number, decimals = 4): string {
  return n.toFixed(decimals);
}

function vatText(vat: number | null): string {
  return vat === null ? 'no VAT' : `${vat}% VAT`;
}

function spansOf(result: PriceResult, info: (r: ComponentRef) => ComponentInfo | undefined, local: (iso: string) => string): ElementSpan[] {
  const spans: ElementSpan[] = [];
  for (const dimension of DIMENSIONS) {
    let open: ElementSpan | null = null;
    for (const p of result.periods) {
      if (!(dimension in p.in_force)) {
        open = null;
        continue;
      }
      const r = p.in_force[dimension] ?? null;
      if (open && sameRef(open.component, r) && open.to === p.start_date_time) {
        open.to = p.end_date_time;
        open.to_local = local(p.end_date_time);
        open.period_indexes.push(p.index);
        continue;
      }
      const i = r ? info(r) : undefined;
      open = {
        dimension,
        component: r && i ? { ...r, price: i.price, vat: i.vat, step_size: i.step_size } : null,
        from: p.start_date_time,
        to: p.end_date_time,
        from_local: local(p.start_date_time),
        to_local: local(p.end_date_time),
        period_indexes: [p.index],
      };
      spans.push(open);
    }
  }
  return spans;
}

export function explain(result: PriceResult): Explanation {
  const zone = result.time_zone;
  const local = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).toFormat('yyyy-MM-dd HH:mm:ss');
  const multi = result.tariff_ids.length > 1;
  const info = (r: ComponentRef) =>
    result.components_used.find((c) => c.tariff_id === r.tariff_id && c.element_index === r.element_index && c.component_index === r.component_index);
  const spans = spansOf(result, info, local);
  const dimensions: DimensionSummary[] = [
    { dimension: 'ENERGY', unit: 'kWh', measured: result.total_energy, billed: result.billed_energy },
    { dimension: 'TIME', unit: 'h', measured: result.total_time - result.total_parking_time, billed: result.billed_time },
    { dimension: 'PARKING_TIME', unit: 'h', measured: result.total_parking_time, billed: result.billed_parking_time },
    { dimension: 'RESERVATION_TIME', unit: 'h', measured: result.total_reservation_time, billed: result.billed_reservation_time },
  ];

  const lines: string[] = [];
  const first = result.periods[0];
  const last = result.periods[result.periods.length - 1];
  lines.push(
    `Tariff ${result.tariff_ids.join(', ') || '(none)'} in ${result.currency}; times are local to ${zone}.`,
    first ? `Session ${local(first.start_date_time)} to ${local(last.end_date_time)}, ${result.periods.length} charging period(s).` : 'No charging periods.',
  );
  const periods: ExplainedPeriod[] = result.periods.map((p) => ({
    ...p,
    start_local: local(p.start_date_time),
    end_local: local(p.end_date_time),
    charges: p.charges.map((c) => ({ ...c, cost: lineCost(c) })),
  }));
  lines.push('', 'Charging periods:');
  for (const p of periods) {
    const head = `  #${p.index} ${p.start_local} to ${p.end_local} [${p.phase.toLowerCase()}]`;
    if (p.charges.length === 0 && p.unpriced.length === 0) lines.push(`${head}: nothing to bill`);
    else lines.push(`${head}:`);
    for (const c of p.charges) {
      const unit = c.unit === 'kWh' ? '/kWh' : '/h';
      lines.push(`      ${c.dimension} ${fmt(c.quantity)} ${c.unit} x ${fmt(c.unit_price)}${unit} (${describeRef(c, multi)}, ${vatText(c.vat)}) = ${money(c.cost)}`);
    }
    for (const u of p.unpriced) lines.push(`      ${u.dimension} ${fmt(u.quantity)} ${u.unit}: free (no component in force)`);
  }

  lines.push('', 'Elements in force:');
  for (const s of spans) {
    const who = s.component ? `${describeRef(s.component, multi)} at ${fmt(s.component.price)} (${vatText(s.component.vat)})` : 'none (free)';
    lines.push(`  ${s.dimension}: ${who} from ${s.from_local} to ${s.to_local}`);
  }

  if (result.flat_fees.length > 0) {
    lines.push('', 'Flat fees (each once per session):');
    for (const f of result.flat_fees) lines.push(`  ${describeRef(f, multi)} from period #${f.period_index} (${f.category}): ${money(f.cost)}`);
  }

  lines.push('', 'step_size:');
  if (result.step_rounding.length === 0) lines.push('  no rounding applied');
  for (const s of result.step_rounding) {
    const unit = s.unit === 'kWh' ? 'kWh' : 'h';
    const change = s.extra > 0 ? `+${fmt(s.extra)} ${unit} billed at ${describeRef(s, multi)} = ${money(s.cost)}` : 'already a whole number of steps';
    lines.push(`  ${s.group}: ${fmt(s.measured)} -> ${fmt(s.billed)} ${unit} (step ${s.step_size} ${s.group === 'ENERGY' ? 'Wh' : 's'}): ${change}`);
    lines.push(`    rule ${s.rule}`);
  }

  lines.push('', 'Costs:');
  lines.push(`  fixed ${money(result.total_fixed_cost)}`);
  lines.push(`  energy ${money(result.total_energy_cost)} (${fmt(result.billed_energy)} kWh billed of ${fmt(result.total_energy)} measured)`);
  lines.push(`  time ${money(result.total_time_cost)} (${fmt(result.billed_time)} h billed)`);
  lines.push(`  parking ${money(result.total_parking_cost)} (${fmt(result.billed_parking_time)} h billed)`);
  if (result.total_reservation_time > 0 || result.total_reservation_cost.excl_vat !== 0) {
    lines.push(`  reservation ${money(result.total_reservation_cost)} (${fmt(result.billed_reservation_time)} h billed)`);
  }
  for (const l of result.price_limits) {
    lines.push(`  ${l.bound} moved ${l.field} from ${fmt(l.before)} to ${fmt(l.after)}${l.derived ? ' (no incl_vat bound: scaled with excl_vat)' : ''}`);
  }
  lines.push(`  TOTAL ${money(result.total_cost)}`);
  if (result.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of result.warnings) lines.push(`  ${w}`);
  }

  return {
    lines,
    structured: {
      currency: result.currency,
      time_zone: zone,
      tariff_ids: result.tariff_ids,
      periods,
      spans,
      dimensions,
      flat_fees: result.flat_fees,
      step_rounding: result.step_rounding,
      price_limits: result.price_limits,
      costs: {
        total_fixed_cost: result.total_fixed_cost,
        total_energy_cost: result.total_energy_cost,
        total_time_cost: result.total_time_cost,
        total_parking_cost: result.total_parking_cost,
        total_reservation_cost: result.total_reservation_cost,
        total_cost: result.total_cost,
      },
      warnings: result.warnings,
    },
  };
}
