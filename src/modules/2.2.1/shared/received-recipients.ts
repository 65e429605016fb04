/**
 * Which of our eMSP parties a received location or tariff was addressed to. The receiver stores
 * keep one copy per owner and object (the CPO's data is the same for every eMSP it sends it to),
 * so the recipients are recorded beside it: a party's backend sees only what was sent to it.
 * Sessions and CDRs need no record: their `cdr_token` names the eMSP party (05-sessions, 06-cdrs).
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Tx } from './received-documents.js';

/** The `received_recipient` table, schema-qualified. */
export function recipientTable(schema: string): string {
  return `"${schema.replace(/"/g, '""')}"."received_recipient"`;
}

/**
 * Records that `recipient` (the request's OCPI-to party) was sent this object. Called after the
 * write succeeded (an ignored older version included: the object exists and was addressed to it);
 * a failure here fails the request, and the peer's retry of the same PUT records it then.
 */
export async function recordRecipient(
  app: AppContext,
  module: string,
  owner: { country_code: string; party_id: string },
  objectId: string,
  recipient: PartyRef | undefined,
): Promise<void> {
  if (!recipient) return;
  await app.db.$executeRawUnsafe(
    `INSERT INTO ${recipientTable(app.config.DATABASE_SCHEMA)} (recipient_key, module, party_key, object_key) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    partyKey(recipient.countryCode, recipient.partyId),
    module,
    partyKey(owner.country_code, owner.party_id),
    ciKey(objectId),
  );
}

/** Forgets every recipient of an object the owner deleted (a later re-creation starts afresh). */
export async function forgetRecipients(app: AppContext, module: string, owner: { country_code: string; party_id: string }, objectId: string): Promise<void> {
  await app.db.$executeRawUnsafe(
    `DELETE FROM ${recipientTable(app.config.DATABASE_SCHEMA)} WHERE module = $1 AND party_key = $2 AND object_key = $3`,
    module,
    partyKey(owner.country_code, owner.party_id),
    ciKey(objectId),
  );
}

/** Forgets every recipient of these objects (owner party key, upper-cased id), in the caller's transaction. */
export async function forgetRecipientsOf(app: AppContext, tx: Tx, module: string, objects: Array<{ partyKey: string; objectKey: string }>): Promise<void> {
  if (objects.length === 0) return;
  await tx.$executeRawUnsafe(
    `DELETE FROM ${recipientTable(app.config.DATABASE_SCHEMA)} WHERE module = $1 AND (party_key, object_key) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    module,
    objects.map((o) => o.partyKey),
    objects.map((o) => o.objectKey),
  );
}
