/**
 * The charge points a CPO party registered for OCPP: their password (scrypt, salted; only the
 * hash is stored), their location and optional connector mapping, and whether a process holds
 * their socket. Read by the admin API and by the WebSocket handshake.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { AppContext } from '../../context.js';
import { Prisma } from '../../db/prisma.js';
import type { PartyRef } from '../../ocpi/context.js';
import { partyKey } from '../../platform/parties/party-store.js';
import type { ConnectorMap } from './mapping.js';

const scrypt = promisify(crypto.scrypt) as (password: string | Buffer, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time check of a presented password (bytes as the Basic header carried them) against a stored hash. */
export async function passwordMatches(presented: Buffer, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(presented, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/**
 * Successful checks, remembered for a while in Redis (shared by the API processes, kept across
 * their restarts), so that a fleet reconnecting after a restart does not queue for minutes
 * behind one scrypt per charge point. The entry is an HMAC of the stored hash and the password
 * presented with it, under a key derived from TOKEN_ENCRYPTION_KEY (never in Redis, so a dump of
 * Redis gives nothing to guess passwords against): a reconnect presenting the same password
 * against the same stored hash is let in without scrypt. A changed password changes the stored
 * hash, which misses the entry; the admin API's change or removal also deletes it. A wrong
 * password never matches and pays the full scrypt check, as does an unknown charge point
 * (decoyPasswordCheck). Redis not answering: the full check.
 */
const VERIFIED_TTL_MS = 10 * 60_000;
const verifiedKeys = new WeakMap<AppContext, Buffer>();

function verifiedKeyOf(app: AppContext): Buffer {
  let key = verifiedKeys.get(app);
  if (!key) {
    key = Buffer.from(crypto.hkdfSync('sha256', Buffer.from(app.config.TOKEN_ENCRYPTION_KEY, 'base64'), Buffer.alloc(0), 'ocpp verified charge point password', 32));
    verifiedKeys.set(app, key);
  }
  return key;
}

const verifiedEntry = (app: AppContext, partyKeyValue: string, idKey: string) => `${app.config.REDIS_PREFIX}:ocpp:verified:${partyKeyValue}:${idKey}`;

/** The handshake's check: a recent success with the same password and stored hash (cached), else scrypt. */
export async function verifyChargePointPassword(
  app: AppContext,
  cp: Pick<ChargePointRecord, 'partyKey' | 'idKey' | 'passwordHash'>,
  presented: Buffer,
): Promise<{ valid: boolean; cached: boolean }> {
  const entry = verifiedEntry(app, cp.partyKey, cp.idKey);
  const digest = crypto.createHmac('sha256', verifiedKeyOf(app)).update(cp.passwordHash).update('\0').update(presented).digest();
  const hit = await app.redis.getBuffer(entry).catch(() => null);
  if (hit && hit.length === digest.length && crypto.timingSafeEqual(hit, digest)) return { valid: true, cached: true };
  if (!(await passwordMatches(presented, cp.passwordHash))) return { valid: false, cached: false };
  await app.redis.set(entry, digest, 'PX', VERIFIED_TTL_MS).catch((e: Error) => app.log.info({ err: e.message }, 'OCPP verified password not cached'));
  return { valid: true, cached: false };
}

/** The admin changed or removed the charge point: its next connect pays the full check, in every process. */
export async function forgetVerifiedPassword(app: AppContext, partyKeyValue: string, idKey: string): Promise<void> {
  // Not fatal: an entry is bound to the stored hash, which a new password replaces anyway.
  await app.redis.del(verifiedEntry(app, partyKeyValue, idKey)).catch((e: Error) => app.log.warn({ err: e.message }, 'OCPP verified password not forgotten'));
}

/** Checked against when the charge point is unknown, so that an unknown id costs as long as a wrong password. */
const DECOY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${crypto.randomBytes(16).toString('base64')}$${crypto.randomBytes(KEY_LENGTH).toString('base64')}`;

export async function decoyPasswordCheck(presented: Buffer | undefined): Promise<false> {
  await passwordMatches(presented ?? Buffer.alloc(0), DECOY_HASH);
  return false;
}

export interface ChargePointRecord {
  party: PartyRef;
  partyKey: string;
  idKey: string;
  chargePointId: string;
  passwordHash: string;
  locationId: string;
  connectors: ConnectorMap | null;
  protocol: string | null;
  boot: Record<string, unknown> | null;
  connectedSince: Date | null;
  lastSeenAt: Date | null;
  /** The process holding the socket (cluster.ts); commands for it are routed there. */
  holder: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const idKeyOf = (chargePointId: string) => chargePointId.toUpperCase();

type Row = {
  partyKey: string;
  idKey: string;
  countryCode: string;
  partyId: string;
  chargePointId: string;
  passwordHash: string;
  locationId: string;
  connectors: unknown;
  protocol: string | null;
  boot: unknown;
  connectedSince: Date | null;
  lastSeenAt: Date | null;
  holder: string | null;
  createdAt: Date;
  updatedAt: Date;
};

const record = (r: Row): ChargePointRecord => ({
  party: { countryCode: r.countryCode, partyId: r.partyId },
  partyKey: r.partyKey,
  idKey: r.idKey,
  chargePointId: r.chargePointId,
  passwordHash: r.passwordHash,
  locationId: r.locationId,
  connectors: (r.connectors as ConnectorMap | null) ?? null,
  protocol: r.protocol,
  boot: (r.boot as Record<string, unknown> | null) ?? null,
  connectedSince: r.connectedSince,
  lastSeenAt: r.lastSeenAt,
  holder: r.holder,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export async function findChargePoint(app: AppContext, party: PartyRef, chargePointId: string): Promise<ChargePointRecord | null> {
  const row = await app.db.ocppChargePoint.findUnique({
    where: { partyKey_idKey: { partyKey: partyKey(party.countryCode, party.partyId), idKey: idKeyOf(chargePointId) } },
  });
  return row ? record(row) : null;
}

export async function listChargePoints(app: AppContext, party: PartyRef, locationId?: string): Promise<ChargePointRecord[]> {
  const rows = await app.db.ocppChargePoint.findMany({
    where: { partyKey: partyKey(party.countryCode, party.partyId), ...(locationId ? { locationId: { equals: locationId, mode: 'insensitive' } } : {}) },
    orderBy: { idKey: 'asc' },
  });
  return rows.map(record);
}

/** Creates or replaces a registration; a new password replaces the hash, none keeps it. */
export async function saveChargePoint(
  app: AppContext,
  party: PartyRef,
  chargePointId: string,
  input: { password?: string; locationId: string; connectors: ConnectorMap | null },
): Promise<{ record: ChargePointRecord; created: boolean }> {
  const key = { partyKey: partyKey(party.countryCode, party.partyId), idKey: idKeyOf(chargePointId) };
  await forgetVerifiedPassword(app, key.partyKey, key.idKey);
  const existing = await app.db.ocppChargePoint.findUnique({ where: { partyKey_idKey: key } });
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  if (existing) {
    const row = await app.db.ocppChargePoint.update({
      where: { partyKey_idKey: key },
      data: { locationId: input.locationId, connectors: input.connectors ?? Prisma.DbNull, ...(passwordHash ? { passwordHash } : {}) },
    });
    return { record: record(row), created: false };
  }
  if (!passwordHash) throw new Error('a new charge point needs a password');
  const row = await app.db.ocppChargePoint.create({
    data: {
      ...key,
      countryCode: party.countryCode,
      partyId: party.partyId,
      chargePointId,
      passwordHash,
      locationId: input.locationId,
      connectors: input.connectors ?? Prisma.DbNull,
    },
  });
  return { record: record(row), created: true };
}

export async function deleteChargePoint(app: AppContext, party: PartyRef, chargePointId: string): Promise<boolean> {
  await forgetVerifiedPassword(app, partyKey(party.countryCode, party.partyId), idKeyOf(chargePointId));
  const { count } = await app.db.ocppChargePoint.deleteMany({ where: { partyKey: partyKey(party.countryCode, party.partyId), idKey: idKeyOf(chargePointId) } });
  return count > 0;
}

/**
 * The socket opened in process `holder` (protocol), is still alive (seen), or closed. A close
 * only counts while the row still names this holder: the charge point may already have
 * reconnected to another process. It starts the grace period after which its EVSEs turn
 * UNKNOWN (offline.ts); a connection ends it.
 */
export async function markConnection(
  app: AppContext,
  cp: Pick<ChargePointRecord, 'partyKey' | 'idKey'>,
  change: { connected?: boolean; holder?: string; protocol?: string; boot?: Record<string, unknown> },
): Promise<void> {
  const now = new Date();
  const closing = change.connected === false;
  await app.db.ocppChargePoint.updateMany({
    where: { partyKey: cp.partyKey, idKey: cp.idKey, ...(closing && change.holder ? { holder: change.holder } : {}) },
    data: {
      lastSeenAt: now,
      ...(change.connected === true ? { connectedSince: now, holder: change.holder ?? null, offlineDueAt: null } : {}),
      ...(closing ? { connectedSince: null, holder: null, offlineDueAt: new Date(now.getTime() + app.config.OCPP_OFFLINE_GRACE_SECONDS * 1000) } : {}),
      ...(change.protocol ? { protocol: change.protocol } : {}),
      ...(change.boot ? { boot: change.boot as Prisma.InputJsonValue } : {}),
    },
  });
}

/**
 * Last seen, for operators: noted by the messages of a connection (at most once a minute each)
 * and written for all the charge points noted together, one statement every SEEN_FLUSH_MS, so
 * that a fleet's traffic does not cost one UPDATE per charge point on the way to its answers.
 */
const SEEN_FLUSH_MS = 5_000;
const seenBatches = new WeakMap<AppContext, Map<string, [string, string]>>();

export function noteSeen(app: AppContext, cp: Pick<ChargePointRecord, 'partyKey' | 'idKey'>): void {
  let batch = seenBatches.get(app);
  if (!batch) {
    const fresh = new Map<string, [string, string]>();
    seenBatches.set(app, fresh);
    batch = fresh;
    setTimeout(() => {
      seenBatches.delete(app);
      void flushSeen(app, [...fresh.values()]).catch((e: Error) => app.log.info({ err: e.message, charge_points: fresh.size }, 'OCPP last seen not written'));
    }, SEEN_FLUSH_MS).unref();
  }
  batch.set(`${cp.partyKey}|${cp.idKey}`, [cp.partyKey, cp.idKey]);
}

async function flushSeen(app: AppContext, keys: Array<[string, string]>): Promise<void> {
  const table = `"${app.config.DATABASE_SCHEMA.replace(/"/g, '""')}"."ocpp_charge_point"`;
  await app.db.$executeRawUnsafe(
    `UPDATE ${table} SET last_seen_at = now() WHERE (party_key, id_key) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[]))`,
    keys.map((k) => k[0]),
    keys.map((k) => k[1]),
  );
}
