/**
 * What our eMSP party relays back to the SCSP it delegated to (09-chargingprofiles S2 step 7, S8):
 * the CPO's result of a relayed request, and the CPO's ActiveChargingProfile updates. Written in
 * the transaction that stores what the CPO sent, delivered through the outbox.
 */
import type { AppContext } from '../../../context.js';
import type { Prisma } from '../../../db/prisma.js';
import type { EmspChargingProfileRequest } from '../../../generated/prisma/client.js';
import type { ActiveChargingProfile } from '../../../model/charging-profile.js';
import { ciEquals, ciKey } from '../../../model/primitives.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { emspDelegate } from '../../../platform/delegations/delegations.js';
import { partyKey } from '../../../platform/parties/party-store.js';

const same = (a: PartyRef, b: PartyRef) => ciEquals(a.countryCode, b.countryCode) && ciEquals(a.partyId, b.partyId);

/** The result of a relayed request goes on to the SCSP's response_url, in the transaction that stored it. */
export async function relayResult(app: AppContext, tx: Prisma.TransactionClient, request: EmspChargingProfileRequest, body: Record<string, unknown>): Promise<void> {
  const relay = await tx.chargingProfileRelay.findUnique({ where: { requestId: request.id } });
  if (!relay) return;
  await app.outbox.enqueue(tx, [
    {
      peerId: relay.scspPeerId,
      objectKey: `chargingprofiles:relay:${request.id}`,
      kind: 'CALLBACK',
      module: 'chargingprofiles',
      method: 'POST',
      target: { url: relay.responseUrl },
      body,
      fullVersion: true,
      from: { countryCode: request.partyKey.slice(0, 2), partyId: request.partyKey.slice(2) },
      to: { countryCode: relay.scspCountry, partyId: relay.scspParty },
      deadlineAt: new Date(Date.now() + app.config.COMMAND_TIMEOUT_SECONDS * 1000),
    },
  ]);
}

/**
 * An ActiveChargingProfile the CPO reported to our eMSP party goes on to the SCSP whose relayed
 * SetChargingProfile the CPO accepted for this session (the CPO's own rule, §2.3, one hop on).
 */
export async function relayActiveProfile(app: AppContext, tx: Prisma.TransactionClient, emsp: PartyRef, cpo: PartyRef, sessionId: string, profile: ActiveChargingProfile) {
  const delegate = await emspDelegate(tx, emsp);
  if (!delegate) return;
  const setters = await tx.emspChargingProfileRequest.findMany({
    where: {
      partyKey: partyKey(emsp.countryCode, emsp.partyId),
      cpoCountry: cpo.countryCode.toUpperCase(),
      cpoParty: cpo.partyId.toUpperCase(),
      sessionKey: ciKey(sessionId),
      kind: 'SET',
    },
    select: { id: true, result: true },
    orderBy: { createdAt: 'desc' },
  });
  const accepted = setters.filter((s) => s.result === 'ACCEPTED').map((s) => s.id);
  const relays = accepted.length ? await tx.chargingProfileRelay.findMany({ where: { requestId: { in: accepted } } }) : [];
  const relay = relays.find((r) => same({ countryCode: r.scspCountry, partyId: r.scspParty }, delegate.scsp));
  if (!relay) return;
  await app.outbox.enqueue(tx, [
    {
      peerId: relay.scspPeerId,
      objectKey: `chargingprofiles:${relay.scspCountry}/${relay.scspParty}:${partyKey(cpo.countryCode, cpo.partyId)}/${ciKey(sessionId)}`,
      kind: 'PUSH',
      module: 'chargingprofiles',
      method: 'PUT',
      // The SCSP's own SENDER endpoint (P2), `{url}/{session_id}` (P6).
      target: { interfaceRole: 'SENDER', path: `/${encodeURIComponent(sessionId)}` },
      body: profile,
      fullVersion: true,
      lastUpdated: new Date(),
      from: emsp,
      to: { countryCode: relay.scspCountry, partyId: relay.scspParty },
    },
  ]);
}
