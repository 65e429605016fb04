/**
 * The platform's connection to itself. Two parties of one platform exchange no OCPI messages,
 * except under a smart-charging delegation to an SCSP hosted here: then the CPO (or eMSP) and the
 * SCSP talk through this connection exactly as they would with a peer (sessions, profile
 * requests, their results and ActiveChargingProfile updates, over HTTP to PUBLIC_BASE_URL), so
 * one set of rules serves both. No handshake: both ends are ours, the token is one of our
 * credentials, and the endpoints are the ones our version details list.
 */
import type { AppContext } from '../../../context.js';
import type { Prisma } from '../../../db/prisma.js';
import type { PeerRecord, PeerRoleRecord } from '../../../platform/peers/peer-store.js';
import { OCPI_VERSION } from '../version.js';
import { advertisedEndpoints, versionsUrl } from '../versions/service.js';
import { newCredential } from './rules.js';

export async function saveLoopback(app: AppContext, rolesOf: (tx: Prisma.TransactionClient) => Promise<PeerRoleRecord[]>): Promise<PeerRecord> {
  const base = app.config.PUBLIC_BASE_URL;
  // The module URLs themselves, never a hub's routing URLs: both ends are local parties.
  const endpoints = advertisedEndpoints(app.interfaces, OCPI_VERSION, await app.parties.localRoles(), base);
  return app.peerStore.saveLoopback({ versionsUrl: versionsUrl(base), version: OCPI_VERSION, endpoints }, rolesOf, () => newCredential(app, 'C').record);
}
