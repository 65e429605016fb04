/** Prisma storage of peers, the tokens we issued them and the roles they declared. */
import type { Db } from '../../db/prisma.js';
import { Prisma } from '../../db/prisma.js';
import { partyKey } from '../parties/party-store.js';

export type PeerStatus = 'PENDING' | 'REGISTERED' | 'SUSPENDED' | 'UNREGISTERED';
export type CredentialKind = 'A' | 'B' | 'C';

export interface PeerEndpoint {
  identifier: string;
  role: string;
  url: string;
}

export interface PeerRoleRecord {
  role: string;
  countryCode: string;
  partyId: string;
  businessDetails: unknown;
}

export interface PeerRecord {
  id: string;
  status: PeerStatus;
  initiatedBy: 'US' | 'PEER' | null;
  label: string | null;
  versionsUrl: string | null;
  version: string | null;
  endpoints: PeerEndpoint[];
  peerTokenEnc: string | null;
  authEncoding: 'base64' | 'raw';
  retryWindowMinutes: number | null;
  lastContactAt: Date | null;
  registeredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  roles: PeerRoleRecord[];
  /** The platform's connection to itself (smart charging delegated to an SCSP hosted here). */
  loopback: boolean;
  /** The OCPI version an admin pinned for this connection (null: the highest both offer). */
  pinnedVersion: string | null;
  /** The local party (party key) presented to a peer whose credentials carry one party (2.1.1). */
  localPartyKey: string | null;
  /** The role of a one-party (2.1.1) peer's party as the admin declared it (HUB: relays the parties behind it). */
  declaredRole: string | null;
}

export interface NewCredential {
  kind: CredentialKind;
  tokenHash: string;
  tokenEnc: string;
  expiresAt?: Date | null;
}

export interface ConnectionDetails {
  versionsUrl: string;
  version: string;
  endpoints: PeerEndpoint[];
  peerTokenEnc: string;
  roles: PeerRoleRecord[];
}

const withRoles = { roles: true } as const;

type PeerRow = Prisma.PeerGetPayload<{ include: typeof withRoles }>;

function toRecord(row: PeerRow): PeerRecord {
  return {
    id: row.id,
    status: row.status as PeerStatus,
    initiatedBy: row.initiatedBy as PeerRecord['initiatedBy'],
    label: row.label,
    versionsUrl: row.versionsUrl,
    version: row.version,
    endpoints: (row.endpoints ?? []) as unknown as PeerEndpoint[],
    peerTokenEnc: row.peerTokenEnc,
    authEncoding: row.authEncoding as PeerRecord['authEncoding'],
    retryWindowMinutes: row.retryWindowMinutes ?? null,
    lastContactAt: row.lastContactAt,
    registeredAt: row.registeredAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    roles: (row.roles ?? []).map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId, businessDetails: r.businessDetails })),
    loopback: row.loopback,
    pinnedVersion: row.pinnedVersion,
    localPartyKey: row.localPartyKey,
    declaredRole: row.declaredRole,
  };
}

function roleRows(roles: PeerRoleRecord[]) {
  return roles.map((r) => ({
    role: r.role,
    countryCode: r.countryCode,
    partyId: r.partyId,
    partyKey: partyKey(r.countryCode, r.partyId),
    businessDetails: r.businessDetails as Prisma.InputJsonValue,
  }));
}

export class PeerStore {
  constructor(private readonly db: Db) {}

  async findByCredentialHash(tokenHash: string): Promise<{ peer: PeerRecord; kind: CredentialKind; tokenHash: string; expiresAt: Date | null } | null> {
    const row = await this.db.peerCredential.findUnique({ where: { tokenHash }, include: { peer: { include: withRoles } } });
    if (!row) return null;
    return { peer: toRecord(row.peer), kind: row.kind as CredentialKind, tokenHash: row.tokenHash, expiresAt: row.expiresAt };
  }

  async get(id: string): Promise<PeerRecord | null> {
    const row = await this.db.peer.findUnique({ where: { id }, include: withRoles });
    return row ? toRecord(row) : null;
  }

  /**
   * The connections to other platforms. The loopback connection is left out unless asked for:
   * pulls, the hub's directory and ClientInfo, which iterate peers, must never treat our own
   * parties as a peer's.
   */
  async list(opts: { includeLoopback?: boolean } = {}): Promise<PeerRecord[]> {
    const rows = await this.db.peer.findMany({ where: opts.includeLoopback ? {} : { loopback: false }, include: withRoles, orderBy: { createdAt: 'asc' } });
    return rows.map(toRecord);
  }

  async loopback(): Promise<PeerRecord | null> {
    const row = await this.db.peer.findFirst({ where: { loopback: true }, include: withRoles });
    return row ? toRecord(row) : null;
  }

  /**
   * Creates or updates the loopback connection: REGISTERED, with the parties it speaks for (read by
   * `rolesOf` in the transaction) and our own endpoints. Created with a credential of ours whose token is also the one it presents, so
   * its calls to this platform authenticate as itself. Serialised by the unique loopback index.
   */
  async saveLoopback(
    details: Omit<ConnectionDetails, 'peerTokenEnc' | 'roles'>,
    rolesOf: (tx: Prisma.TransactionClient) => Promise<PeerRoleRecord[]>,
    credential: () => NewCredential,
  ): Promise<PeerRecord> {
    const data = {
      versionsUrl: details.versionsUrl,
      version: details.version,
      endpoints: details.endpoints as unknown as Prisma.InputJsonValue,
    };
    const row = await this.db.$transaction(async (tx) => {
      // One writer at a time, and the roles read under the lock: two delegation changes at once
      // cannot leave the connection with the roles of the first.
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtext('loopback-peer'))");
      const roles = await rolesOf(tx);
      const existing = await tx.peer.findFirst({ where: { loopback: true }, select: { id: true } });
      let id = existing?.id;
      if (!id) {
        const issued = credential();
        const created = await tx.peer.create({
          data: {
            ...data,
            status: 'REGISTERED',
            initiatedBy: 'US',
            label: 'this platform (loopback)',
            loopback: true,
            peerTokenEnc: issued.tokenEnc,
            registeredAt: new Date(),
            credentials: { create: issued },
          },
        });
        id = created.id;
      } else await tx.peer.update({ where: { id }, data });
      await tx.peerRole.deleteMany({ where: { peerId: id } });
      await tx.peerRole.createMany({ data: roleRows(roles).map((r) => ({ ...r, peerId: id })) });
      return tx.peer.findUniqueOrThrow({ where: { id }, include: withRoles });
    });
    return toRecord(row);
  }

  /** An invited peer: nothing known yet but the Token A we issued. */
  async createInvitation(label: string | null, credential: NewCredential): Promise<PeerRecord> {
    const row = await this.db.peer.create({
      data: { status: 'PENDING', initiatedBy: 'PEER', label, credentials: { create: credential } },
      include: withRoles,
    });
    return toRecord(row);
  }

  /** A peer we are registering with: our token B must be live before we POST (digest §6 #3). */
  async createOutgoing(
    label: string | null,
    versionsUrl: string,
    version: string,
    endpoints: PeerEndpoint[],
    authEncoding: string,
    credential: NewCredential,
  ): Promise<PeerRecord> {
    const row = await this.db.peer.create({
      data: {
        status: 'PENDING',
        initiatedBy: 'US',
        label,
        versionsUrl,
        version,
        endpoints: endpoints as unknown as Prisma.InputJsonValue,
        authEncoding,
        credentials: { create: credential },
      },
      include: withRoles,
    });
    return toRecord(row);
  }

  /**
   * Stores a completed handshake (registration or update) in one transaction: the peer's
   * endpoints, roles and token, our new credential, and the removal of the ones it replaces.
   * Only a registration (PENDING) makes the connection REGISTERED; an update keeps the status
   * it finds, so a peer's own rotation never lifts the operator's suspension. Null when the
   * credential that authorised the change is gone or the connection was unregistered meanwhile.
   */
  async saveConnection(
    peerId: string,
    details: ConnectionDetails,
    opts: { issue?: NewCredential; requireHash?: string; keepHashes?: string[]; registeredNow?: boolean; authEncoding?: string },
  ): Promise<PeerRecord | null> {
    const row = await this.db.$transaction(async (tx) => {
      // Row lock first: a suspension or resumption committed meanwhile is seen below, and one
      // arriving now waits for this transaction instead of being overwritten by it.
      const { count: live } = await tx.peer.updateMany({ where: { id: peerId, status: { not: 'UNREGISTERED' } }, data: { lastContactAt: new Date() } });
      if (live !== 1) return null;
      const found = await tx.peer.findUnique({ where: { id: peerId }, select: { status: true } });
      const status = found?.status === 'PENDING' ? 'REGISTERED' : found?.status;
      // The credential that authorised this change must still exist: two concurrent POSTs
      // with one Token A cannot both register.
      if (opts.requireHash) {
        const { count } = await tx.peerCredential.deleteMany({ where: { peerId, tokenHash: opts.requireHash } });
        if (count !== 1) return null;
      }
      if (opts.keepHashes) await tx.peerCredential.deleteMany({ where: { peerId, tokenHash: { notIn: opts.keepHashes } } });
      if (opts.issue) await tx.peerCredential.create({ data: { ...opts.issue, peerId } });
      await tx.peerRole.deleteMany({ where: { peerId } });
      await tx.peerRole.createMany({ data: roleRows(details.roles).map((r) => ({ ...r, peerId })) });
      const now = new Date();
      return tx.peer.update({
        where: { id: peerId },
        data: {
          status,
          versionsUrl: details.versionsUrl,
          version: details.version,
          endpoints: details.endpoints as unknown as Prisma.InputJsonValue,
          peerTokenEnc: details.peerTokenEnc,
          lastContactAt: now,
          ...(opts.registeredNow ? { registeredAt: now } : {}),
          ...(opts.authEncoding ? { authEncoding: opts.authEncoding } : {}),
        },
        include: withRoles,
      });
    });
    return row ? toRecord(row) : null;
  }

  /** The sealed value of a credential we issued, for GET /credentials. */
  async tokenOf(tokenHash: string): Promise<string | null> {
    const row = await this.db.peerCredential.findUnique({ where: { tokenHash }, select: { tokenEnc: true } });
    return row?.tokenEnc ?? null;
  }

  async addCredential(peerId: string, credential: NewCredential): Promise<void> {
    await this.db.peerCredential.create({ data: { ...credential, peerId } });
  }

  async removeCredential(tokenHash: string): Promise<void> {
    await this.db.peerCredential.deleteMany({ where: { tokenHash } });
  }

  /** A credential issued for the length of a handshake becomes permanent once the handshake is stored. */
  async confirmCredential(tokenHash: string): Promise<void> {
    await this.db.peerCredential.updateMany({ where: { tokenHash }, data: { expiresAt: null } });
  }

  async setStatus(peerId: string, status: PeerStatus, from?: PeerStatus[]): Promise<PeerRecord | null> {
    const { count } = await this.db.peer.updateMany({ where: { id: peerId, ...(from ? { status: { in: from } } : {}) }, data: { status } });
    return count ? this.get(peerId) : null;
  }

  /** The version pinned and the local party presented, chosen by the admin per connection. */
  async setVersionOptions(peerId: string, options: { pinnedVersion?: string | null; localPartyKey?: string | null; declaredRole?: string | null }): Promise<void> {
    await this.db.peer.update({ where: { id: peerId }, data: options });
  }

  async updateSettings(peerId: string, settings: { authEncoding?: 'base64' | 'raw'; retryWindowMinutes?: number | null }): Promise<void> {
    await this.db.peer.update({ where: { id: peerId }, data: settings });
  }

  /** Unregistration: every token we issued dies, and we forget the peer's token. */
  async unregister(peerId: string): Promise<void> {
    await this.db.$transaction([
      this.db.peerCredential.deleteMany({ where: { peerId } }),
      this.db.peer.update({ where: { id: peerId }, data: { status: 'UNREGISTERED', peerTokenEnc: null } }),
    ]);
  }

  async delete(peerId: string): Promise<void> {
    await this.db.peer.deleteMany({ where: { id: peerId } });
  }

  /**
   * Handshakes that never completed: invitations (peer-initiated, still PENDING) whose every
   * Token A has expired, and our own connects (PENDING) whose Token B outlived the handshake.
   */
  async deleteExpiredInvitations(now: Date): Promise<number> {
    const { count } = await this.db.peer.deleteMany({
      where: { status: 'PENDING', credentials: { none: { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } } },
    });
    return count;
  }

  async touchContact(peerId: string, at: Date): Promise<void> {
    await this.db.peer.updateMany({ where: { id: peerId }, data: { lastContactAt: at } });
  }

  /** Registered or suspended peers (other than `exceptPeerId`) already speaking for any of these parties. */
  async partiesClaimedByOthers(exceptPeerId: string, keys: string[]): Promise<string[]> {
    const rows = await this.db.peerRole.findMany({
      where: { partyKey: { in: keys }, peerId: { not: exceptPeerId }, peer: { status: { in: ['REGISTERED', 'SUSPENDED'] } } },
      select: { partyKey: true },
    });
    return [...new Set(rows.map((r) => r.partyKey))];
  }
}

declare module '../../context.js' {
  interface AppContext {
    peerStore: PeerStore;
  }
}
