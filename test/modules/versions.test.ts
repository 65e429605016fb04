/** Versions module: the version details list exactly the interfaces of the roles local parties have. */
import { advertisedEndpoints } from '../../src/modules/2.2.1/versions/service.js';
import { moduleInterfaces } from '../../src/modules/registry.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { testInterface } from '../helpers/test-module.js';

const interfaces = [...moduleInterfaces, testInterface];
const BASE = 'https://ocpi.example.com';

test('credentials is always listed; CPO and eMSP interfaces only for the roles local parties have', () => {
  const none = advertisedEndpoints(interfaces, '2.2.1', new Set(), BASE);
  expect(none).toEqual([{ identifier: 'credentials', role: 'SENDER', url: `${BASE}/ocpi/2.2.1/credentials` }]);
  const emsp = advertisedEndpoints(interfaces, '2.2.1', new Set(['EMSP']), BASE);
  expect(emsp).toContainEqual({ identifier: 'locations', role: 'RECEIVER', url: `${BASE}/ocpi/emsp/2.2.1/locations` });
  expect(emsp.filter((e) => e.url.includes('/cpo/'))).toEqual([]);
  const cpo = advertisedEndpoints(interfaces, '2.2.1', new Set(['CPO']), BASE);
  expect(cpo).toContainEqual({ identifier: 'tokens', role: 'RECEIVER', url: `${BASE}/ocpi/cpo/2.2.1/things` });
  expect(cpo.filter((e) => e.url.includes('/emsp/'))).toEqual([]);
});

describe('over HTTP', () => {
  let platform: TestPlatform;
  let token: string;
  beforeAll(async () => {
    platform = await startTestPlatform('versions', { interfaces });
    token = (await platform.admin().post('/peers/invitations', {}).expect(201)).body.token;
  });
  afterAll(() => platform.stop());
  const details = async () => (await request(platform.url).get('/ocpi/2.2.1').set('Authorization', tokenHeader(token)).expect(200)).body.data;

  test('adding and removing a CPO party changes what is advertised (within the 2 s cache)', async () => {
    expect((await details()).endpoints.map((e: { identifier: string }) => e.identifier)).toEqual(['credentials']);
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    const withCpo = await details();
    expect(withCpo.version).toBe('2.2.1');
    expect(withCpo.endpoints).toContainEqual({ identifier: 'tokens', role: 'RECEIVER', url: `${platform.url}/ocpi/cpo/2.2.1/things` });
    await platform.admin().delete('/parties/NL/CPO').expect(204);
    expect((await details()).endpoints).toHaveLength(1);
  });

  test('the version list points at the details URL under PUBLIC_BASE_URL', async () => {
    const res = await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(token)).expect(200);
    expect(res.body.data).toEqual([
      { version: '2.1.1', url: `${platform.url}/ocpi/2.1.1` },
      { version: '2.2.1', url: `${platform.url}/ocpi/2.2.1` },
    ]);
  });
});
