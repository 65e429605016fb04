/**
 * Hub-owned URLs. A peer behind the hub can only call the hub (it has no token for the other
 * peer), so every URL a receiver hands out for a later call is replaced by an alias under
 * `/ocpi/hub/alias/{id}`: the `response_url` of commands and charging profiles (CALLBACK: the
 * receiver calls it back with the result) and `Link`/`Location` headers of answers (LINK: the
 * requester follows them). An alias remembers where to forward, with whose token, under which
 * routing headers, and the one peer allowed to use it. CALLBACK aliases are rows (a
 * response_url must fit in 255 characters); LINK aliases are sealed URLs (see signedLink).
 */
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';

export type AliasKind = 'CALLBACK' | 'LINK';

export interface AliasInput {
  kind: AliasKind;
  module: string;
  url: string;
  /** The peer that will call the alias. */
  callerPeerId: string;
  /** The peer the call is forwarded to. */
  targetPeerId: string;
  /** Routing headers of the forwarded call. */
  from?: PartyRef;
  to?: PartyRef;
  /** Null: no expiry (see CDR_LOCATION_TTL_MS). */
  ttlMs: number | null;
}

export interface Alias extends AliasInput {
  id: string;
  expiresAt: Date | null;
}

export const ALIAS_PATH = '/hub/alias';
/** Commands and profiles answer within minutes; pagination crawls within hours. */
export const CALLBACK_TTL_MS = 24 * 3_600_000;
export const LINK_TTL_MS = 6 * 3_600_000;
/**
 * The Location of a posted CDR is where its sender reads the CDR back, possibly months later
 * (a dispute); OCPI never deletes a CDR, so neither is this alias.
 */
export const CDR_LOCATION_TTL_MS = null;

export function aliasUrl(app: AppContext, id: string): string {
  return `${app.config.PUBLIC_BASE_URL}/ocpi${ALIAS_PATH}/${id}`;
}

export async function createAlias(app: AppContext, input: AliasInput): Promise<string> {
  const id = crypto.randomBytes(16).toString('hex');
  await app.db.hubAlias.create({
    data: {
      id,
      kind: input.kind,
      module: input.module,
      url: input.url,
      callerPeerId: input.callerPeerId,
      targetPeerId: input.targetPeerId,
      fromCountry: input.from?.countryCode ?? null,
      fromParty: input.from?.partyId ?? null,
      toCountry: input.to?.countryCode ?? null,
      toParty: input.to?.partyId ?? null,
      expiresAt: input.ttlMs === null ? null : new Date(Date.now() + input.ttlMs),
    },
  });
  return aliasUrl(app, id);
}

export async function findAlias(app: AppContext, id: string): Promise<Alias | null> {
  if (!/^[0-9a-f]{32}$/.test(id)) return null;
  const row = await app.db.hubAlias.findUnique({ where: { id } });
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return null;
  const ref = (c: string | null, p: string | null) => (c && p ? { countryCode: c, partyId: p } : undefined);
  return {
    id: row.id,
    kind: row.kind as AliasKind,
    module: row.module,
    url: row.url,
    callerPeerId: row.callerPeerId,
    targetPeerId: row.targetPeerId,
    from: ref(row.fromCountry, row.fromParty),
    to: ref(row.toCountry, row.toParty),
    ttlMs: row.expiresAt ? row.expiresAt.getTime() - row.createdAt.getTime() : null,
    expiresAt: row.expiresAt,
  };
}

export const LINK_PATH = '/hub/link';

/**
 * A LINK alias needs no row: what it stands for travels in the URL, sealed (AES-256-GCM with the
 * key of our stored tokens), so it can be neither read (peer URLs and ids stay hidden) nor
 * altered. Pages are requested far more often than callbacks are created, and a database write
 * per relayed page would dominate the cost of the hop.
 */
export function signedLink(app: AppContext, input: Omit<AliasInput, 'kind' | 'ttlMs'> & { ttlMs?: number }): string {
  const expires = Math.floor((Date.now() + (input.ttlMs ?? LINK_TTL_MS)) / 1000);
  const fields = [
    LINK_VERSION,
    input.url,
    input.callerPeerId,
    input.targetPeerId,
    input.module,
    input.from?.countryCode ?? '',
    input.from?.partyId ?? '',
    input.to?.countryCode ?? '',
    input.to?.partyId ?? '',
    expires,
  ];
  const sealed = Buffer.from(app.secrets.encrypt(JSON.stringify(fields))).toString('base64url');
  return `${app.config.PUBLIC_BASE_URL}/ocpi${LINK_PATH}/${sealed}`;
}

// Tells a sealed Link apart from any other sealed value of ours.
const LINK_VERSION = 'hub-link-1';

export function readSignedLink(app: AppContext, sealed: string): Alias | null {
  let fields: unknown;
  try {
    fields = JSON.parse(app.secrets.decrypt(Buffer.from(sealed, 'base64url').toString('utf8')));
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields.length !== 10 || fields[0] !== LINK_VERSION) return null;
  const [, url, callerPeerId, targetPeerId, module, fc, fp, tc, tp, expires] = fields as [string, string, string, string, string, string, string, string, string, number];
  if (expires * 1000 <= Date.now()) return null;
  const ref = (c: string, p: string) => (c && p ? { countryCode: c, partyId: p } : undefined);
  return { id: 'link', kind: 'LINK', module, url, callerPeerId, targetPeerId, from: ref(fc, fp), to: ref(tc, tp), ttlMs: 0, expiresAt: new Date(expires * 1000) };
}

export async function purgeExpiredAliases(app: AppContext, now = new Date()): Promise<number> {
  const { count } = await app.db.hubAlias.deleteMany({ where: { expiresAt: { lt: now } } });
  return count;
}

/**
 * Rewrites every `<url>` of a Link header to an alias (rel and other parameters kept); a URL
 * `make` refuses (false) is left out, and so is the header when nothing is left.
 */
export function rewriteLinkHeader(header: string, make: (url: string) => string | false): string {
  const parts = header.split(/,(?=\s*<)/);
  const out: string[] = [];
  for (const part of parts) {
    const m = /^\s*<([^>]+)>(.*)$/s.exec(part);
    if (!m) continue;
    const alias = make(m[1]);
    if (alias) out.push(`<${alias}>${m[2]}`);
  }
  return out.join(', ');
}
