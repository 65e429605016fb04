/**
 * OCPI 2.1.1 has no `publish` flag: a location our CPO keeps unpublished (publish: false) is
 * neither listed, served nor pushed to a 2.1.1 peer. The SENDER list skips them while keeping
 * offsets and X-Total-Count true to what the peer sees: the few unpublished locations of the
 * window are read first and the published offset is mapped onto the stored order
 * (last_updated, then upper-cased id), which both the table and the read model use.
 */
import type { TranslationContext } from '../../../delivery/translations.js';
import type { Location } from '../../../model/location.js';
import { ciKey } from '../../../model/primitives.js';
import { OcpiError } from '../../../ocpi/errors.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { documentOf } from '../shared/wire.js';

/** At most this many unpublished locations per party are skipped exactly; past it the list is refused rather than wrong. */
export const MAX_UNPUBLISHED = 5000;

type OrderKey = [number, string];
const keyOf = (l: Pick<Location, 'last_updated' | 'id'>): OrderKey => [Date.parse(l.last_updated), ciKey(l.id)];
const before = (a: OrderKey, b: OrderKey) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** A page of the party's published locations (as stored documents), with the number of published ones in the window. */
export async function publishedPage(ctx: Pick<TranslationContext, 'services'>, partyKey: string, page: PageRequest): Promise<{ documents: Location[]; total: number }> {
  const own = ctx.services.ownLocations;
  const hidden = await own.store.list({ partyKey, updatedSince: page.dateFrom, updatedBefore: page.dateTo, publish: false, offset: 0, limit: MAX_UNPUBLISHED });
  if (hidden.total > MAX_UNPUBLISHED)
    throw new OcpiError(OcpiStatus.SERVER_ERROR, `more than ${MAX_UNPUBLISHED} unpublished locations: the 2.1.1 list cannot leave them out exactly`);
  const raw = (s: number, limit: number) => own.page(partyKey, { ...page, offset: s, limit });
  if (hidden.total === 0) {
    const { documents, total } = await raw(page.offset, page.limit);
    return { documents: documents.map((d) => documentOf<Location>(d)), total };
  }
  const hiddenKeys = hidden.items.map(keyOf);
  const hiddenIds = new Set(hidden.items.map((l) => ciKey(l.id)));
  // Raw offset s = published offset + unpublished ones before raw[s]: found by a few re-reads (at most one per unpublished location).
  let skipped = 0;
  for (;;) {
    const window = await raw(page.offset + skipped, page.limit + hidden.total);
    const docs = window.documents.map((d) => documentOf<Location>(d));
    const first = docs[0];
    const earlier = first ? hiddenKeys.filter((k) => before(k, keyOf(first))).length : skipped;
    if (earlier <= skipped) {
      const published = docs.filter((l) => l.publish !== false && !hiddenIds.has(ciKey(l.id))).slice(0, page.limit);
      return { documents: published, total: Math.max(0, window.total - hidden.total) };
    }
    skipped = earlier;
  }
}

/**
 * Whether a push to a 2.1.1 peer concerns an unpublished location: a location-level body says so
 * itself; an EVSE, a connector or a PATCH without the flag is checked against the stored location.
 * `segments`: the URL below the peer's RECEIVER endpoint, {country_code}/{party_id}/{location_id}/...
 */
export async function unpublished(ctx: Pick<TranslationContext, 'services'>, body: { publish?: unknown }, segments: string[]): Promise<boolean> {
  if (segments.length === 3 && typeof body.publish === 'boolean') return body.publish === false;
  const [countryCode, partyId, locationId] = segments;
  if (!countryCode || !partyId || !locationId) return false;
  const stored = (await ctx.services.ownLocations.find([partyKey(countryCode, partyId)], decodeURIComponent(locationId), { kind: 'location' })) as Location | null;
  return stored?.publish === false;
}
