/**
 * The hub's entry point under /ocpi. While the hub role is on, the version details advertise
 * `/ocpi/hub/{version}/{module}/{sender|receiver}` for every module the hub routes (policy.ts), and
 * requests there are routed here by their OCPI-to-* headers:
 *   to = the hub itself      GET on a SENDER: GET all (merged); sessions/CDRs: to their
 *                            cdr_token's eMSP; locations/tariffs/tokens: broadcast; else 4001
 *   to = one of our parties  served by our own module interface (the URL is rewritten to it)
 *   to = a peer's party      forwarded to that peer (4001 unknown, 4003 not connected...)
 *   no OCPI-to-*             open routing: sessions/CDRs to their cdr_token's eMSP, else the
 *                            only reachable candidate, else broadcast as above (recipients.ts)
 * `/ocpi/hub/alias/{id}` forwards callbacks and page requests (see aliases.ts). Transport does not
 * know the hub: the composition (http/app.ts) hands this router to `mountInterfaces` as a hook.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { OcpiError, invalidParameters, notFound } from '../ocpi/errors.js';
import type { AuthenticatedPeer, PartyRef } from '../ocpi/context.js';
import { echoRoutingHeaders, parseRoutingHeaders } from '../ocpi/headers.js';
import { type TransportHooks, authenticate } from '../ocpi/mount.js';
import type { ModuleInterface } from '../ocpi/registry-types.js';
import { OcpiStatus, envelope } from '../ocpi/status.js';
import { ciEquals } from '../model/primitives.js';
import { partyKey } from '../platform/parties/party-store.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { ALIAS_PATH, type Alias, LINK_PATH, findAlias, readSignedLink } from './aliases.js';
import { receiverDepth, senderDepth, toModel } from './bridge.js';
import { broadcast, oppositeRoles } from './broadcast.js';
import { endpointOf, isConnected, type Whereabouts } from './directory.js';
import { receiverNotConnected, unknownReceiver } from './errors.js';
import { describe, forwardAndRelay, isBodyMethod, rewriteCallbacks } from './forward.js';
import { getAll } from './get-all.js';
import { namedObject, ownerOf, recordOwner } from './owners.js';
import { assertSendsOwnObjects } from './ownership.js';
import { type HubPolicy, hubPolicy, interfaceFacing } from './policy.js';
import { mayBroadcast, partySpecificRecipient } from './recipients.js';
import { withHubParties } from './remote-parties.js';

const MODULE_PATH = /^\/hub\/([0-9][0-9a-z.]*)\/([a-z]+)\/(sender|receiver)(\/[^?]*)?$/;
// A one-party version (OCPI 2.1.1) has no {sender|receiver} segment (policy.ts oneParty).
const ONE_PARTY_PATH = /^\/hub\/([0-9][0-9a-z.]*)\/([a-z]+)(\/[^?]*)?$/;
// Exactly the alias: nothing may be appended to the URL it stands for.
const ALIAS = new RegExp(`^${ALIAS_PATH.replace(/\//g, '\\/')}\\/([0-9a-f]{32})$`);
const LINK = new RegExp(`^${LINK_PATH.replace(/\//g, '\\/')}\\/([A-Za-z0-9_-]{1,4000})$`);
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What the hub advertises for the modules it routes in one version, both interfaces of each. */
export function hubEndpoints(policy: HubPolicy, publicBaseUrl: string) {
  return policy.routed.flatMap((module) =>
    (['SENDER', 'RECEIVER'] as const).map((role) => ({ identifier: module, role, url: `${publicBaseUrl}/ocpi${policy.path}/${module}/${role.toLowerCase()}` })),
  );
}

/**
 * How the hub plugs into transport: its URLs are served before the interfaces (a request for
 * one of our parties continues there with a rewritten URL), a hub peer speaks for the parties
 * its ClientInfo reported, and an unknown OCPI-to-* is a hub's "unknown receiver".
 */
export function hubTransportHooks(app: AppContext): TransportHooks {
  return {
    before: [hubRouter(app)],
    peerParties: withHubParties,
    answersAsHub: async (a) => !!(await a.services.hubState.hubParty()),
  };
}

// Guards as for any functional module: token C only, suspended peers refused, rate limited.
const GUARD = { acceptsTokenA: false, routed: true } as ModuleInterface;

export function hubRouter(app: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const oneParty = ONE_PARTY_PATH.exec(req.path);
    const moduleMatch = oneParty && hubPolicy(app, oneParty[1])?.oneParty ? [oneParty[0], oneParty[1], oneParty[2], '', oneParty[3]] : MODULE_PATH.exec(req.path);
    const aliasMatch = moduleMatch ? null : ALIAS.exec(req.path);
    const linkMatch = moduleMatch || aliasMatch ? null : LINK.exec(req.path);
    if (!moduleMatch && !aliasMatch && !linkMatch) return next();
    const hub = await app.services.hubState.hubParty();
    if (!hub) return next();
    if (!METHODS.has(req.method)) throw new OcpiError(OcpiStatus.CLIENT_ERROR, `${req.method} is not supported`, 405);
    await authenticate(app, GUARD, { peerParties: withHubParties })(req, res, () => undefined);
    const caller = req.ocpi.peer;
    if (!caller) throw new Error(`${req.method} ${req.path}: authenticate() neither set the hub's caller nor refused the request`);
    if (aliasMatch) return serveAlias(app, req, res, caller, await findAlias(app, aliasMatch[1]));
    if (linkMatch) return serveAlias(app, req, res, caller, req.method === 'GET' ? readSignedLink(app, linkMatch[1]) : null);
    if (!moduleMatch) throw new Error(`${req.path} matched neither a module, an alias nor a link path, yet was not passed on`);
    const policy = hubPolicy(app, moduleMatch[1]);
    const module = moduleMatch[2];
    if (!policy) throw notFound(`No hub endpoints for OCPI ${moduleMatch[1]}`);
    if (!policy.routed.includes(module)) throw notFound(`No hub endpoint for module ${module}`);
    const interfaceRole = policy.oneParty
      ? interfaceFacing(
          policy,
          module,
          caller.roles.map((r) => r.role),
        )
      : (moduleMatch[3].toUpperCase() as 'SENDER' | 'RECEIVER');
    const rest = moduleMatch[4] ?? '';
    const sent = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const method = req.method as Method;
    // One party per connection: the sender is its party; a list GET is a GET all, anything else routed openly.
    const routing = policy.oneParty ? { to: method === 'GET' && interfaceRole === 'SENDER' && rest === '' ? hub : undefined } : parseRoutingHeaders(req);
    const from = senderParty(req, caller, 'from' in routing ? routing.from : undefined, interfaceRole === 'RECEIVER' ? rest : '');
    req.ocpi.routing = { from, to: routing.to };
    const callerPeerId = caller.peerId;
    const callerPeer = await findPeer(app, callerPeerId);
    // What follows reads the body as the stored model; a receiver of the caller's version gets it as sent.
    const body = isBodyMethod(method) && callerPeer ? await toModel(app, callerPeer, module, req.body, { partial: method === 'PATCH', path: rest }) : req.body;
    const search = callerPeer ? await app.wireTranslations.requestQuery(callerPeer, module, rest, sent, app) : sent;

    assertSendsOwnObjects(policy, module, interfaceRole, method, rest, body, from);
    await recordOwner(app, policy, module, interfaceRole, method, rest, body);
    let to = routing.to;
    const toHub = !!to && ciEquals(to.countryCode, hub.countryCode) && ciEquals(to.partyId, hub.partyId);
    if (toHub && method === 'GET') {
      req.ocpi.routing = { from, to: hub };
      if (interfaceRole !== 'SENDER' || rest !== '')
        throw invalidParameters('A GET addressed to the hub must be a list GET on a SENDER interface; send OCPI-to-* of the owner, or leave it out for open routing');
      return getAll(app, req, res, { module, callerPeerId, caller: callerPeer, from, hub });
    }

    let target: Whereabouts | null;
    if (to && !toHub) {
      target = await findParty(app, to);
      if (!target) throw unknownReceiver(`${describe(to)} is not known to the hub`);
    } else {
      // Addressed to the hub (a broadcast request) or to nobody (open routing).
      const recipient = await partySpecificRecipient(app, policy, { module, interfaceRole, method, rest, body });
      if (recipient !== undefined) {
        // Personal data never fans out (transport §9.3): only the eMSP of the cdr_token gets it.
        if (!recipient)
          throw unknownReceiver(
            policy.oneParty
              ? `The eMSP this ${module} object is for cannot be determined: its auth_id names no token an eMSP pushed through the hub`
              : `The eMSP this ${module} object is for cannot be determined (cdr_token): send OCPI-to-country-code/OCPI-to-party-id`,
          );
        target = await findParty(app, recipient);
        if (!target) throw unknownReceiver(`${describe(recipient)}, the eMSP of the cdr_token, is not known to the hub`);
      } else {
        target = toHub ? null : await openRoute(app, policy, { module, interfaceRole, method, rest, body, callerPeerId, from });
        if (!target) {
          if (method === 'GET') throw unknownReceiver('The receiver cannot be determined from this request: send OCPI-to-country-code/OCPI-to-party-id');
          if (!mayBroadcast(policy, module, interfaceRole))
            throw unknownReceiver(
              `${module} ${interfaceRole} requests are never broadcast (only pushes of ${[...policy.broadcast].join(', ')}): send OCPI-to-country-code/OCPI-to-party-id of the receiver`,
            );
          // Transport §9.3 (addressed to the hub) and §9.5 (open routing that cannot decide).
          await broadcast(app, req, { method, module, interfaceRole, path: rest + search, body, callerPeerId, from, hub, policy });
          req.ocpi.routing = { from, to: hub };
          echoRoutingHeaders(res, { from, to: hub });
          return void res.status(200).json(envelope(OcpiStatus.SUCCESS));
        }
      }
      to = target.party;
    }
    req.ocpi.routing = { from, to: target.party };
    if (!(await app.services.hubAccess.allowed(from, target.party))) throw unknownReceiver(`${describe(target.party)} is not reachable for ${describe(from)} through this hub`);

    if (target.kind === 'local') {
      const local = app.interfaces.find((i) => i.identifier === module && i.role === interfaceRole && i.owner !== 'UNLISTED' && i.basePath.split('/').includes(policy.version));
      if (!local) throw unknownReceiver(`${describe(target.party)} does not offer ${module} ${interfaceRole}`);
      // Served by our own interface, with every guard of a direct request.
      req.url = `${local.basePath}${rest}${search}`;
      return next();
    }
    if (!isConnected(target.peer) || (target.viaHub && target.remoteStatus !== 'CONNECTED')) {
      throw receiverNotConnected(`${describe(target.party)} is not connected to the hub right now`);
    }
    const endpoint = endpointOf(target.peer, module, interfaceRole);
    if (!endpoint) throw unknownReceiver(`${describe(target.party)} does not offer ${module} ${interfaceRole}`);
    const call = await rewriteCallbacks(app, policy, {
      method,
      module,
      url: `${endpoint}${rest}${search}`,
      body: isBodyMethod(method) ? req.body : undefined,
      callerPeerId,
      from,
      target: target.peer,
      to: target.party,
      bridge: callerPeer && { caller: callerPeer, model: isBodyMethod(method) ? body : undefined, depth: interfaceRole === 'SENDER' ? senderDepth(rest) : receiverDepth(rest) },
    });
    return forwardAndRelay(app, req, res, call);
  };
}

/** The caller's connection as the directory holds it (its version and endpoints drive bridging). */
async function findPeer(app: AppContext, peerId: string): Promise<PeerRecord | undefined> {
  const cached = (await app.services.hubDirectory.peers()).find((p) => p.id === peerId);
  return cached ?? (await app.peerStore.get(peerId)) ?? undefined;
}

async function findParty(app: AppContext, party: PartyRef): Promise<Whereabouts | null> {
  const found = await app.services.hubDirectory.find(party);
  if (found) return found;
  // A party registered a moment ago may not be in the cached directory yet.
  app.services.hubDirectory.invalidate();
  return app.services.hubDirectory.find(party);
}

/**
 * OCPI-from-* must be a party the caller registered. Absent (docs/interop.md, transport): the
 * caller's only party, else the owner a client-owned RECEIVER URL (`/{cc}/{pid}/...`) or the
 * pushed body names, when it is one of the caller's; else HTTP 200 with 2001.
 */
function senderParty(req: Request, caller: AuthenticatedPeer, given: PartyRef | undefined, receiverPath: string): PartyRef {
  const roles = caller.roles;
  const own = (p: PartyRef | undefined) => (p ? roles.find((r) => ciEquals(r.countryCode, p.countryCode) && ciEquals(r.partyId, p.partyId)) : undefined);
  if (given) {
    const found = own(given);
    if (!found) throw new OcpiError(OcpiStatus.CLIENT_ERROR, `OCPI-from-country-code/OCPI-from-party-id ${describe(given)} is not a party registered by this peer`, 403);
    return { countryCode: found.countryCode, partyId: found.partyId };
  }
  const distinct = new Map(roles.map((r) => [partyKey(r.countryCode, r.partyId), { countryCode: r.countryCode, partyId: r.partyId }]));
  if (distinct.size === 1) return [...distinct.values()][0];
  const [cc, pid] = receiverPath.split('/').filter(Boolean);
  const body = req.body as { country_code?: unknown; party_id?: unknown } | undefined;
  const named =
    own(cc && pid ? { countryCode: cc, partyId: pid } : undefined) ??
    own(typeof body?.country_code === 'string' && typeof body.party_id === 'string' ? { countryCode: body.country_code, partyId: body.party_id } : undefined);
  if (named) return { countryCode: named.countryCode, partyId: named.partyId };
  throw invalidParameters('Routing headers required: OCPI-from-country-code/OCPI-from-party-id (this peer registered several parties and the request names none of them)');
}

/**
 * Open routing: the owner of the object the request names, when the hub has seen it created
 * (owners.ts); else the only reachable party of the opposite role that offers the interface;
 * else null (the caller broadcasts or refuses).
 */
async function openRoute(
  app: AppContext,
  policy: HubPolicy,
  q: { module: string; interfaceRole: string; method: string; rest: string; body: unknown; callerPeerId: string; from: PartyRef },
): Promise<Whereabouts | null> {
  const directory = app.services.hubDirectory;
  const named = namedObject(policy, q.module, q.interfaceRole, q.method, q.rest, q.body);
  const owner = named && (await ownerOf(app, named));
  if (owner) {
    const found = await directory.find(owner);
    if (found) return found;
  }
  const sender = await directory.find(q.from);
  const wanted = oppositeRoles(policy, sender?.roles ?? [], q.module);
  const candidates = (await directory.peerParties()).filter(
    (w) => w.kind === 'peer' && w.peer.id !== q.callerPeerId && w.roles.some((r) => wanted.includes(r)) && endpointOf(w.peer, q.module, q.interfaceRole),
  );
  return candidates.length === 1 ? candidates[0] : null;
}

async function serveAlias(app: AppContext, req: Request, res: Response, peer: AuthenticatedPeer, alias: Alias | null): Promise<void> {
  // An alias is only usable by the peer it was handed to; to anyone else it does not exist.
  if (!alias || alias.callerPeerId !== peer.peerId) throw notFound('Unknown or expired hub URL');
  // A Link or Location (sealed or, for a CDR, a row) is only ever read.
  if (alias.kind === 'LINK' && req.method !== 'GET') throw notFound('Unknown or expired hub URL');
  req.ocpi.routing = { from: alias.from, to: alias.to };
  const target = (await app.services.hubDirectory.peers()).find((p) => p.id === alias.targetPeerId);
  if (!target) throw unknownReceiver(`${describe(alias.to)} is no longer connected to the hub`);
  const method = req.method as Method;
  const caller = await findPeer(app, peer.peerId);
  await forwardAndRelay(app, req, res, {
    method,
    module: alias.module,
    url: alias.url,
    body: isBodyMethod(method) ? req.body : undefined,
    callerPeerId: peer.peerId,
    from: alias.from,
    target,
    to: alias.to,
    // A Link is the next page of a list; a callback carries one result object.
    bridge: caller && { caller, model: isBodyMethod(method) ? await toModel(app, caller, alias.module, req.body) : undefined, depth: 3 },
  });
}
