/** The conflicts list keeps CONFLICT_HISTORY_DAYS of refused requests; housekeeping removes older ones. */
import { CONFLICT_HISTORY_DAYS, pruneConflicts, recordConflict } from '../../src/platform/delegations/conflicts.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform('conflict_prune');
}, 60_000);

afterAll(() => p?.stop());

const conflict = (sessionId: string) => ({
  party: { countryCode: 'NL', partyId: 'CPO' },
  requester: { countryCode: 'DE', partyId: 'EMS' },
  controller: { countryCode: 'NL', partyId: 'SCS' },
  sessionId,
  kind: 'SET' as const,
});

test('conflicts older than the history are pruned; newer ones stay listed', async () => {
  await recordConflict(p.ctx, conflict('OLD1'));
  await recordConflict(p.ctx, conflict('NEW1'));
  const now = new Date();
  await p.ctx.db.chargingProfileConflict.updateMany({
    where: { sessionId: 'OLD1' },
    data: { at: new Date(now.getTime() - (CONFLICT_HISTORY_DAYS * 86_400_000 + 60_000)) },
  });
  expect(await pruneConflicts(p.ctx, now)).toBe(1);
  const listed = (await p.admin().get('/delegations/conflicts').expect(200)).body;
  expect(listed).toMatchObject({ total: 1, items: [{ session_id: 'NEW1', party: 'NL/CPO', requester: 'DE/EMS', controller: 'NL/SCS' }] });
  expect(await pruneConflicts(p.ctx, now)).toBe(0);
});
