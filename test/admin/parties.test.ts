/** Admin API: local parties. */
import { aBusinessDetails, aParty } from '../helpers/builders.js';
import { type TestPlatform, request, startTestPlatform } from '../helpers/platform.js';

let platform: TestPlatform;
beforeAll(async () => (platform = await startTestPlatform('admin_parties')));
afterAll(() => platform.stop());

test('every admin route wants the admin key', async () => {
  for (const path of ['/admin/parties', '/admin/peers']) {
    expect((await request(platform.url).get(path)).status).toBe(401);
    const wrong = await request(platform.url).get(path).set('Authorization', 'Bearer nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
  }
});

test('create, read, list, change and delete a party; ids are case-insensitive', async () => {
  const created = await platform
    .admin()
    .post('/parties', aParty({ country_code: 'nl', party_id: 'abc' }))
    .expect(201);
  expect(created.body).toMatchObject({ country_code: 'NL', party_id: 'ABC', roles: ['CPO'], business_details: aBusinessDetails() });
  expect((await platform.admin().get('/parties/Nl/aBc').expect(200)).body.party_id).toBe('ABC');
  const patched = await platform
    .admin()
    .patch('/parties/NL/ABC', { roles: ['CPO', 'EMSP'] })
    .expect(200);
  expect(patched.body.roles).toEqual(['CPO', 'EMSP']);
  expect((await platform.admin().get('/parties').expect(200)).body.map((p: { party_id: string }) => p.party_id)).toContain('ABC');
  await platform.admin().delete('/parties/NL/ABC').expect(204);
  await platform.admin().get('/parties/NL/ABC').expect(404);
});

test('a party registered twice is a 409', async () => {
  await platform
    .admin()
    .post('/parties', aParty({ party_id: 'DUP' }))
    .expect(201);
  const res = await platform
    .admin()
    .post('/parties', aParty({ party_id: 'dup' }))
    .expect(409);
  expect(res.body.error.message).toMatch(/NL\/dup/i);
});

test.each([
  ['a three-letter country code', aParty({ country_code: 'NLD' }), 'body.country_code'],
  ['an unknown role', aParty({ role: 'DRIVER' }), 'body.role'],
  ['both role and roles', { ...aParty(), roles: ['EMSP'] }, 'body.role'],
  ['a missing business name', aParty({ business_details: {} }), 'body.business_details.name'],
  ['an over-long business name', aParty({ business_details: { name: 'x'.repeat(101) } }), 'body.business_details.name'],
])('%s is a 400 naming the field', async (_name, body, field) => {
  const res = await platform.admin().post('/parties', body).expect(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
});

test('malformed JSON is a 400, not a 500', async () => {
  const res = await request(platform.url)
    .post('/admin/parties')
    .set('Authorization', 'Bearer test-admin-key-0123456789abcdef')
    .set('Content-Type', 'application/json')
    .send('{"a":');
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('invalid_json');
});

test('the version details list the interfaces of the roles local parties have', async () => {
  const { body: invite } = await platform.admin().post('/peers/invitations', {}).expect(201);
  const res = await request(platform.url)
    .get('/ocpi/2.2.1')
    .set('Authorization', `Token ${Buffer.from(invite.token).toString('base64')}`)
    .expect(200);
  expect(res.body.data.version).toBe('2.2.1');
  expect(res.body.data.endpoints).toContainEqual({ identifier: 'credentials', role: 'SENDER', url: `${platform.url}/ocpi/2.2.1/credentials` });
});

test('an unknown admin path is 404 naming the whole path, /admin included, and the access log names it too', async () => {
  const res = await platform.admin().get('/no-such-thing').expect(404);
  expect(res.body.error.message).toBe('No admin endpoint at GET /admin/no-such-thing');
  expect(platform.logs.some((l) => l.includes('"path":"/admin/no-such-thing"') && l.includes('"status":404'))).toBe(true);
});
