/**
 * The locations read model against the database's own answer, over the real database: two API
 * processes of one deployment (one schema) write random sequences of changes (new locations,
 * EVSE, connector and location PATCHes moving last_updated, ties on last_updated, rows deleted by
 * hand, several CPO parties, concurrent writes of one location through both processes); each
 * process's model must then give exactly the pages (order, totals, date filters) the table gives.
 */
import pino from 'pino';
import { parseConfig } from '../../src/config.js';
import { type LocationsReadModel, locationsChannel } from '../../src/modules/2.2.1/locations/read-model.js';
import { LocationsReadModel as ReadModel } from '../../src/modules/2.2.1/locations/read-model.js';
import type { Level, OwnLocationsService } from '../../src/modules/2.2.1/locations/service.js';
import type { PageRequest } from '../../src/ocpi/pagination.js';
import { type RunningPlatform, startPlatform } from '../../src/runtime.js';
import { DomainError } from '../../src/platform/domain-error.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, freePort, startTestPlatform } from '../helpers/platform.js';

let a: TestPlatform;
let b: RunningPlatform;

const PARTIES = [
  { countryCode: 'NL', partyId: 'CPO' },
  { countryCode: 'NL', partyId: 'CPX' },
  { countryCode: 'DE', partyId: 'CPY' },
];
const keyOf = (p: { countryCode: string; partyId: string }) => `${p.countryCode}${p.partyId}`;

beforeAll(async () => {
  a = await startTestPlatform('rm_random');
  for (const p of PARTIES) await a.ctx.parties.create({ ...p, roles: ['CPO'], businessDetails: aBusinessDetails() });
  const port = await freePort();
  b = await startPlatform(
    parseConfig({ ...Object.fromEntries(Object.entries(a.ctx.config).map(([k, v]) => [k, String(v)])), PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }),
    { logger: pino({ level: 'silent' }) },
  );
}, 30000);

afterAll(async () => {
  await b?.close();
  await a?.stop();
});

const modelOf = (service: OwnLocationsService): LocationsReadModel => {
  if (!service.readModel) throw new Error('an API process has a read model');
  return service.readModel;
};

/** A small seeded generator: a failing sequence can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

interface Held {
  party: (typeof PARTIES)[number];
  stamp: number;
}

/** Random changes through both processes; returns how many writes succeeded through each. */
async function randomChanges(seed: number, steps: number, held: Map<string, Held>, check?: (step: number) => Promise<void>) {
  const rnd = random(seed);
  const services = [a.ctx.services.ownLocations, b.ctx.services.ownLocations];
  // Few distinct stamps, so locations often share a last_updated and the id decides.
  let clock = Date.UTC(2025, 0, 1);
  const nextStamp = (min: number) => {
    if (rnd(3) > 0) clock += 1000 * rnd(2);
    return Math.max(min, clock);
  };
  const write = async (service: OwnLocationsService, id: string, h: Held, level: Level, body: Record<string, unknown>, method: 'put' | 'patch') => {
    try {
      await (method === 'put' ? service.put(h.party, id, level, body) : service.patch(h.party, id, level, body));
      h.stamp = Math.max(h.stamp, Date.parse(String(body.last_updated)));
    } catch (e) {
      // Concurrent writes of one location: the one with the older stamp may lose.
      if (!(e instanceof DomainError && e.kind === 'conflict')) throw e;
    }
  };
  for (let step = 0; step < steps; step++) {
    const ids = [...held.keys()];
    const op = rnd(100);
    const service = services[rnd(2)];
    if (op < 25 || ids.length < 5) {
      const id = `S${seed}L${step}`;
      const party = PARTIES[rnd(PARTIES.length)];
      const stamp = nextStamp(0);
      const location = aLocation(id, {
        country_code: party.countryCode,
        party_id: party.partyId,
        evses: [anEvse(`${id}-E1`), anEvse(`${id}-E2`)],
        last_updated: new Date(stamp).toISOString(),
      });
      held.set(id, { party, stamp });
      await service.put(party, id, { kind: 'location' }, location);
    } else if (op < 32) {
      const id = ids[rnd(ids.length)];
      held.delete(id);
      // A row removed by hand, announced on the model's channel as its contract says.
      await a.ctx.db.$transaction([
        a.ctx.db.$executeRawUnsafe(`DELETE FROM "${a.schema}"."own_location" WHERE location_key = $1`, id.toUpperCase()),
        a.ctx.db.$executeRawUnsafe('SELECT pg_notify($1, $2)', locationsChannel(a.schema), `-|${id.toUpperCase()}`),
      ]);
    } else if (op < 40) {
      // The same location through both processes at once.
      const id = ids[rnd(ids.length)];
      const h = held.get(id) as Held;
      const stamps = [nextStamp(h.stamp), nextStamp(h.stamp)];
      await Promise.all(
        services.map((s, i) =>
          write(s, id, h, { kind: 'evse', evseUid: `${id}-E${1 + rnd(2)}` }, { status: i ? 'CHARGING' : 'BLOCKED', last_updated: new Date(stamps[i]).toISOString() }, 'patch'),
        ),
      );
    } else {
      const id = ids[rnd(ids.length)];
      const h = held.get(id) as Held;
      // Mostly now (to the end of the order); sometimes a stamp between the location's and the newest.
      const stamp = new Date(rnd(4) ? nextStamp(h.stamp) : h.stamp + rnd(Math.max(1, clock - h.stamp + 1))).toISOString();
      const kind = rnd(10);
      if (kind < 6)
        await write(service, id, h, { kind: 'evse', evseUid: `${id}-E${1 + rnd(2)}` }, { status: ['AVAILABLE', 'CHARGING', 'OUTOFORDER'][rnd(3)], last_updated: stamp }, 'patch');
      else if (kind < 8) await write(service, id, h, { kind: 'connector', evseUid: `${id}-E1`, connectorId: '1' }, { max_amperage: 16 + rnd(48), last_updated: stamp }, 'patch');
      else await write(service, id, h, { kind: 'location' }, { name: `Renamed ${step}`, last_updated: stamp }, 'patch');
    }
    if (check && step % 50 === 49) await check(step);
  }
}

/** Every page request a peer could make, from the model and from the table: the same documents and totals. */
async function expectSameAsDatabase(model: LocationsReadModel, seed: number) {
  await model.whenCaughtUp();
  const store = a.ctx.services.ownLocations.store;
  const rnd = random(seed);
  for (const party of PARTIES) {
    const all = await store.page(keyOf(party), { offset: 0, limit: 100000 });
    const requests: PageRequest[] = [{ offset: 0, limit: 100000 }];
    const stamps = all.documents.map((d) => Date.parse((JSON.parse(d) as { last_updated: string }).last_updated));
    for (let i = 0; i < 8; i++) {
      const pick = () => (stamps.length && rnd(4) ? stamps[rnd(stamps.length)] + rnd(3) - 1 : Date.UTC(2025, 0, 1) + rnd(400) * 1000);
      const from = rnd(2) ? new Date(pick()) : undefined;
      const to = rnd(2) ? new Date(pick()) : undefined;
      requests.push({ offset: rnd(all.total + 2), limit: 1 + rnd(30), dateFrom: from, dateTo: to });
    }
    for (const request of requests) {
      const fromDb = await store.page(keyOf(party), request);
      const fromModel = model.page(keyOf(party), request);
      expect({ request, total: fromModel?.total, documents: fromModel?.documents.map((d) => JSON.parse(String(d))) }).toEqual({
        request,
        total: fromDb.total,
        documents: fromDb.documents.map((d) => JSON.parse(d)),
      });
    }
  }
}

test('random changes through two processes: both models give the pages the database gives', async () => {
  const held = new Map<string, Held>();
  const models = [modelOf(a.ctx.services.ownLocations), modelOf(b.ctx.services.ownLocations)];
  await randomChanges(1, 400, held, async (step) => {
    for (const model of models) await expectSameAsDatabase(model, step);
  });
  for (const model of models) await expectSameAsDatabase(model, 7);
  // Each process applied its own writes and re-read only the other's.
  for (const model of models) expect(model.stats.ownApplied).toBeGreaterThan(50);
}, 120000);

test('a process applies its own change once: its NOTIFY echo is skipped, nothing is re-read', async () => {
  const model = modelOf(a.ctx.services.ownLocations);
  const party = PARTIES[0];
  await a.ctx.services.ownLocations.put(party, 'ECHO1', { kind: 'location' }, aLocation('ECHO1', { evses: [anEvse('ECHO1-E1')] }));
  await model.whenCaughtUp();
  const before = { ...model.stats };
  for (let i = 0; i < 10; i++) await a.ctx.services.ownLocations.patch(party, 'ECHO1', { kind: 'evse', evseUid: 'ECHO1-E1' }, { status: i % 2 ? 'CHARGING' : 'AVAILABLE' });
  await a.ctx.services.ownLocations.patch(party, 'ECHO1', { kind: 'location' }, { name: 'Echo' });
  await model.whenCaughtUp();
  expect({ applied: model.stats.ownApplied - before.ownApplied, skipped: model.stats.echoesSkipped - before.echoesSkipped, reread: model.stats.reread - before.reread }).toEqual({
    applied: 11,
    skipped: 11,
    reread: 0,
  });
  await expectSameAsDatabase(model, 3);
});

test('a model loading in slices while both processes write serves from the database until loaded, then gives its pages', async () => {
  const model = new ReadModel(a.ctx, { loadSlice: 7 });
  await model.start();
  try {
    // Loading has only begun: the SENDER list is read from the table meanwhile.
    expect(model.page(keyOf(PARTIES[0]), { offset: 0, limit: 10 })).toBeNull();
    const held = new Map<string, Held>();
    await randomChanges(2, 120, held);
    await expectSameAsDatabase(model, 11);
    expect(model.stats.reread).toBeGreaterThan(0);
  } finally {
    await model.stop();
  }
}, 120000);
