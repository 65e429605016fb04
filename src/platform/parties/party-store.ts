/** Prisma storage of local parties. */
import type { Db } from '../../db/prisma.js';
import { Prisma } from '../../db/prisma.js';
import { ciKey } from '../../model/primitives.js';

/** SCSP: a Smart Charging Service Provider, which steers sessions delegated to it (platform/delegations). */
export type LocalRole = 'CPO' | 'EMSP' | 'SCSP';

export interface LocalParty {
  countryCode: string;
  partyId: string;
  roles: LocalRole[];
  businessDetails: { name: string; website?: string | null; logo?: unknown };
  createdAt: Date;
  updatedAt: Date;
}

export const partyKey = (countryCode: string, partyId: string) => ciKey(countryCode) + ciKey(partyId);

function toParty(row: { countryCode: string; partyId: string; roles: string[]; businessDetails: unknown; createdAt: Date; updatedAt: Date }): LocalParty {
  return {
    countryCode: row.countryCode,
    partyId: row.partyId,
    roles: row.roles as LocalRole[],
    businessDetails: row.businessDetails as LocalParty['businessDetails'],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export class PartyStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<LocalParty[]> {
    const rows = await this.db.party.findMany({ orderBy: [{ countryCode: 'asc' }, { partyId: 'asc' }] });
    return rows.map(toParty);
  }

  async find(countryCode: string, partyId: string): Promise<LocalParty | null> {
    const row = await this.db.party.findUnique({ where: { partyKey: partyKey(countryCode, partyId) } });
    return row ? toParty(row) : null;
  }

  /** Returns null when the party exists already. */
  async create(party: Omit<LocalParty, 'createdAt' | 'updatedAt'>): Promise<LocalParty | null> {
    try {
      const row = await this.db.party.create({
        data: {
          countryCode: party.countryCode.toUpperCase(),
          partyId: party.partyId.toUpperCase(),
          partyKey: partyKey(party.countryCode, party.partyId),
          roles: party.roles,
          businessDetails: party.businessDetails as Prisma.InputJsonValue,
        },
      });
      return toParty(row);
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') return null;
      throw e;
    }
  }

  async update(countryCode: string, partyId: string, patch: { roles?: LocalRole[]; businessDetails?: LocalParty['businessDetails'] }): Promise<LocalParty | null> {
    const result = await this.db.party.updateManyAndReturn({
      where: { partyKey: partyKey(countryCode, partyId) },
      data: {
        ...(patch.roles ? { roles: patch.roles } : {}),
        ...(patch.businessDetails ? { businessDetails: patch.businessDetails as Prisma.InputJsonValue } : {}),
      },
    });
    return result[0] ? toParty(result[0]) : null;
  }

  async backend(countryCode: string, partyId: string): Promise<unknown> {
    const row = await this.db.party.findUnique({ where: { partyKey: partyKey(countryCode, partyId) }, select: { backend: true } });
    return row?.backend ?? null;
  }

  async setBackend(countryCode: string, partyId: string, backend: unknown): Promise<boolean> {
    const { count } = await this.db.party.updateMany({
      where: { partyKey: partyKey(countryCode, partyId) },
      data: { backend: backend === null ? Prisma.DbNull : (backend as Prisma.InputJsonValue) },
    });
    return count > 0;
  }

  /** Removes the party and the delegations it made (platform/delegations): they would revive with a new party of that code. */
  async delete(countryCode: string, partyId: string): Promise<boolean> {
    const key = partyKey(countryCode, partyId);
    const [, { count }] = await this.db.$transaction([this.db.delegation.deleteMany({ where: { fromKey: key } }), this.db.party.deleteMany({ where: { partyKey: key } })]);
    return count > 0;
  }
}
