/**
 * The EVSE status queue of an API process (src/backends/ocpp/status-queue.ts) against a stand-in
 * of the locations service whose writes the test holds and releases: the newest status of an
 * EVSE wins while one is in flight, EVSEs of one location are written one at a time, different
 * locations in parallel, passing failures are retried and refusals are not, a conditional change
 * never replaces a reported one, and the queue is bounded.
 */
import client from 'prom-client';
import type { ChargePointRecord } from '../../../src/backends/ocpp/charge-points.js';
import { StatusQueue } from '../../../src/backends/ocpp/status-queue.js';
import type { AppContext } from '../../../src/context.js';
import { DomainError } from '../../../src/platform/domain-error.js';

interface Write {
  locationId: string;
  evseUid: string;
  status: string;
  release: () => void;
  fail: (e: Error) => void;
}

/** A locations service whose EVSE statuses live in a map and whose writes wait for the test. */
function standIn(options: { hold: boolean }) {
  const statuses = new Map<string, string>();
  const writes: Write[] = [];
  const warnings: string[] = [];
  const location = (id: string) => ({
    id,
    evses: ['E1', 'E2'].map((uid) => ({ uid, status: statuses.get(`${id}/${uid}`) ?? 'AVAILABLE', connectors: [{ id: '1' }] })),
  });
  const app = {
    services: {
      ownLocations: {
        find: async (_keys: string[], locationId: string) => location(locationId),
        patch: (_party: unknown, locationId: string, level: { evseUid: string }, body: { status: string }) =>
          new Promise<void>((resolve, reject) => {
            const write: Write = {
              locationId,
              evseUid: level.evseUid,
              status: body.status,
              release: () => {
                statuses.set(`${locationId}/${level.evseUid}`, body.status);
                resolve();
              },
              fail: reject,
            };
            writes.push(write);
            if (!options.hold) write.release();
          }),
      },
    },
    log: { warn: (_fields: unknown, message: string) => warnings.push(message), info: () => undefined },
    metrics: { registry: new client.Registry() },
  } as unknown as AppContext;
  return { app, statuses, writes, warnings };
}

const chargePoint = (locationId: string): ChargePointRecord => ({
  party: { countryCode: 'NL', partyId: 'CPO' },
  partyKey: 'NLCPO',
  idKey: `CP-${locationId}`,
  chargePointId: `CP-${locationId}`,
  passwordHash: '',
  locationId,
  connectors: null,
  protocol: 'ocpp1.6',
  boot: null,
  connectedSince: null,
  lastSeenAt: null,
  holder: null,
  createdAt: new Date(),
  updatedAt: new Date(),
});

/** Lets the queue's promise chains run (no timers involved). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

test('while a status of an EVSE is written, the newer ones replace each other: the newest is written next', async () => {
  const { app, writes, statuses } = standIn({ hold: true });
  const queue = new StatusQueue(app);
  const cp = chargePoint('LOC1');
  queue.offer({ cp, n: 1, status: 'CHARGING' });
  await settle();
  queue.offer({ cp, n: 1, status: 'AVAILABLE' });
  queue.offer({ cp, n: 1, status: 'OUTOFORDER' });
  await settle();
  expect(writes.map((w) => w.status)).toEqual(['CHARGING']);
  writes[0].release();
  await settle();
  expect(writes.map((w) => w.status)).toEqual(['CHARGING', 'OUTOFORDER']);
  writes[1].release();
  await queue.idle();
  expect(statuses.get('LOC1/E1')).toBe('OUTOFORDER');
});

test('EVSEs of one location are written one after the other, other locations meanwhile', async () => {
  const { app, writes } = standIn({ hold: true });
  const queue = new StatusQueue(app);
  queue.offer({ cp: chargePoint('LOC1'), n: 1, status: 'CHARGING' });
  queue.offer({ cp: chargePoint('LOC1'), n: 2, status: 'CHARGING' });
  queue.offer({ cp: chargePoint('LOC2'), n: 1, status: 'CHARGING' });
  await settle();
  expect(writes.map((w) => `${w.locationId}/${w.evseUid}`)).toEqual(['LOC1/E1', 'LOC2/E1']);
  writes[0].release();
  await settle();
  expect(writes.map((w) => `${w.locationId}/${w.evseUid}`)).toEqual(['LOC1/E1', 'LOC2/E1', 'LOC1/E2']);
  for (const w of writes.slice(1)) w.release();
  await queue.idle();
});

test('a status already stored is not written again', async () => {
  const { app, writes } = standIn({ hold: false });
  const queue = new StatusQueue(app);
  queue.offer({ cp: chargePoint('LOC1'), n: 1, status: 'AVAILABLE' });
  await queue.idle();
  expect(writes).toEqual([]);
});

test('a passing failure is retried until written; a refusal is logged and dropped', async () => {
  const { app, writes, statuses, warnings } = standIn({ hold: true });
  const queue = new StatusQueue(app);
  queue.offer({ cp: chargePoint('LOC1'), n: 1, status: 'CHARGING' });
  await settle();
  writes[0].fail(new Error('database busy'));
  // The retry comes after a backoff: wait for it to be asked.
  while (writes.length < 2) await new Promise((r) => setTimeout(r, 50));
  writes[1].release();
  await queue.idle();
  expect(statuses.get('LOC1/E1')).toBe('CHARGING');
  expect(warnings).toContain('OCPP status not written yet');

  queue.offer({ cp: chargePoint('LOC2'), n: 1, status: 'OUTOFORDER' });
  await settle();
  writes[2].fail(new DomainError('not_found', 'Unknown EVSE'));
  await queue.idle();
  expect(writes).toHaveLength(3);
  expect(warnings).toContain('OCPP status not applied');
});

test('a change only from RESERVED frees a reserved EVSE, leaves any other status, and never replaces a reported one', async () => {
  const { app, writes, statuses } = standIn({ hold: false });
  const queue = new StatusQueue(app);
  const cp = chargePoint('LOC1');
  statuses.set('LOC1/E1', 'RESERVED');
  statuses.set('LOC1/E2', 'CHARGING');
  queue.offer({ cp, n: 1, status: 'AVAILABLE', onlyFrom: 'RESERVED' });
  queue.offer({ cp, n: 2, status: 'AVAILABLE', onlyFrom: 'RESERVED' });
  await queue.idle();
  expect([statuses.get('LOC1/E1'), statuses.get('LOC1/E2')]).toEqual(['AVAILABLE', 'CHARGING']);

  const held = standIn({ hold: true });
  const second = new StatusQueue(held.app);
  held.statuses.set('LOC1/E1', 'RESERVED');
  second.offer({ cp, n: 2, status: 'CHARGING' });
  second.offer({ cp, n: 1, status: 'OUTOFORDER' });
  second.offer({ cp, n: 1, status: 'AVAILABLE', onlyFrom: 'RESERVED' });
  await settle();
  held.writes[0].release();
  await settle();
  held.writes[1].release();
  await second.idle();
  expect(held.statuses.get('LOC1/E1')).toBe('OUTOFORDER');
  expect(writes.map((w) => w.status)).toEqual(['AVAILABLE']);
});

test('what follows a write learns that the EVSE was RESERVED, also when that status was replaced while waiting', async () => {
  const { app, writes } = standIn({ hold: true });
  const queue = new StatusQueue(app);
  const cp = chargePoint('LOC1');
  const seen: Array<string | undefined> = [];
  queue.offer({ cp, n: 2, status: 'CHARGING' });
  queue.offer({ cp, n: 1, status: 'RESERVED' });
  queue.offer({ cp, n: 1, status: 'AVAILABLE', after: async (before) => void seen.push(before) });
  await settle();
  writes[0].release();
  await queue.idle();
  // RESERVED was never stored (AVAILABLE replaced it in the queue, and AVAILABLE was stored already).
  expect(writes.map((w) => w.status)).toEqual(['CHARGING']);
  expect(seen).toEqual(['RESERVED']);
});

test('the queue is bounded: one entry per EVSE, and a full queue refuses a new EVSE', async () => {
  const { app, writes } = standIn({ hold: true });
  const queue = new StatusQueue(app);
  const cp = chargePoint('LOC1');
  let accepted = 0;
  // The first is taken by a writer at once; each later one waits (one location: one writer).
  for (let n = 1; n <= 50_001; n++) if (queue.offer({ cp, n, status: 'CHARGING' })) accepted++;
  expect(accepted).toBe(50_001);
  expect(queue.offer({ cp, n: 50_002, status: 'CHARGING' })).toBe(false);
  // An EVSE already waiting still takes its newer status.
  expect(queue.offer({ cp, n: 50_001, status: 'OUTOFORDER' })).toBe(true);
  expect(queue.size()).toBe(50_001);
  // Numbers past the location's two EVSEs resolve to nothing and are dropped without a write.
  while (queue.size() > 0) {
    for (const w of writes) w.release();
    await settle();
  }
  expect(writes.map((w) => w.evseUid)).toEqual(['E1', 'E2']);
});
