/**
 * The tokens that passed this platform as a hub, by contract id. An OCPI 2.1.1 session or CDR
 * names its token only by `auth_id` (the 2.2.1 `contract_id`); to route it to the token's eMSP,
 * and to give the 2.2.1 receiver the `cdr_token` it needs, the hub looks the contract up among
 * the tokens eMSPs pushed through it (docs/hub.md, "Peers of another version").
 */
import type { AppContext } from '../context.js';
import type { CdrToken } from '../model/cdr.js';
import { ciKey } from '../model/primitives.js';
import { partyKey } from '../platform/parties/party-store.js';

export class HubTokenContracts {
  constructor(private readonly app: AppContext) {}

  /** Remembers the token a PUT through the hub carried (the stored model), when it names a contract. */
  async record(owner: { countryCode: string; partyId: string }, body: unknown): Promise<void> {
    const token = body as { uid?: unknown; type?: unknown; contract_id?: unknown } | null;
    if (typeof token?.uid !== 'string' || typeof token.type !== 'string' || typeof token.contract_id !== 'string') return;
    if (token.contract_id.length > 36 || token.uid.length > 36 || token.type.length > 20) return;
    const row = {
      contractKey: ciKey(token.contract_id),
      partyKey: partyKey(owner.countryCode, owner.partyId),
      countryCode: owner.countryCode.toUpperCase(),
      partyId: owner.partyId.toUpperCase(),
      uid: token.uid,
      uidKey: ciKey(token.uid),
      type: token.type,
    };
    await this.app.db.hubTokenContract.upsert({
      where: { contractKey_partyKey: { contractKey: row.contractKey, partyKey: row.partyKey } },
      create: row,
      update: { uid: row.uid, uidKey: row.uidKey, type: row.type, updatedAt: new Date() },
    });
  }

  /**
   * The cdr_token of a contract id: the token of the one eMSP that pushed it through the hub.
   * Null when none did, or several eMSPs use the same contract id (the hub cannot choose).
   */
  async find(contractId: string): Promise<(CdrToken & { contract_id: string }) | null> {
    const rows = await this.app.db.hubTokenContract.findMany({ where: { contractKey: ciKey(contractId) }, orderBy: { updatedAt: 'desc' }, take: 2 });
    if (rows.length !== 1) return null;
    const [t] = rows;
    return { country_code: t.countryCode, party_id: t.partyId, uid: t.uid, type: t.type as CdrToken['type'], contract_id: contractId };
  }

  /**
   * The 2.2.1 token type of a uid a 2.1.1 party names with a 2.1.1 type (RFID or OTHER, which
   * stands for every type 2.1.1 lacks): the type of the token of that uid that passed the hub,
   * when exactly one type matches. Null: the hub cannot tell.
   */
  async typeOf(uid: string, type211: string | null): Promise<string | null> {
    const rows = await this.app.db.hubTokenContract.findMany({ where: { uidKey: ciKey(uid) }, select: { type: true }, take: 10 });
    const types = [...new Set(rows.map((r) => r.type))].filter((t) => (type211 === 'RFID' ? t === 'RFID' : t !== 'RFID'));
    return types.length === 1 ? types[0] : null;
  }
}

declare module '../context.js' {
  interface Services {
    /** Tokens that passed this platform as a hub, by contract id (2.1.1 auth_id routing). */
    hubTokenContracts: HubTokenContracts;
  }
}
