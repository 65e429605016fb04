/**
 * Admin API keys and the audit log, over HTTP: creation (the key shown once, stored as a hash),
 * scopes (admin, read, party), revocation that holds at once (in a second API process on the
 * same database too), whoami, the queue dashboard, and the audit log (what it records, what it
 * never records, its filters).
 */
import { Client } from 'pg';
import { aParty } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { ADMIN_KEY, TEST_DATABASE_URL, type TestPlatform, request, startTestPlatform } from '../helpers/platform.js';
import { aTariff } from '../helpers/tariffs.js';

jest.setTimeout(60_000);

let platform: TestPlatform;
let db: Client;

beforeAll(async () => {
  platform = await startTestPlatform('admin_api_keys');
  db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  await platform
    .admin()
    .post('/parties', aParty({ country_code: 'NL', party_id: 'CPO', role: 'CPO' }))
    .expect(201);
  await platform
    .admin()
    .post('/parties', aParty({ country_code: 'NL', party_id: 'EMP', role: 'EMSP' }))
    .expect(201);
});

afterAll(async () => {
  await db?.end();
  await platform?.stop();
});

/** Admin calls with a given key. */
function as(key: string, url = platform.url) {
  const auth = { Authorization: `Bearer ${key}` };
  return {
    get: (path: string) => request(url).get(`/admin${path}`).set(auth),
    post: (path: string, body: object = {}) => request(url).post(`/admin${path}`).set(auth).send(body),
    put: (path: string, body: object) => request(url).put(`/admin${path}`).set(auth).send(body),
    patch: (path: string, body: object) => request(url).patch(`/admin${path}`).set(auth).send(body),
    delete: (path: string) => request(url).delete(`/admin${path}`).set(auth),
  };
}

let names = 0;
async function createKey(scope: string, name = `key-${++names}`): Promise<{ id: string; key: string; name: string; scope: string }> {
  const res = await platform.admin().post('/api-keys', { name, scope }).expect(201);
  return res.body;
}

/** Audit entries as the API lists them, once everything answered so far is written. */
async function audit(query = ''): Promise<{ total: number; items: any[] }> {
  await platform.ctx.services.adminAudit.flush();
  return (await platform.admin().get(`/audit${query}`).expect(200)).body;
}

async function auditTableText(): Promise<string> {
  await platform.ctx.services.adminAudit.flush();
  const rows = await db.query(`SELECT to_jsonb(a)::text AS t FROM "${platform.schema}".admin_audit_entry a`);
  return rows.rows.map((r) => r.t).join('\n');
}

describe('creating and listing keys', () => {
  test('the key is in the 201 answer only; the database holds its hash, lists never show it', async () => {
    const res = await platform.admin().post('/api-keys', { name: 'NL-CPO backend', scope: 'party:nl/cpo' }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'NL-CPO backend',
      scope: 'party:NL/CPO',
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
      key: expect.stringMatching(/^ak_[A-Za-z0-9_-]{43}$/),
    });
    const { key, id } = res.body;
    const list = await platform.admin().get('/api-keys').expect(200);
    expect(list.body).toContainEqual({ id, name: 'NL-CPO backend', scope: 'party:NL/CPO', created_at: res.body.created_at, last_used_at: null, revoked_at: null });
    expect(list.text).not.toContain(key);
    expect((await platform.admin().get(`/api-keys/${id}`).expect(200)).text).not.toContain(key);
    const stored = await db.query(`SELECT to_jsonb(k)::text AS t FROM "${platform.schema}".admin_api_key k WHERE id = $1`, [id]);
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].t).not.toContain(key);
    expect(stored.rows[0].t).toContain(platform.ctx.secrets.hash(key));
  });

  test.each([
    ['no name', { scope: 'read' }, 'body.name'],
    ['an empty name', { name: '', scope: 'read' }, 'body.name'],
    ['a name with a control character', { name: 'bad\nname', scope: 'read' }, 'body.name'],
    ['an over-long name', { name: 'n'.repeat(65), scope: 'read' }, 'body.name'],
    ['the bootstrap key name', { name: 'admin_api_key', scope: 'read' }, 'body.name'],
    ['no scope', { name: 'no-scope' }, 'body.scope'],
    ['an unknown scope', { name: 'owner-scope', scope: 'owner' }, 'body.scope'],
    ['a scope in upper case', { name: 'upper-scope', scope: 'ADMIN' }, 'body.scope'],
    ['a party scope with a bad country code', { name: 'bad-party', scope: 'party:NLD/CPO' }, 'body.scope'],
    ['a party scope without party id', { name: 'half-party', scope: 'party:NL' }, 'body.scope'],
    ['a party scope of a party that does not exist', { name: 'ghost-party', scope: 'party:DE/XXX' }, 'body.scope'],
  ])('%s is a 400 naming the field, and nothing is stored', async (_case, body, field) => {
    const before = (await platform.admin().get('/api-keys').expect(200)).body.length;
    const res = await platform.admin().post('/api-keys', body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect((await platform.admin().get('/api-keys').expect(200)).body.length).toBe(before);
  });

  test('names are unique among live keys, case-insensitively; a revoked key frees its name', async () => {
    const first = await createKey('read', 'Dashboard reader');
    const taken = await platform.admin().post('/api-keys', { name: 'DASHBOARD READER', scope: 'admin' }).expect(409);
    expect(taken.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['body.name']);
    await platform.admin().delete(`/api-keys/${first.id}`).expect(204);
    const again = await createKey('read', 'Dashboard reader');
    expect(again.id).not.toBe(first.id);
    const live = (await platform.admin().get('/api-keys?include_revoked=false').expect(200)).body;
    expect(live.filter((k: { name: string }) => k.name === 'Dashboard reader').map((k: { id: string }) => k.id)).toEqual([again.id]);
    const all = (await platform.admin().get('/api-keys').expect(200)).body;
    expect(all.find((k: { id: string }) => k.id === first.id).revoked_at).toEqual(expect.any(String));
  });

  test('last_used_at tells when a key was last used', async () => {
    const reader = await createKey('read');
    await as(reader.key).get('/parties').expect(200);
    await eventually(async () => {
      const key = (await platform.admin().get(`/api-keys/${reader.id}`).expect(200)).body;
      expect(key.last_used_at).toEqual(expect.any(String));
    });
  });
});

describe('scopes', () => {
  test('whoami names the key and its scope, for every valid key', async () => {
    expect((await platform.admin().get('/whoami').expect(200)).body).toEqual({ name: 'ADMIN_API_KEY', scope: 'admin' });
    for (const scope of ['admin', 'read', 'party:NL/EMP']) {
      const k = await createKey(scope);
      expect((await as(k.key).get('/whoami').expect(200)).body).toEqual({ name: k.name, scope });
    }
    await request(platform.url).get('/admin/whoami').expect(401);
  });

  test('an admin key does everything ADMIN_API_KEY does', async () => {
    const admin = await createKey('admin');
    await as(admin.key)
      .post('/parties', aParty({ party_id: 'ADM' }))
      .expect(201);
    await as(admin.key).delete('/parties/NL/ADM').expect(204);
    const minted = await as(admin.key).post('/api-keys', { name: 'minted by admin key', scope: 'read' }).expect(201);
    await as(admin.key).delete(`/api-keys/${minted.body.id}`).expect(204);
  });

  test('a read key reads everything and changes nothing (403 naming its scope)', async () => {
    const reader = await createKey('read');
    await as(reader.key).get('/parties').expect(200);
    await as(reader.key).get('/parties/NL/EMP/tokens').expect(200);
    await as(reader.key).get('/api-keys').expect(200);
    await as(reader.key).get('/audit').expect(200);
    const refused = await as(reader.key)
      .post('/parties', aParty({ party_id: 'RDR' }))
      .expect(403);
    expect(refused.body.error.code).toBe('insufficient_scope');
    expect(refused.body.error.message).toMatch(/scope read allows GET and HEAD/);
    expect(refused.headers['www-authenticate']).toMatch(/insufficient_scope/);
    await as(reader.key).put('/parties/NL/CPO/tariffs/R1', aTariff('R1')).expect(403);
    await platform.admin().get('/parties/NL/RDR').expect(404);
    await platform.admin().get('/parties/NL/CPO/tariffs/R1').expect(404);
  });

  test("a party key reaches its party's backend API only, whatever the case of the path", async () => {
    const cpo = await createKey('party:NL/CPO');
    await as(cpo.key).put('/parties/NL/CPO/tariffs/P1', aTariff('P1')).expect(200);
    await as(cpo.key).get('/parties/nl/cpo/tariffs/P1').expect(200);
    await as(cpo.key).get('/parties/N%4C/CPO/tariffs/P1').expect(200);
    for (const [method, path] of [
      ['get', '/parties/NL/EMP/tokens'],
      ['put', '/parties/NL/EMP/tariffs/P1'],
      ['get', '/parties'],
      ['get', '/parties/NL/CPO'],
      ['delete', '/parties/NL/CPO'],
      // The router matches these to the party record itself (a trailing slash, any case).
      ['delete', '/parties/NL/CPO/'],
      ['delete', '/PARTIES/nl/cpo/'],
      ['delete', '/parties/NL/CPO//'],
      ['get', '/peers'],
      ['post', '/api-keys'],
      ['get', '/audit'],
      ['get', '/no-such-thing'],
    ] as const) {
      const res = await (method === 'put' ? as(cpo.key).put(path, aTariff('P1')) : as(cpo.key)[method](path));
      expect({ method, path, status: res.status, code: res.body.error?.code }).toEqual({ method, path, status: 403, code: 'insufficient_scope' });
      expect(res.body.error.message).toContain('scope party:NL/CPO allows the backend API of party NL/CPO only');
    }
    await platform.admin().get('/parties/NL/CPO').expect(200);
    // What those paths would have reached: the party record (an unknown one here), not "no endpoint".
    const record = await platform.admin().delete('/PARTIES/nl/nop/').expect(404);
    expect(record.body.error.message).toBe('Party not found');
  });

  test('the queue dashboard: read keys read it, party keys are refused, changes need scope admin', async () => {
    const reader = await createKey('read');
    const party = await createKey('party:NL/CPO');
    const admin = await createKey('admin');
    const board = await request(platform.url).get('/admin/queues/api/queues').set('Authorization', `Bearer ${reader.key}`).expect(200);
    expect(board.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    const basic = `Basic ${Buffer.from(`ops:${reader.key}`).toString('base64')}`;
    await request(platform.url).get('/admin/queues/api/queues').set('Authorization', basic).expect(200);
    const pause = await request(platform.url).put('/admin/queues/api/queues/pulls/pause').set('Authorization', `Bearer ${reader.key}`).send({}).expect(403);
    expect(pause.body.error.code).toBe('insufficient_scope');
    const refused = await request(platform.url).get('/admin/queues/api/queues').set('Authorization', `Bearer ${party.key}`).expect(403);
    expect(refused.body.error.message).toMatch(/queue dashboard needs scope admin or read/);
    const full = await request(platform.url).get('/admin/queues/api/queues').set('Authorization', `Bearer ${admin.key}`).expect(200);
    expect(full.body.queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
    await request(platform.url).get('/admin/queues/api/queues').set('Authorization', 'Bearer ak_nope').expect(401);
  });
});

describe('revocation', () => {
  test('a revoked key is refused by the very next call; revoking again is fine, an unknown id is a 404', async () => {
    const k = await createKey('party:NL/CPO');
    await as(k.key).get('/parties/NL/CPO/tariffs/NOPE').expect(404);
    await as(k.key).get('/whoami').expect(200);
    await platform.admin().delete(`/api-keys/${k.id}`).expect(204);
    const refused = await as(k.key).get('/whoami').expect(401);
    expect(refused.body.error.code).toBe('unauthorized');
    await platform.admin().delete(`/api-keys/${k.id}`).expect(204);
    await platform.admin().delete('/api-keys/00000000-0000-4000-8000-000000000000').expect(404);
    await platform.admin().delete('/api-keys/not-a-uuid').expect(400);
  });

  test('removing a party revokes its keys: a party registered later under the same id does not inherit them', async () => {
    await platform
      .admin()
      .post('/parties', aParty({ country_code: 'NL', party_id: 'TMP', role: 'CPO' }))
      .expect(201);
    const k = await createKey('party:nl/tmp');
    const other = await createKey('party:NL/CPO');
    await as(k.key).get('/parties/NL/TMP/tariffs/NOPE').expect(404);
    await platform.admin().delete('/parties/nl/tmp').expect(204);
    await as(k.key).get('/whoami').expect(401);
    await platform
      .admin()
      .post('/parties', aParty({ country_code: 'NL', party_id: 'TMP', role: 'CPO' }))
      .expect(201);
    await as(k.key).get('/parties/NL/TMP/tariffs/NOPE').expect(401);
    expect((await platform.admin().get(`/api-keys/${k.id}`).expect(200)).body.revoked_at).toEqual(expect.any(String));
    // Another party's key lives on.
    await as(other.key).get('/whoami').expect(200);
  });

  test('a second API process on the same database refuses a key revoked through the first at once', async () => {
    const second = await startTestPlatform('admin_api_keys_second', {
      // One deployment: the same database schema, Redis prefix and secrets.
      env: {
        DATABASE_URL: `${TEST_DATABASE_URL}?schema=${platform.schema}`,
        REDIS_PREFIX: platform.ctx.config.REDIS_PREFIX,
        TOKEN_ENCRYPTION_KEY: platform.ctx.config.TOKEN_ENCRYPTION_KEY,
      },
    });
    try {
      const k = await createKey('read');
      // Used twice there first, so the second process has it cached.
      await as(k.key, second.url).get('/parties').expect(200);
      await as(k.key, second.url).get('/whoami').expect(200);
      await platform.admin().delete(`/api-keys/${k.id}`).expect(204);
      await as(k.key, second.url).get('/whoami').expect(401);
      await as(k.key, platform.url).get('/whoami').expect(401);
      // And the other way round: revoked in the second, refused by the first.
      const other = await createKey('read');
      await as(other.key, platform.url).get('/whoami').expect(200);
      await as(other.key, platform.url).get('/whoami').expect(200);
      await as(ADMIN_KEY, second.url).delete(`/api-keys/${other.id}`).expect(204);
      await as(other.key, platform.url).get('/whoami').expect(401);
    } finally {
      await second.stop();
    }
  });
});

describe('the audit log', () => {
  test('records who changed what, on which target, with what outcome; never reads', async () => {
    const cpo = await createKey('party:NL/CPO', 'audit-cpo');
    await as(cpo.key).put('/parties/NL/CPO/tariffs/A1', aTariff('A1')).expect(200);
    await as(cpo.key).get('/parties/NL/CPO/tariffs/A1').expect(200);
    await as(cpo.key).delete('/parties/NL/EMP/tariffs/A1').expect(403);
    await as(cpo.key).put('/parties/NL/CPO/tariffs/A2', { not: 'a tariff' }).expect(400);
    const page = await audit('?key_name=audit-cpo');
    expect(page.total).toBe(3);
    expect(page.items).toEqual([
      expect.objectContaining({ method: 'PUT', route: '/parties/:country_code/:party_id/tariffs/:tariff_id', status: 400, error_code: 'validation_failed' }),
      expect.objectContaining({
        key_id: cpo.id,
        key_name: 'audit-cpo',
        key_scope: 'party:NL/CPO',
        method: 'DELETE',
        route: '/parties/:country_code/:party_id/tariffs/:tariff_id',
        path: '/parties/NL/EMP/tariffs/A1',
        target: { country_code: 'NL', party_id: 'EMP', tariff_id: 'A1' },
        status: 403,
        error_code: 'insufficient_scope',
      }),
      {
        id: expect.any(String),
        at: expect.any(String),
        key_id: cpo.id,
        key_name: 'audit-cpo',
        key_scope: 'party:NL/CPO',
        method: 'PUT',
        route: '/parties/:country_code/:party_id/tariffs/:tariff_id',
        path: '/parties/NL/CPO/tariffs/A1',
        target: { country_code: 'NL', party_id: 'CPO', tariff_id: 'A1' },
        status: 200,
        error_code: null,
        request_id: expect.any(String),
      },
    ]);
  });

  test('the bootstrap key is recorded as ADMIN_API_KEY; unauthenticated calls are not recorded', async () => {
    await platform
      .admin()
      .post('/parties', aParty({ party_id: 'BOO' }))
      .expect(201);
    await request(platform.url)
      .post('/admin/parties')
      .set('Authorization', 'Bearer wrong-key-0123456789')
      .send(aParty({ party_id: 'BAD' }))
      .expect(401);
    await request(platform.url)
      .post('/admin/parties')
      .send(aParty({ party_id: 'BAD' }))
      .expect(401);
    const page = await audit('?key_name=ADMIN_API_KEY&route=/parties');
    expect(page.items[0]).toMatchObject({ key_id: null, key_name: 'ADMIN_API_KEY', key_scope: 'admin', method: 'POST', route: '/parties', target: {}, status: 201 });
    expect(await auditTableText()).not.toContain('wrong-key-0123456789');
    expect((await audit('?status=401')).total).toBe(0);
  });

  test('never holds a body, a key or a token: not the invitation token a route answers, not a webhook secret', async () => {
    const cpo = await createKey('party:NL/CPO', 'audit-secrets');
    const admin = await createKey('admin', 'audit-secrets-admin');
    const invitation = await as(admin.key).post('/peers/invitations', { label: 'secret-label-xyz' }).expect(201);
    await as(cpo.key).put('/parties/NL/CPO/backend', { adapter: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123456789' }).expect(200);
    const text = await auditTableText();
    for (const secret of [invitation.body.token, 'secret-label-xyz', 'webhook-secret-0123456789', 'http://127.0.0.1:9/hook', cpo.key, admin.key, ADMIN_KEY]) {
      expect(text).not.toContain(secret);
    }
    const page = await audit('?key_name=audit-secrets-admin');
    expect(page.items[0]).toMatchObject({ route: '/peers/invitations', status: 201 });
  });

  test('filters by key, method, party, target, outcome, status and time, with paging and a total', async () => {
    const a = await createKey('party:NL/CPO', 'filter-cpo');
    const from = new Date().toISOString();
    for (const id of ['F1', 'F2', 'F3']) await as(a.key).put(`/parties/NL/CPO/tariffs/${id}`, aTariff(id)).expect(200);
    await as(a.key).delete('/parties/NL/CPO/tariffs/F3').expect(204);
    await as(a.key)
      .post('/parties', aParty({ party_id: 'FLT' }))
      .expect(403);
    await platform.ctx.services.adminAudit.flush();
    const to = new Date(Date.now() + 1).toISOString();

    const mine = await audit(`?key_name=FILTER-CPO&limit=2`);
    expect(mine).toMatchObject({ total: 5, offset: 0, limit: 2 });
    expect(mine.items.map((e) => e.method)).toEqual(['POST', 'DELETE']);
    const second = await audit(`?key_name=filter-cpo&limit=2&offset=2`);
    expect(second.items.map((e) => e.target.tariff_id)).toEqual(['F3', 'F2']);
    expect((await audit(`?key_id=${a.id}`)).total).toBe(5);
    expect((await audit(`?key_name=filter-cpo&method=delete`)).items.map((e) => e.target.tariff_id)).toEqual(['F3']);
    expect((await audit(`?key_name=filter-cpo&party=nl*cpo`)).total).toBe(4);
    expect((await audit(`?key_name=filter-cpo&country_code=NL&party_id=CPO`)).total).toBe(4);
    expect((await audit(`?target=f2`)).items.map((e) => e.path)).toEqual(['/parties/NL/CPO/tariffs/F2']);
    expect((await audit(`?key_name=filter-cpo&outcome=refused`)).items.map((e) => e.route)).toEqual(['/parties']);
    expect((await audit(`?key_name=filter-cpo&outcome=ok`)).total).toBe(4);
    expect((await audit(`?key_name=filter-cpo&outcome=failed`)).total).toBe(0);
    expect((await audit(`?key_name=filter-cpo&status=204`)).total).toBe(1);
    expect((await audit(`?key_name=filter-cpo&from=${from}&to=${to}`)).total).toBe(5);
    expect((await audit(`?key_name=filter-cpo&to=${from}`)).total).toBe(0);
  });

  test.each([
    ['party=NLCPO', 'query.party'],
    ['country_code=NL', 'query.party_id'],
    ['party=NL*CPO&country_code=NL&party_id=CPO', 'query.party'],
    ['from=yesterday', 'query.from'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
    ['method=FETCH', 'query.method'],
    ['outcome=maybe', 'query.outcome'],
    ['limit=0', 'query.limit'],
    ['limit=501', 'query.limit'],
    ['key_id=123', 'query.key_id'],
  ])('GET /audit?%s is a 400 naming %s', async (qs, field) => {
    const res = await platform.admin().get(`/audit?${qs}`).expect(400);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
  });

  test('a failure to record never fails the call, and its log line holds no secret', async () => {
    const k = await createKey('party:NL/CPO', 'audit-down');
    const table = `"${platform.schema}".admin_audit_entry`;
    await db.query(`ALTER TABLE ${table} RENAME TO admin_audit_entry_away`);
    try {
      await as(k.key).put('/parties/NL/CPO/tariffs/D1', aTariff('D1')).expect(200);
      await platform.ctx.services.adminAudit.flush();
    } finally {
      await db.query(`ALTER TABLE "${platform.schema}".admin_audit_entry_away RENAME TO admin_audit_entry`);
    }
    const lines = platform.logs.filter((l) => l.includes('could not write admin audit entries'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) for (const secret of [k.key, 'D1', '/tariffs/']) expect(line).not.toContain(secret);
    await platform.admin().get('/parties/NL/CPO/tariffs/D1').expect(200);
  });
});
