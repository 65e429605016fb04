/** How values read in the console: times relative and absolute, money and energy with units. */

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const text = a < 5 ? 'just now' : a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86400 ? `${Math.floor(a / 3600)} h` : `${Math.floor(a / 86400)} d`;
  if (text === 'just now') return text;
  return future ? `in ${text}` : `${text} ago`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export interface Price {
  excl_vat: number;
  incl_vat?: number | null;
}

export function money(price: Price | null | undefined, currency: string): string {
  if (!price) return '—';
  const excl = `${price.excl_vat.toFixed(2)} ${currency}`;
  return price.incl_vat === undefined || price.incl_vat === null ? `${excl} excl. VAT` : `${price.incl_vat.toFixed(2)} ${currency} (${excl} excl. VAT)`;
}

export const kwh = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${Number(n.toFixed(3))} kWh`);

export function hours(h: number | null | undefined): string {
  if (h === null || h === undefined) return '—';
  const minutes = Math.round(h * 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export const partyLabel = (p: { country_code: string; party_id: string }) => `${p.country_code}*${p.party_id}`;
