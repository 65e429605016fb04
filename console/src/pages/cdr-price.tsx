/**
 * A CDR's price, explained: the tariff engine's explanation (GET …/explanation: re-priced from the
 * CDR's own tariffs and periods, and whether that matches its total), and always the CDR's parts (fixed, energy, time, parking, reservation) with the quantities they
 * price, the tariffs it names and its charging periods.
 */
import type { JSX } from 'preact';
import { type Price, dateTime, hours, kwh, money } from '../format';
import type { Cdr, CdrTotals, SignedDataVerification, TariffLike } from '../types';
import type { Api } from '../api';
import { usePoll } from '../poll';
import { Json } from '../ui';

interface CdrExplanation {
  explanation: { lines: string[] } | null;
  repriced: { excl_vat: number; incl_vat: number | null } | null;
  matches_cdr: boolean | null;
  notes: string[];
}

/** CDRs never change: the explanation is read once (the long interval only retries a failure). */
function Explained(props: { api: Api; path: string; currency: string }): JSX.Element | null {
  const read = usePoll(`explain:${props.path}`, (signal) => props.api.get<CdrExplanation>(props.path, undefined, signal), 300_000);
  const e = read.data;
  if (!e) return read.error ? <p class="muted">No explanation: {String((read.error as Error).message ?? read.error)}</p> : null;
  return (
    <>
      {e.matches_cdr === null ? null : (
        <p class={e.matches_cdr ? 'reprice-ok' : 'reprice-bad'} data-matches={String(e.matches_cdr)}>
          Re-priced from its own tariffs: {e.repriced?.excl_vat.toFixed(2)} {props.currency} excl. VAT, {e.matches_cdr ? 'matches the CDR' : 'DIFFERS from the CDR'}
        </p>
      )}
      {e.explanation ? (
        <ol class="explanation" aria-label="Explanation">
          {e.explanation.lines.map((line, i) => (
            <li key={`${i}:${line}`}>{line}</li>
          ))}
        </ol>
      ) : null}
      {e.notes.map((n) => (
        <p class="muted" key={n}>
          {n}
        </p>
      ))}
    </>
  );
}

function tariffText(t: TariffLike): string {
  const alt = t.tariff_alt_text?.find((a) => a.language === 'en') ?? t.tariff_alt_text?.[0];
  if (alt) return alt.text;
  const parts = t.elements.flatMap((e) =>
    e.price_components.map((c) => {
      const unit = c.type === 'ENERGY' ? '/kWh' : c.type === 'TIME' || c.type === 'PARKING_TIME' ? '/h' : '';
      return `${c.type.toLowerCase().replace('_', ' ')} ${c.price} ${t.currency}${unit}${e.restrictions ? ' (restricted)' : ''}`;
    }),
  );
  return parts.join(', ');
}

/** What a part cost per unit on average (steps, restrictions and free periods included). */
function rate(cost: Price | null | undefined, quantity: number | null | undefined, currency: string, unit: string): string {
  if (!cost || !quantity || quantity <= 0) return '—';
  return `${(cost.excl_vat / quantity).toFixed(4).replace(/0{1,2}$/, '')} ${currency}/${unit}`;
}

/** The verdict on the CDR's signed meter data, with every reason when it is not valid. */
function SignedData(props: { verification: SignedDataVerification }): JSX.Element {
  const v = props.verification;
  return (
    <div class={`signed-data signed-${v.status}`} data-signed={v.status}>
      <h4>Signed meter data</h4>
      <p>
        {v.encoding_method}: <strong>{v.status}</strong>
        {v.meter ? ` · meter ${v.meter}` : ''}
        {v.signed_energy_kwh !== null ? ` · ${kwh(v.signed_energy_kwh)} signed` : ''}
      </p>
      {v.problems.length ? (
        <ul>
          {v.problems.map((p) => (
            <li key={`${p.code}:${p.message}`}>
              <code>{p.code}</code> {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {v.notes.map((n) => (
        <p class="muted" key={n}>
          {n}
        </p>
      ))}
    </div>
  );
}

/** `explanationPath`: the admin path of the CDR's explanation (CPO: …/cdrs/{id}/explanation; eMSP: …/received/cdrs/{cc}/{pid}/{id}/explanation). */
export function CdrPrice(props: { cdr: Cdr; api: Api; explanationPath: string }): JSX.Element {
  const c = props.cdr;
  const lines: Array<{ part: string; quantity: string; rate: string; cost: string }> = [
    { part: 'Fixed', quantity: '—', rate: '—', cost: money(c.total_fixed_cost, c.currency) },
    { part: 'Energy', quantity: kwh(c.total_energy), rate: rate(c.total_energy_cost, c.total_energy, c.currency, 'kWh'), cost: money(c.total_energy_cost, c.currency) },
    { part: 'Charging time', quantity: hours(c.total_time), rate: rate(c.total_time_cost, c.total_time, c.currency, 'h'), cost: money(c.total_time_cost, c.currency) },
    {
      part: 'Parking time',
      quantity: hours(c.total_parking_time),
      rate: rate(c.total_parking_cost, c.total_parking_time, c.currency, 'h'),
      cost: money(c.total_parking_cost, c.currency),
    },
    { part: 'Reservation', quantity: '—', rate: '—', cost: money(c.total_reservation_cost, c.currency) },
  ].filter((l) => l.cost !== '—' || l.quantity !== '—');
  return (
    <div class="cdr-price" data-cdr={c.id}>
      <h3>
        Price of CDR {c.id}
        {c.credit ? ' (credit)' : ''}
      </h3>
      <p class="muted">
        {c.cdr_location.name ?? c.cdr_location.id}, {c.cdr_location.evse_id} · {dateTime(c.start_date_time)} → {dateTime(c.end_date_time)} · token {c.cdr_token.uid} (
        {c.cdr_token.contract_id})
      </p>
      <Explained api={props.api} path={props.explanationPath} currency={c.currency} />
      {c.signed_data_verification ? <SignedData verification={c.signed_data_verification} /> : null}
      <table class="breakdown" aria-label="Price breakdown">
        <thead>
          <tr>
            <th>Part</th>
            <th>Quantity</th>
            <th title="Cost excl. VAT divided by the quantity">Average rate</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.part}>
              <td>{l.part}</td>
              <td>{l.quantity}</td>
              <td>{l.rate}</td>
              <td>{l.cost}</td>
            </tr>
          ))}
          <tr class="total">
            <td>Total</td>
            <td>{kwh(c.total_energy)}</td>
            <td />
            <td>{money(c.total_cost, c.currency)}</td>
          </tr>
        </tbody>
      </table>
      {c.tariffs?.length ? (
        <>
          <h4>Tariffs applied</h4>
          <ul>
            {c.tariffs.map((t) => (
              <li key={t.id}>
                <strong>{t.id}</strong>: {tariffText(t)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h4>Charging periods</h4>
      <table class="breakdown" aria-label="Charging periods">
        <thead>
          <tr>
            <th>From</th>
            <th>Dimensions</th>
            <th>Tariff</th>
          </tr>
        </thead>
        <tbody>
          {c.charging_periods.map((p) => (
            <tr key={p.start_date_time}>
              <td>{dateTime(p.start_date_time)}</td>
              <td>{p.dimensions.map((d) => `${d.type} ${Number(d.volume.toFixed(4))}`).join(', ')}</td>
              <td>{p.tariff_id ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.remark ? <p>Remark: {c.remark}</p> : null}
      <Json value={c} summary="The CDR as stored (JSON)" />
    </div>
  );
}

/** Count, energy and cost per currency over every CDR the filters select (all pages). */
export function CdrTotalsLine(props: { totals: CdrTotals | undefined }): JSX.Element | null {
  const t = props.totals;
  if (!t) return null;
  const costs = t.total_cost.map((c) => `${c.excl_vat} ${c.currency} excl. VAT${c.incl_vat ? ` (${c.incl_vat} incl.)` : ''}`).join(' · ');
  return (
    <p class="totals">
      {t.count} CDR{t.count === 1 ? '' : 's'} · {t.total_energy} kWh · {costs || 'no cost'}
    </p>
  );
}
