/**
 * Faults a running platform must ride out without help: PostgreSQL or Redis unreachable for a few
 * seconds (cut at a TCP proxy in front of each, see docs/reliability.md) while a peer keeps
 * reading and the CPO backend keeps writing, and peers that answer slowly, with truncated JSON,
 * or with a list whose Link points at itself.
 */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation, later } from '../helpers/locations.js';
import { Client } from 'pg';
import { locationsChannel } from '../../src/modules/2.2.1/locations/read-model.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type TcpProxy, startTcpProxy } from '../helpers/tcp-proxy.js';

const OUTAGE_MS = 3000;
/** Longer than FAST_DELIVERY's OUTBOUND_TIMEOUT_MS: the platform gives up on the call. */
const SLOW_MS = 2600;
const EVSE_PATH = '/emsp/locations/NL/CPO/LOC1/EVSE1';
const STATUSES = ['AVAILABLE', 'CHARGING', 'BLOCKED', 'OUTOFORDER', 'RESERVED'];

let pg: TcpProxy;
let redis: TcpProxy;
let platform: TestPlatform;
let emsp: FakePeer;
let tokenC: string;
let emspPeerId: string;
/** How the eMSP answers pushes right now. */
let receiver: 'ok' | 'slow' | 'truncated' = 'ok';

/** What the eMSP received for EVSE1, in arrival order. */
const evsePushes = () => emsp.received.filter((r) => r.method === 'PATCH' && r.path === EVSE_PATH).map((r) => r.body as { status: string; last_updated: string });

beforeAll(async () => {
  pg = await startTcpProxy({ port: 5432 });
  redis = await startTcpProxy({ port: Number(new URL(TEST_REDIS_URL).port || 6379), host: new URL(TEST_REDIS_URL).hostname });
  platform = await startTestPlatform('faults', {
    databaseHost: `127.0.0.1:${pg.port}`,
    env: { ...FAST_DELIVERY, REDIS_URL: `redis://127.0.0.1:${redis.port}`, LOG_LEVEL: 'warn' },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1')).expect(200);
  emsp = await startFakePeer([{ identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' }]);
  emsp.acceptedTokens.add('faults-emsp-b');
  for (const method of ['PUT', 'PATCH']) {
    emsp.on(method, '/emsp/locations/*', async (_req, res) => {
      if (receiver === 'slow') await sleep(SLOW_MS);
      if (receiver === 'truncated') return void res.status(200).type('application/json').send('{"status_code":1000,"timest');
      res.json(ok());
    });
  }
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  emspPeerId = invitation.body.peer_id;
  const reg = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'faults-emsp-b', url: emsp.versionsUrl, roles: [aCredentialsRole()] });
  tokenC = reg.body.data.token;
}, 30000);

afterAll(async () => {
  pg?.restore();
  redis?.restore();
  await emsp?.close();
  await platform?.stop();
  await Promise.all([pg?.close(), redis?.close()]);
});

interface OcpiAnswer {
  at: number;
  http: number;
  retryAfter?: string;
  statusCode?: number;
  message?: string;
  raw: string;
}

/**
 * Steady traffic: the eMSP reads the location (list and object) and the CPO backend changes
 * EVSE1's status every ~100 ms, each change with a newer last_updated.
 */
function startTraffic() {
  const answers: OcpiAnswer[] = [];
  const acked: Array<{ status: string; last_updated: string; at: number }> = [];
  const refusedWrites: Array<{ http: number; body: unknown }> = [];
  let running = true;
  const read = async (path: string) => {
    try {
      const res = await request(platform.url).get(`/ocpi/cpo/2.2.1/locations${path}`).set('Authorization', tokenHeader(tokenC)).timeout(10000);
      answers.push({
        at: Date.now(),
        http: res.status,
        retryAfter: res.headers['retry-after'],
        statusCode: res.body?.status_code,
        message: res.body?.status_message,
        raw: res.text,
      });
    } catch (e) {
      // A request still unanswered after 10 s counts as a hang.
      answers.push({ at: Date.now(), http: 0, message: (e as Error).message, raw: '' });
    }
  };
  const readLoop = async () => {
    for (let i = 0; running; i++) {
      await read(i % 2 ? '' : '/LOC1');
      await sleep(40);
    }
  };
  const writeLoop = async () => {
    for (let i = 0; running; i++) {
      const body = { status: STATUSES[i % STATUSES.length], last_updated: later() };
      try {
        const res = await platform.admin().patch('/parties/NL/CPO/locations/LOC1/EVSE1', body).timeout(10000);
        if (res.status === 200) acked.push({ ...body, at: Date.now() });
        else refusedWrites.push({ http: res.status, body: res.body });
      } catch (e) {
        refusedWrites.push({ http: 0, body: (e as Error).message });
      }
      await sleep(100);
    }
  };
  const loops = Promise.all([readLoop(), readLoop(), writeLoop()]);
  return {
    answers,
    acked,
    refusedWrites,
    async stop() {
      running = false;
      await loops;
    },
  };
}

type Traffic = ReturnType<typeof startTraffic>;

/** Runs traffic, cuts `proxy` for OUTAGE_MS, restores it, and keeps going until reads succeed again. */
async function outage(proxy: TcpProxy): Promise<{ traffic: Traffic; cutAt: number; restoredAt: number; acceptedBefore: number }> {
  const traffic = startTraffic();
  await sleep(500);
  const acceptedBefore = proxy.accepted;
  const cutAt = Date.now();
  proxy.cut();
  await sleep(OUTAGE_MS);
  proxy.restore();
  const restoredAt = Date.now();
  try {
    await eventually(
      () => {
        const recent = traffic.answers.filter((a) => a.at > restoredAt);
        expect(recent.slice(-4).map((a) => a.statusCode)).toEqual([1000, 1000, 1000, 1000]);
        expect(traffic.acked.filter((a) => a.at > restoredAt).length).toBeGreaterThanOrEqual(3);
      },
      20000,
      100,
    );
  } finally {
    await traffic.stop();
  }
  return { traffic, cutAt, restoredAt, acceptedBefore };
}

/**
 * Every acknowledged write reached the eMSP, none arrived after a newer one (a message whose
 * acknowledgement was lost in the outage may arrive twice in a row), and the last one is the
 * last the eMSP received.
 */
async function expectEveryAckedWriteDeliveredInOrder(traffic: Traffic) {
  const last = traffic.acked[traffic.acked.length - 1];
  await eventually(() => expect(evsePushes().at(-1)).toEqual({ status: last.status, last_updated: last.last_updated }), 20000, 100);
  const received = evsePushes().map((p) => p.last_updated);
  received.forEach((stamp, i) => i > 0 && expect(stamp >= received[i - 1]).toBe(true));
  const receivedSet = new Set(received);
  expect(traffic.acked.filter((a) => !receivedSet.has(a.last_updated))).toEqual([]);
  // And the peer-facing view agrees: the last status wins.
  const evse = await request(platform.url).get('/ocpi/cpo/2.2.1/locations/LOC1/EVSE1').set('Authorization', tokenHeader(tokenC)).expect(200);
  expect(evse.body.data).toMatchObject({ status: last.status, last_updated: last.last_updated });
}

describe('PostgreSQL unreachable for a few seconds', () => {
  let run: Awaited<ReturnType<typeof outage>>;
  beforeAll(async () => {
    run = await outage(pg);
  }, 45000);

  test('OCPI requests fail cleanly during the outage: HTTP 503, OCPI 3000, Retry-After and a message naming no secret', () => {
    const failed = run.traffic.answers.filter((a) => a.statusCode !== 1000);
    expect(failed.length).toBeGreaterThan(0);
    for (const a of failed) {
      expect({ http: a.http, statusCode: a.statusCode, retryAfter: a.retryAfter }).toEqual({ http: 503, statusCode: 3000, retryAfter: '5' });
      expect(a.message).toEqual(expect.any(String));
      for (const secret of [tokenC, 'faults-emsp-b', 'postgres', String(pg.port), platform.schema]) expect(a.raw).not.toContain(secret);
    }
    // Nothing failed outside the outage (plus a short reconnection).
    expect(failed.filter((a) => a.at < run.cutAt)).toEqual([]);
  });

  test('no request hangs: every read was answered', () => {
    expect(run.traffic.answers.filter((a) => a.http === 0)).toEqual([]);
  });

  test('the platform recovers by itself once PostgreSQL is back', () => {
    expect(pg.accepted).toBeGreaterThan(run.acceptedBefore);
    expect(run.traffic.answers.filter((a) => a.at > run.restoredAt && a.statusCode === 1000).length).toBeGreaterThan(0);
  });

  test('the NOTIFY listeners (outbox dispatcher, locations read model) come back, one session each', async () => {
    const channels = [platform.ctx.outbox.channel, locationsChannel(platform.schema)];
    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    try {
      // A listening session's last statement is its LISTEN; the model reconnects after ~1 s.
      await eventually(
        async () => {
          const { rows } = await db.query<{ query: string; n: number }>(
            `SELECT query, count(*)::int AS n FROM pg_stat_activity WHERE query = ANY($1) GROUP BY query ORDER BY query`,
            [channels.map((c) => `LISTEN "${c}"`)],
          );
          expect(rows).toEqual(channels.map((c) => ({ query: `LISTEN "${c}"`, n: 1 })).sort((a, b) => (a.query < b.query ? -1 : 1)));
        },
        10000,
        200,
      );
    } finally {
      await db.end();
    }
  });

  test('backend writes refused during the outage are answered 503, not 500', () => {
    for (const w of run.traffic.refusedWrites) expect(w.http).toBe(503);
  });

  test('every backend write acknowledged before or after the outage reaches the eMSP in order, and the last status wins', async () => {
    await expectEveryAckedWriteDeliveredInOrder(run.traffic);
  }, 30000);
});

describe('Redis unreachable for a few seconds', () => {
  let run: Awaited<ReturnType<typeof outage>>;
  beforeAll(async () => {
    run = await outage(redis);
  }, 45000);

  test('OCPI requests and backend writes do not depend on Redis: they keep succeeding during the outage', () => {
    expect(run.traffic.answers.filter((a) => a.statusCode !== 1000)).toEqual([]);
    expect(run.traffic.refusedWrites).toEqual([]);
    expect(run.traffic.acked.filter((a) => a.at > run.cutAt && a.at < run.restoredAt).length).toBeGreaterThan(0);
  });

  test('the platform reconnects to Redis and pushes resume: every acknowledged write reaches the eMSP in order', async () => {
    await eventually(() => expect(redis.accepted).toBeGreaterThan(run.acceptedBefore), 10000, 100);
    await expectEveryAckedWriteDeliveredInOrder(run.traffic);
  }, 30000);
});

describe('misbehaving peers', () => {
  const patchEvse = async (status: string) => {
    const body = { status, last_updated: later() };
    await platform.admin().patch('/parties/NL/CPO/locations/LOC1/EVSE1', body).expect(200);
    return body;
  };
  const outboxRow = (lastUpdated: string) => platform.ctx.db.outboxMessage.findFirstOrThrow({ where: { peerId: emspPeerId, lastUpdated: new Date(lastUpdated) } });
  afterEach(() => {
    receiver = 'ok';
  });

  test('a push to a peer that answers too slowly times out, is retried, and arrives once the peer answers in time', async () => {
    receiver = 'slow';
    const body = await patchEvse('CHARGING');
    await eventually(async () => expect((await outboxRow(body.last_updated)).lastError).toContain('timed out'), 15000, 100);
    receiver = 'ok';
    await eventually(async () => expect((await outboxRow(body.last_updated)).status).toBe('DELIVERED'), 15000, 100);
    expect(evsePushes().at(-1)).toEqual(body);
  }, 30000);

  test('a push answered with truncated JSON is not taken as delivered: it is retried until a complete answer comes', async () => {
    receiver = 'truncated';
    const body = await patchEvse('BLOCKED');
    await eventually(async () => expect((await outboxRow(body.last_updated)).lastError).toContain('not JSON'), 15000, 100);
    expect((await outboxRow(body.last_updated)).status).toBe('PENDING');
    receiver = 'ok';
    await eventually(async () => expect((await outboxRow(body.last_updated)).status).toBe('DELIVERED'), 15000, 100);
  }, 30000);

  describe('pulling a list from a peer', () => {
    let cpo: FakePeer;
    let cpoPeerId: string;
    let list: 'self-link' | 'truncated' | 'slow' = 'self-link';
    // The probe asks with limit=2; our CPO's own tokens pull of this eMSP peer reads the same list.
    const listCalls = () => cpo.received.filter((r) => r.path === '/cpo/tokens-list' && r.query.limit === '2').length;
    const pullState = () => platform.ctx.db.pullState.findFirstOrThrow({ where: { peerId: cpoPeerId, module: 'faults_probe' } });

    /** Makes the probe pull due now and waits until it has finished, successfully or not. */
    async function pullNow() {
      const marker = new Date();
      await platform.ctx.db.pullState.updateMany({ where: { peerId: cpoPeerId, module: 'faults_probe' }, data: { nextPullAt: new Date(), lastError: null } });
      return eventually(
        async () => {
          const s = await pullState();
          expect(s.lastStartedAt!.getTime()).toBeGreaterThanOrEqual(marker.getTime());
          expect(s.lastError !== null || s.lastSuccessAt!.getTime() >= marker.getTime()).toBe(true);
          return s;
        },
        15000,
        100,
      );
    }

    beforeAll(async () => {
      cpo = await startFakePeer([{ identifier: 'tokens', role: 'SENDER', path: '/cpo/tokens-list' }]);
      cpo.acceptedTokens.add('faults-cpo-b');
      cpo.on('GET', '/cpo/tokens-list', async (req, res) => {
        if (list === 'slow') await sleep(SLOW_MS);
        if (list === 'truncated') return void res.status(200).type('application/json').send('{"data":[{"uid":"T1"},{"ui');
        // Every page says the next page is this very page.
        res.set('Link', `<${cpo.url}${req.originalUrl}>; rel="next"`).set('X-Total-Count', '1000');
        res.json(ok([{ uid: 'T1' }, { uid: 'T2' }]));
      });
      // A probe pull handler for this peer alone: it walks the list the way real pulls do.
      platform.ctx.pulls.register({
        module: 'faults_probe',
        appliesTo: (peer) => peer.id === cpoPeerId,
        async pull({ app, peer, token }) {
          const url = peer.endpoints.find((e) => e.identifier === 'tokens' && e.role === 'SENDER')!.url;
          let count = 0;
          for await (const page of app.client.paginate({ method: 'GET', url, token, encoding: peer.authEncoding, query: { limit: 2 } })) count += page.length;
          return count;
        },
      });
      const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
      cpoPeerId = invitation.body.peer_id;
      await request(platform.url)
        .post('/ocpi/2.2.1/credentials')
        .set('Authorization', tokenHeader(invitation.body.token))
        .send({ token: 'faults-cpo-b', url: cpo.versionsUrl, roles: [aCredentialsRole({ role: 'EMSP', party_id: 'EPL' })] })
        .expect(200);
      // The first (full) pull happens on its own; wait for it so each test drives its own.
      await eventually(async () => expect((await pullState()).lastStartedAt).not.toBeNull(), 15000, 100);
      await eventually(
        async () => {
          const s = await pullState();
          expect(s.lastSuccessAt !== null || s.lastError !== null).toBe(true);
        },
        15000,
        100,
      );
    }, 30000);
    afterAll(async () => {
      await cpo?.close();
    });

    test('a list whose Link points at the page itself ends the pull instead of looping', async () => {
      list = 'self-link';
      const before = listCalls();
      const state = await pullNow();
      expect(state.lastError).toBeNull();
      expect(state.lastCount).toBe(2);
      expect(listCalls() - before).toBe(1);
    }, 20000);

    test('a list page cut off mid-JSON fails the pull with a recorded error, and the next pull succeeds', async () => {
      list = 'truncated';
      expect((await pullNow()).lastError).toContain('not JSON');
      list = 'self-link';
      expect((await pullNow()).lastError).toBeNull();
    }, 30000);

    test('a list that answers too slowly fails the pull with a timeout instead of hanging it', async () => {
      list = 'slow';
      expect((await pullNow()).lastError).toContain('timed out');
    }, 20000);
  });
});
