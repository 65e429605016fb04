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
