/**
 * What the worker's fast path must keep: a change serialised once still reaches every peer as
 * its exact stored body with that peer's own token and routing, a translation still decides what
 * a peer gets, outcomes are counted exactly once although they are added up per round, and the
 * transport's lean handler still assembles answers, bounds the whole exchange and applies the URL
 * policy to every authority it has not judged yet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OcpiClient } from '../../src/ocpi/client.js';
import type { OutboundRequest } from '../../src/ocpi/transport.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { FAST_DELIVERY, type ReceivingPeer, aLocationMessage, aReceivingPeer } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let platform: TestPlatform;
let peers: ReceivingPeer[];
let spy: jest.SpyInstance;
const PARTIES = ['EMA', 'EMB', 'EMC'];

beforeAll(async () => {
  platform = await startTestPlatform('worker_throughput', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  peers = [];
  for (const party of PARTIES) peers.push(await aReceivingPeer(platform, party));
  spy = jest.spyOn(platform.ctx.client.transport, 'send');
});

afterAll(async () => {
  spy?.mockRestore();
  for (const p of peers ?? []) await p.fake.close();
  await platform?.stop();
});

/** One change for every peer, built from one object as the modules build a fan-out. */
function change(n: number, version: number) {
  const template = aLocationMessage(peers[0].peerId, n, version);
  return { body: template.body, messages: peers.map((p, i) => ({ ...template, peerId: p.peerId, to: { countryCode: 'DE', partyId: PARTIES[i] } })) };
}

const sentTo = (path: string) => spy.mock.calls.map(([r]) => r as OutboundRequest).filter((r) => r.kind === 'ocpi' && r.url.endsWith(path));

test('a change to several peers reaches each with the same stored bytes and its own token and routing headers', async () => {
  const { body, messages } = change(1, 3);
  await platform.ctx.outbox.enqueue(platform.ctx.db, messages);
  await platform.whenIdle();
  const sent = sentTo('/emsp/locations/NL/CPO/OBJ1');
  expect(sent).toHaveLength(3);
  expect(JSON.parse(sent[0].body ?? '')).toEqual(body);
  expect(new Set(sent.map((r) => r.body)).size).toBe(1);
  expect(new Set(sent.map((r) => r.headers.Authorization)).size).toBe(3);
  expect(sent.map((r) => r.headers['OCPI-to-party-id']).sort()).toEqual(PARTIES);
  expect(sent.every((r) => r.headers['Content-Type'] === 'application/json')).toBe(true);
  for (const p of peers) expect(p.arrivals.filter((a) => a.path === '/emsp/locations/NL/CPO/OBJ1').map((a) => a.version)).toEqual([3]);
});

test("a peer's translation still decides its body while the others get the stored one", async () => {
  const translated = peers[1].peerId;
  platform.ctx.wireTranslations.register('2.2.1', 'locations', {
    outbound: (message, peer) => (peer.id === translated ? { ...(message.body as object), version: 99 } : message.body),
  });
  try {
    await platform.ctx.outbox.enqueue(platform.ctx.db, change(2, 4).messages);
    await platform.whenIdle();
  } finally {
    // Back to no translation for the stored model's own version.
    platform.ctx.wireTranslations.register('2.2.1', 'locations', {});
  }
  const versions = peers.map((p) => p.arrivals.filter((a) => a.path === '/emsp/locations/NL/CPO/OBJ2').map((a) => a.version));
  expect(versions).toEqual([[4], [99], [4]]);
});

test('every delivery is counted once in ocpi_deliveries_total, though counts are added per round', async () => {
  const delivered = async () =>
    (await platform.ctx.metrics.deliveries.get()).values.find((v) => v.labels.peer === peers[2].peerId && v.labels.module === 'locations' && v.labels.result === 'delivered')
      ?.value ?? 0;
  const deliveredRows = () => platform.ctx.db.outboxMessage.count({ where: { peerId: peers[2].peerId, module: 'locations', status: 'DELIVERED' } });
  const before = await deliveredRows();
  for (let n = 3; n < 8; n++) await platform.ctx.outbox.enqueue(platform.ctx.db, [aLocationMessage(peers[2].peerId, n, 1, { to: { countryCode: 'DE', partyId: 'EMC' } })]);
  await platform.whenIdle();
  expect((await deliveredRows()) - before).toBe(5);
  // A round adds its counts as it ends, just after its rows are marked delivered (which is what
  // whenIdle sees): the counter catches up with the rows, every one counted once, this test's and
  // the earlier ones'.
  await eventually(async () => expect(await delivered()).toBe(await deliveredRows()));
});

describe('transport', () => {
  let server: http.Server;
  let base: string;
  let handle: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end('{}');

  beforeAll(async () => {
    server = http.createServer((req, res) => handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (path: string, timeoutMs = 2000) =>
    platform.ctx.client.transport.send({ kind: 'webhook', method: 'POST', url: `${base}${path}`, headers: {}, body: '{}', timeoutMs });

  test('an answer in several chunks is assembled before it is decoded, a character split across chunks included', async () => {
    handle = (_req, res) => {
      const bytes = Buffer.from('{"name":"Café Zürich"}', 'utf8');
      const split = bytes.indexOf(0xc3) + 1;
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Twice': ['a', 'b'] });
      res.write(bytes.subarray(0, split));
      setTimeout(() => res.end(bytes.subarray(split)), 20);
    };
    const reply = await send('/chunks');
    expect(reply).toMatchObject({ status: 200, body: '{"name":"Café Zürich"}' });
    expect(reply.headers['x-twice']).toBe('a, b');
  });

  test('the timeout bounds the whole exchange: an answer that trickles in past it fails as a timeout', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(drip));
    };
    await expect(send('/trickle', 300)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  test('the URL policy judges every authority, also after another one on the same host was accepted', async () => {
    handle = (_req, res) => res.end('{}');
    const client = new OcpiClient({ timeoutMs: 1000, policy: platform.ctx.urlPolicy, logger: platform.ctx.log });
    const hook = (url: string) => client.webhook({ url, body: '{}', headers: {} });
    for (let i = 0; i < 2; i++) {
      await expect(hook(`${base}/ok`)).resolves.toEqual({});
      await expect(hook(`${base.replace('://', '://user:secret@')}/ok`)).rejects.toMatchObject({ kind: 'policy' });
      await expect(hook('http://169.254.169.254/latest/meta-data')).rejects.toMatchObject({ kind: 'policy' });
      await expect(hook(`ftp://127.0.0.1:${new URL(base).port}/ok`)).rejects.toMatchObject({ kind: 'policy' });
    }
  });
});
