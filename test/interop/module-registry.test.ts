/**
 * A module is a folder with one descriptor, and a version is an axis: a platform given one more
 * descriptor, of another OCPI version, mounts its interface, lists the version, documents it in
 * its own OpenAPI document, registers its pull handler, runs its sweep and routes it through the
 * hub, with no other list to edit.
 */
import { hubPolicy } from '../../src/hub/policy.js';
import { ocpiDocuments } from '../../src/http/openapi.js';
import { defineModule } from '../../src/modules/descriptor.js';
import { descriptors, interfacesOf } from '../../src/modules/registry.js';
import type { ModuleInterface } from '../../src/ocpi/registry-types.js';
import { defineRoute } from '../../src/ocpi/route.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

const thingsInterface: ModuleInterface = {
  identifier: 'things',
  role: 'SENDER',
  owner: 'CPO',
  basePath: '/cpo/9.9/things',
  acceptsTokenA: false,
  routed: true,
  routes: [defineRoute({ method: 'get', path: '/', summary: 'things', handler: async () => ({ data: [] }) })],
};
let swept = 0;
const thingsModule = defineModule({
  id: 'things',
  version: '9.9',
  interfaces: [thingsInterface],
  pull: { module: 'things', appliesTo: () => false, pull: async () => 0 },
  sweeps: [
    async () => {
      swept++;
    },
  ],
  hub: { routed: true, broadcast: true },
});
const withThings = [...descriptors, thingsModule];

test('a descriptor whose interface path does not name its version is refused', () => {
  expect(() => defineModule({ id: 'things', version: '9.9', interfaces: [{ ...thingsInterface, basePath: '/cpo/2.2.1/things' }] })).toThrow('does not name version 9.9');
  expect(() => defineModule({ id: 'others', version: '9.9', interfaces: [thingsInterface] })).toThrow('belongs to another module');
});

test('each version has its own OpenAPI document holding only its interfaces', () => {
  const docs = ocpiDocuments(interfacesOf(withThings), withThings);
  expect(Object.keys(docs).sort()).toEqual(['ocpi-2.1.1.json', 'ocpi-2.2.1.json', 'ocpi-9.9.json']);
  const paths9 = Object.keys(docs['ocpi-9.9.json'].paths as object);
  expect(paths9).toEqual(expect.arrayContaining(['/ocpi/cpo/9.9/things', '/ocpi/hub/9.9/{module}/{role}', '/ocpi/versions']));
  expect(paths9.filter((p) => p.includes('2.2.1'))).toEqual([]);
  expect(Object.keys(docs['ocpi-2.2.1.json'].paths as object).filter((p) => p.includes('9.9'))).toEqual([]);
});

describe('a platform with a module of a second version', () => {
  let platform: TestPlatform;
  let token: string;
  beforeAll(async () => {
    platform = await startTestPlatform('module_registry', { descriptors: withThings, env: { ROLE: 'all' } });
    token = (await platform.admin().post('/peers/invitations', {}).expect(201)).body.token;
  });
  afterAll(() => platform.stop());

  test('the version list holds every version that has descriptors', async () => {
    const res = await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(token)).expect(200);
    expect(res.body.data).toEqual([
      { version: '2.1.1', url: `${platform.url}/ocpi/2.1.1` },
      { version: '2.2.1', url: `${platform.url}/ocpi/2.2.1` },
      { version: '9.9', url: `${platform.url}/ocpi/9.9` },
    ]);
  });

  test("the module's interface is mounted under its version (guards apply), another version's path is not", async () => {
    await request(platform.url).get('/ocpi/cpo/9.9/things').expect(401);
    await request(platform.url).get('/ocpi/cpo/9.8/things').expect(404);
  });

  test('its pull handler is registered and its sweep runs on the worker', async () => {
    expect(platform.ctx.pulls.get('things')).toBe(thingsModule.pull);
    await eventually(() => expect(swept).toBeGreaterThan(0));
  });

  test('the hub routes it under /hub/9.9 by the rules its descriptor states, beside 2.2.1', () => {
    expect(hubPolicy(platform.ctx, '9.9')).toMatchObject({ path: '/hub/9.9', routed: ['things'] });
    expect(hubPolicy(platform.ctx, '9.9')!.broadcast.has('things')).toBe(true);
    expect(hubPolicy(platform.ctx, '2.2.1')!.routed).not.toContain('things');
  });
});
