/** openapi/ is generated from the code; this fails when someone changed a route or schema and forgot `npm run openapi`. */
import fs from 'node:fs';
import path from 'node:path';
import { openApiFiles } from '../src/http/openapi-files.js';
import { startTestPlatform, request, type TestPlatform } from './helpers/platform.js';

test.each(Object.entries(openApiFiles()))('openapi/%s is up to date (run `npm run openapi`)', (name, content) => {
  const file = path.join(__dirname, '..', 'openapi', name);
  expect(fs.existsSync(file)).toBe(true);
  expect(fs.readFileSync(file, 'utf8')).toBe(content);
});

test('every OCPI route and admin route is documented', () => {
  const ocpi = JSON.parse(openApiFiles()['ocpi-2.2.1.json']);
  expect(Object.keys(ocpi.paths)).toEqual(expect.arrayContaining(['/ocpi/versions', '/ocpi/2.2.1', '/ocpi/2.2.1/credentials']));
  expect(Object.keys(ocpi.paths['/ocpi/2.2.1/credentials']).sort()).toEqual(['delete', 'get', 'post', 'put']);
  const admin = JSON.parse(openApiFiles()['admin.json']);
  expect(admin.paths['/admin/parties/{country_code}/{party_id}'].patch.requestBody).toBeDefined();
  expect(admin.paths['/admin/peers/connect'].post.responses['201']).toBeDefined();
});

describe('served documentation', () => {
  let platform: TestPlatform;
  beforeAll(async () => (platform = await startTestPlatform('openapi_docs')));
  afterAll(() => platform.stop());

  test('the documents and the interactive docs are served', async () => {
    const doc = await request(platform.url).get('/openapi/ocpi-2.2.1.json').expect(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const html = await request(platform.url).get('/docs/').expect(200);
    expect(html.text).toContain('swagger');
  });
});
