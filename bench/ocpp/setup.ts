/**
 * bench/ocpp's data and eMSP: a fresh schema with a CPO party NL/CPO on the `ocpp` backend, one
 * location of 4 EVSEs and one registered charge point (all with the same password) per simulated
 * charge point, and an eMSP peer whose locations receiver is a local HTTP sink that notes when
 * each EVSE status push arrives.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createAppContext } from '../../src/app-context.js';
import { hashPassword } from '../../src/backends/ocpp/charge-points.js';
import { parseConfig } from '../../src/config.js';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { migrate } from '../../src/db/migrate.js';
import { createPrisma } from '../../src/db/prisma.js';
import { descriptors, moduleInterfaces } from '../../src/modules/registry.js';
import { createRedis } from '../../src/redis.js';
import { location, platformEnv } from '../cpo/run.js';
import { BENCH_DATABASE_URL } from '../environment.js';

export const PASSWORD = 'bench-charge-point-password';
export const chargePointId = (i: number) => `CP${i}`;

/** The eMSP's locations receiver: answers OCPI 1000 and notes when each EVSE's status push arrived. */
export interface Sink {
  url: string;
  /** `{evse_uid} {status}` -> arrival times (ms, performance.now based on Date.now). */
  arrivals: Map<string, number[]>;
  pushes: () => number;
  close: () => void;
}

export function startSink(): Promise<Sink> {
  const arrivals = new Map<string, number[]>();
  let pushes = 0;
  const answer = JSON.stringify({ status_code: 1000, timestamp: '2025-01-01T00:00:00Z' });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      // PATCH {receiver}/NL/CPO/{location}/{evse}: an EVSE's status.
      const parts = (req.url ?? '').split('?')[0].split('/');
      if (req.method === 'PATCH' && parts.length >= 2) {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status?: string };
          if (body.status) {
            pushes++;
            const key = `${parts[parts.length - 1]} ${body.status}`;
            const list = arrivals.get(key) ?? [];
            list.push(at);
            arrivals.set(key, list);
          }
        } catch {
          /* not a status push */
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, pushes: () => pushes, close: () => server.close() }),
    ),
  );
}

/**
 * A hash in the platform's format with a cheaper scrypt cost (N=1024): the stored string names its
 * parameters, so the handshake checks it as it stands. Only the bench's capacity part uses it, to
 * reach 10,000 sockets in minutes; the platform's own hashing (hashPassword, N=16384) is unchanged.
 */
function cheapHash(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** The first `fullHashes` charge points get the platform's own hash, the others `cheapHash`. */
export async function prepareOcppSchema(chargePoints: number, fullHashes: number, sinkUrl: string): Promise<{ schema: string; env: Record<string, string> }> {
  const schema = `bench_ocpp_${crypto.randomBytes(3).toString('hex')}`;
  const url = `${BENCH_DATABASE_URL}?schema=${schema}`;
  const env = platformEnv(url, schema);
  await ensureDatabase(url);
  await migrate(url, schema);

  const config = parseConfig({ ...env });
  const db = createPrisma(url, schema, 4);
  const redis = createRedis(config.REDIS_URL, 'commands');
  const ctx = createAppContext({ config, log: pino({ level: 'warn' }), db, redis, interfaces: moduleInterfaces, descriptors });
  try {
    await ctx.parties.create({ countryCode: 'NL', partyId: 'CPO', roles: ['CPO'], businessDetails: { name: 'Bench CPO' } });
    await ctx.parties.setBackend('NL', 'CPO', { adapter: 'ocpp' });
    const ours = ctx.secrets.generateToken();
    const credential = { kind: 'B' as const, tokenHash: ctx.secrets.hash(ours), tokenEnc: ctx.secrets.encrypt(ours) };
    const endpoints = [
      { identifier: 'locations', role: 'RECEIVER', url: `${sinkUrl}/emsp/locations` },
      { identifier: 'credentials', role: 'SENDER', url: `${sinkUrl}/c` },
    ];
    const peer = await ctx.peerStore.createOutgoing('bench eMSP', `${sinkUrl}/versions`, '2.2.1', endpoints, 'base64', credential);
    await ctx.peerStore.saveConnection(
      peer.id,
      {
        versionsUrl: `${sinkUrl}/versions`,
        version: '2.2.1',
        endpoints,
        peerTokenEnc: ctx.secrets.encrypt('bench-emsp-token'),
        roles: [{ role: 'EMSP', countryCode: 'DE', partyId: 'EMS', businessDetails: { name: 'eMSP' } }],
      },
      { keepHashes: [credential.tokenHash] },
    );
    const base = Date.UTC(2025, 0, 1);
    // One hash of each kind for all: each handshake still runs its scrypt check.
    const fullHash = await hashPassword(PASSWORD);
    const lightHash = cheapHash(PASSWORD);
    for (let i = 0; i < chargePoints; i += 1000) {
      const n = Math.min(1000, chargePoints - i);
      const docs = Array.from({ length: n }, (_, k) => location(i + k, base + (i + k) * 1000));
      await db.$executeRawUnsafe(
        `INSERT INTO "${schema}"."own_location" (location_key, party_key, last_updated, document) SELECT k, 'NLCPO', u, d::jsonb FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS t(k, u, d)`,
        docs.map((d) => d.id),
        docs.map((d) => new Date(d.last_updated)),
        docs.map((d) => JSON.stringify(d)),
      );
      await db.ocppChargePoint.createMany({
        data: docs.map((d, k) => ({
          partyKey: 'NLCPO',
          idKey: chargePointId(i + k).toUpperCase(),
          countryCode: 'NL',
          partyId: 'CPO',
          chargePointId: chargePointId(i + k),
          passwordHash: i + k < fullHashes ? fullHash : lightHash,
          locationId: d.id,
        })),
      });
    }
    await db.$executeRawUnsafe(`ANALYZE "${schema}"."own_location"`);
  } finally {
    await db.$disconnect();
    redis.disconnect();
  }
  return { schema, env };
}

/** How many of the registered charge points a process marks connected. */
export async function connectedInDb(schema: string): Promise<number> {
  const { Client } = await import('pg');
  const c = new Client({ connectionString: BENCH_DATABASE_URL });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."ocpp_charge_point" WHERE connected_since IS NOT NULL`);
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}
