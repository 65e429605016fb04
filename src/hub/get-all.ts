/**
 * GET All via hub (transport §9.4): a list GET on a SENDER interface addressed to the hub is
 * answered with the objects of every owner the requester may reach, as one list: the owners'
 * lists are concatenated in a fixed order (party key), X-Total-Count is the sum of theirs, and
 * a page [offset, offset+limit) is cut from that concatenation by asking each owner only for
 * the part of its list that falls in the page. The hub's own Link walks the merged list.
 */
import type { Request, Response } from 'express';
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import { echoRoutingHeaders } from '../ocpi/headers.js';
import { parsePageRequest, writePageHeaders } from '../ocpi/pagination.js';
import { OcpiStatus, envelope } from '../ocpi/status.js';
import { partyKey } from '../platform/parties/party-store.js';
import { type ConnectedPeer, endpointOf, isConnected } from './directory.js';
import { invalidParameters } from '../ocpi/errors.js';
import { hubClient } from './forward.js';
import { translateData } from './bridge.js';
import { isOneParty } from './policy.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';

/** Who owns the objects a module's SENDER lists. */
const OWNER_ROLE: Record<string, string> = { locations: 'CPO', tariffs: 'CPO', sessions: 'CPO', cdrs: 'CPO', tokens: 'EMSP' };

interface Owner {
  peer: ConnectedPeer;
  party: PartyRef;
  url: string;
  total: number;
}

export async function getAll(
  app: AppContext,
  req: Request,
  res: Response,
  input: { module: string; callerPeerId: string; caller?: PeerRecord; from: PartyRef; hub: PartyRef },
): Promise<void> {
  const ownerRole = OWNER_ROLE[input.module];
  if (!ownerRole) throw invalidParameters(`GET all via the hub is not available for ${input.module}`);
  const page = parsePageRequest(req.query, app.pagination);
  const filters: Record<string, string> = {};
  for (const k of ['date_from', 'date_to']) if (typeof req.query[k] === 'string') filters[k] = req.query[k] as string;
  const { forwardTimeoutMs } = await app.services.hubState.settings();
  const access = app.services.hubAccess;
  const candidates = [];
  for (const w of await app.services.hubDirectory.peerParties()) {
    if (w.kind !== 'peer' || w.peer.id === input.callerPeerId || !isConnected(w.peer) || !w.roles.includes(ownerRole)) continue;
    if (w.viaHub && w.remoteStatus !== 'CONNECTED') continue;
    const url = endpointOf(w.peer, input.module, 'SENDER');
    if (!url || !(await access.allowed(input.from, w.party))) continue;
    candidates.push({ peer: w.peer, party: w.party, url });
  }
  candidates.sort((a, b) => partyKey(a.party.countryCode, a.party.partyId).localeCompare(partyKey(b.party.countryCode, b.party.partyId)));

  const call = (o: { peer: ConnectedPeer; party: PartyRef; url: string }, offset: number, limit: number) =>
    hubClient(app).request<unknown[]>({
      method: 'GET',
      url: o.url,
      query: { ...filters, offset, limit },
      token: app.secrets.decrypt(o.peer.peerTokenEnc),
      encoding: o.peer.authEncoding,
      // A one-party owner (OCPI 2.1.1) is addressed by its connection, without routing headers.
      ...(isOneParty(app, o.peer) ? {} : { from: input.from, to: o.party }),
      correlationId: req.ocpi.correlationId,
      timeoutMs: forwardTimeoutMs,
    });
  // An owner that cannot be read is left out of this answer rather than failing it.
  const owners: Owner[] = (
    await Promise.all(
      candidates.map(async (o) => {
        try {
          const reply = await call(o, 0, 1);
          const total = Number(reply.headers['x-total-count']);
          await app.services.hubClientInfo.noteTraffic(o.peer.id, true);
          return { ...o, total: Number.isFinite(total) ? total : Array.isArray(reply.data) ? reply.data.length : 0 };
        } catch (e) {
          req.ocpi.log.warn({ owner: `${o.party.countryCode}/${o.party.partyId}`, err: (e as Error).message }, 'hub GET all: owner left out');
          return null;
        }
      }),
    )
  ).filter((o): o is Owner => o !== null);

  const total = owners.reduce((n, o) => n + o.total, 0);
  const items: unknown[] = [];
  let start = 0;
  for (const owner of owners) {
    const end = start + owner.total;
    const from = Math.max(page.offset, start);
    const to = Math.min(page.offset + page.limit, end);
    for (let at = from; at < to; ) {
      const reply = await call(owner, at - start, to - at);
      const got = Array.isArray(reply.data) ? reply.data : [];
      if (got.length === 0) break;
      // Each owner's objects in the requester's version (bridge.ts); one it must not see is left out.
      const slice = got.slice(0, to - at);
      items.push(...(input.caller ? ((await translateData(app, input.module, slice, owner.peer, input.caller, { kind: 'objects', depth: 3 })) as unknown[]) : slice));
      at += got.length;
    }
    start = end;
  }
  echoRoutingHeaders(res, { from: input.from, to: input.hub });
  writePageHeaders(req, res, page, items.length, total, app.pagination);
  res.status(200).json(envelope(OcpiStatus.SUCCESS, items));
}
