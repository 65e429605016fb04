/**
 * Services are built once, with the context, in every role; what only serves HTTP (the locations
 * read model, the simulator backend) runs only where HTTP is served.
 */
import { forwardToBackend } from '../src/backends/adapter.js';
import { descriptors } from '../src/modules/registry.js';
import { type TestPlatform, startTestPlatform } from './helpers/platform.js';

let worker: TestPlatform;
let api: TestPlatform;

beforeAll(async () => {
  [worker, api] = await Promise.all([startTestPlatform('roles_worker', { env: { ROLE: 'worker' } }), startTestPlatform('roles_api', { env: { ROLE: 'api' } })]);
});
afterAll(async () => {
  await Promise.all([worker?.stop(), api?.stop()]);
});

test('every service a descriptor declares exists in every role, built with the context', () => {
  const declared = descriptors.flatMap((d) => Object.keys(d.services?.(api.ctx) ?? {}));
  expect(declared.length).toBeGreaterThan(10);
  for (const platform of [worker, api]) for (const name of declared) expect(platform.ctx.services).toHaveProperty(name);
  // One instance per context: asked twice, the same object.
  expect(api.ctx.services.ownLocations).toBe(api.ctx.services.ownLocations);
  expect(api.ctx.services.ownLocations).not.toBe(worker.ctx.services.ownLocations);
});

test('the locations read model serves API processes only', () => {
  expect(worker.ctx.services.ownLocations.readModel).toBeNull();
  expect(api.ctx.services.ownLocations.readModel?.serving).toBe(true);
});

test('the simulator backend runs in API processes only', async () => {
  const cmd = { id: 'x', party: { countryCode: 'NL', partyId: 'CPO' }, command: 'STOP_SESSION', request: {}, deadlineAt: new Date() };
  await expect(forwardToBackend(worker.ctx, { adapter: 'simulator' } as never, cmd)).rejects.toThrow('simulator not running in this process');
});
