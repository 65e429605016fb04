/**
 * The 2.1.1 locations SENDER list leaves unpublished locations out while its offsets and total
 * stay those of the published ones (2.1.1 has no publish flag): publishedPage over an in-memory
 * list in the stored order, against the plain filter of every window.
 */
import type { TranslationContext } from '../../../src/delivery/translations.js';
import { publishedPage } from '../../../src/modules/2.1.1/locations/published.js';
import type { PageRequest } from '../../../src/ocpi/pagination.js';

interface Doc {
  id: string;
  last_updated: string;
  publish: boolean;
}

/** Stored order: last_updated, then upper-cased id. */
function world(docs: Doc[]) {
  const sorted = [...docs].sort((a, b) => Date.parse(a.last_updated) - Date.parse(b.last_updated) || (a.id.toUpperCase() < b.id.toUpperCase() ? -1 : 1));
  let reads = 0;
  const ctx = {
    services: {
      ownLocations: {
        store: {
          list: async (f: { publish: boolean; offset: number; limit: number }) => {
            const hidden = sorted.filter((d) => d.publish === f.publish);
            return { total: hidden.length, items: hidden.slice(f.offset, f.offset + f.limit) };
          },
        },
        page: async (_party: string, p: PageRequest) => {
          reads++;
          return { total: sorted.length, documents: sorted.slice(p.offset, p.offset + p.limit).map((d) => JSON.stringify(d)) };
        },
      },
    },
  } as unknown as TranslationContext;
  return { ctx, published: sorted.filter((d) => d.publish), reads: () => reads };
}

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();
const docs: Doc[] = Array.from({ length: 20 }, (_, i) => ({ id: `L${String(i).padStart(2, '0')}`, last_updated: at(i < 10 ? i : 10), publish: ![0, 3, 4, 11, 19].includes(i) }));

test.each([
  [0, 5],
  [2, 3],
  [3, 4],
  [7, 10],
  [10, 5],
  [14, 10],
  [15, 5],
])('offset %i, limit %i: the published locations of that window, total of the published ones', async (offset, limit) => {
  const { ctx, published } = world(docs);
  const page = await publishedPage(ctx, 'NLCPO', { offset, limit });
  expect(page.documents.map((d) => d.id)).toEqual(published.slice(offset, offset + limit).map((d) => d.id));
  expect(page.total).toBe(published.length);
});

test('without unpublished locations the list is read once, as it is', async () => {
  const { ctx, reads } = world(docs.map((d) => ({ ...d, publish: true })));
  const page = await publishedPage(ctx, 'NLCPO', { offset: 4, limit: 3 });
  expect(page.documents.map((d) => d.id)).toEqual(['L04', 'L05', 'L06']);
  expect(page.total).toBe(20);
  expect(reads()).toBe(1);
});
