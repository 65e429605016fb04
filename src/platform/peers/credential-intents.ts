/**
 * Credentials handshake steps we started and have not finished (docs/reliability.md, "Crash-safe
 * credentials"): a row is written before the outbound call that makes a new credential of ours
 * known to a peer, and deleted once the step is stored or undone. Its lease bounds how long the
 * step may take; a row past its lease belongs to a process that died mid-way.
 */
import type { Config } from '../../config.js';
import type { Db } from '../../db/prisma.js';

export type IntentKind = 'ROTATE' | 'CONNECT';

export interface CredentialIntent {
  id: string;
  peerId: string;
  kind: IntentKind;
  /** Our new credential (peer_credential.token_hash) that the step makes known to the peer. */
  tokenHash: string;
  leaseUntil: Date;
}

/**
 * Discovery (versions + details) and the credentials call, each bounded by the outbound timeout,
 * and the statements that store the result, each bounded by the statement timeout.
 */
export function handshakeLeaseMs(config: Pick<Config, 'OUTBOUND_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS'>): number {
  return 3 * config.OUTBOUND_TIMEOUT_MS + 2 * config.DB_STATEMENT_TIMEOUT_MS + 5000;
}

export class CredentialIntentStore {
  constructor(private readonly db: Db) {}

  async begin(peerId: string, kind: IntentKind, tokenHash: string, leaseMs: number): Promise<string> {
    const row = await this.db.credentialIntent.create({ data: { peerId, kind, tokenHash, leaseUntil: new Date(Date.now() + leaseMs) } });
    return row.id;
  }

  async finish(id: string): Promise<void> {
    await this.db.credentialIntent.deleteMany({ where: { id } });
  }

  /**
   * Intents whose lease ran out, each taken for another lease by this process: of two processes
   * starting at once, one handles a given intent.
   */
  async claimAbandoned(now: Date, leaseMs: number): Promise<CredentialIntent[]> {
    const due = await this.db.credentialIntent.findMany({ where: { leaseUntil: { lte: now } }, orderBy: { createdAt: 'asc' } });
    const claimed: CredentialIntent[] = [];
    for (const row of due) {
      const leaseUntil = new Date(now.getTime() + leaseMs);
      const { count } = await this.db.credentialIntent.updateMany({ where: { id: row.id, leaseUntil: row.leaseUntil }, data: { leaseUntil } });
      if (count === 1) claimed.push({ id: row.id, peerId: row.peerId, kind: row.kind as IntentKind, tokenHash: row.tokenHash, leaseUntil });
    }
    return claimed;
  }

  /** When the earliest lease still running ends (the next time there may be something to repair). */
  async nextLeaseEnd(): Promise<Date | null> {
    const row = await this.db.credentialIntent.findFirst({ orderBy: { leaseUntil: 'asc' }, select: { leaseUntil: true } });
    return row?.leaseUntil ?? null;
  }
}
