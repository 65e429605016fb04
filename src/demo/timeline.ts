/**
 * The demo's record of every OCPI message that crossed between the platforms: each platform
 * notes the requests it receives under /ocpi, with the answer's status, and a one-line summary
 * of what the message meant.
 */
import type { NextFunction, Request, Response } from 'express';
import { moduleIds } from '../modules/registry.js';

export interface Message {
  at: number;
  from: string;
  to: string;
  method: string;
  path: string;
  httpStatus: number;
  ocpiStatus?: number;
  summary: string;
  /** An OCPP call (`--ocpp`) rather than an OCPI request: its answer's status word, shown instead of the HTTP one. */
  ocpp?: string;
}

export class Timeline {
  readonly messages: Message[] = [];
  private readonly started = Date.now();
  private printed = 0;

  constructor(private readonly print: (line: string) => void) {}

  /** Express middleware for the platform named `receiver`; `sender` names whoever calls it. */
  recorder(receiver: string, senderOf: (req: Request) => string) {
    return (req: Request, res: Response, next: NextFunction) => {
      // Routers rewrite req.url on the way in: keep the path as it arrived.
      const fullPath = req.originalUrl.split('?')[0];
      if (!fullPath.startsWith('/ocpi')) return next();
      const chunks: Buffer[] = [];
      const write = res.write.bind(res);
      const end = res.end.bind(res);
      // The answer's OCPI status code is read from the body on its way out.
      res.write = ((chunk: unknown, ...rest: unknown[]) => (chunk && chunks.push(Buffer.from(chunk as Buffer)), write(chunk as Buffer, ...(rest as [])))) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => (
        chunk && typeof chunk !== 'function' && chunks.push(Buffer.from(chunk as Buffer)), end(chunk as Buffer, ...(rest as []))
      )) as typeof res.end;
      res.on('finish', () => {
        let answer: { status_code?: number; data?: unknown } = {};
        try {
          answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          /* not JSON: no OCPI status to show */
        }
        this.messages.push({
          at: Date.now(),
          from: senderOf(req),
          to: receiver,
          method: req.method,
          path: fullPath.replace(/^\/ocpi/, ''),
          httpStatus: res.statusCode,
          ocpiStatus: answer.status_code,
          summary: summarize(req.method, fullPath, req.body, answer.data),
        });
      });
      next();
    };
  }

  /** Prints the messages recorded since the last call. */
  flush(): void {
    for (const m of this.messages.slice(this.printed)) {
      const t = ((m.at - this.started) / 1000).toFixed(2).padStart(6);
      const status = m.ocpp ?? `${m.httpStatus}${m.ocpiStatus ? `/${m.ocpiStatus}` : ''}`;
      this.print(`  ${t}s  ${m.from.padEnd(4)} → ${m.to.padEnd(4)} ${m.method.padEnd(6)} ${m.path.padEnd(58)} ${status.padEnd(8)} ${m.summary}`);
    }
    this.printed = this.messages.length;
  }
}

type Obj = Record<string, unknown>;

/** One line saying what a message meant, from its path and body. */
export function summarize(method: string, path: string, body: unknown, answer: unknown): string {
  const b = (body && typeof body === 'object' ? body : {}) as Obj;
  const a = (answer && typeof answer === 'object' ? answer : {}) as Obj;
  const parts = path.split('/').filter(Boolean);
  const module = parts.find((p) => moduleIds.includes(p)) ?? parts[parts.length - 1] ?? '';
  let tail = parts.slice(parts.indexOf(module) + 1);
  // Hub URLs name the interface after the module: /hub/{version}/{module}/{sender|receiver}/...
  if (parts[1] === 'hub' && (tail[0] === 'sender' || tail[0] === 'receiver')) tail = tail.slice(1);
  if (parts[1] === 'hub' && parts[2] === 'alias') return `callback through the hub: result ${String(b.result)}`;
  if (parts[1] === 'hub' && parts[2] === 'link') return 'next page through the hub';
  switch (module) {
    case 'versions':
      return parts.length <= 2 ? 'which OCPI versions do you speak?' : `which modules do you offer in ${parts[1]}?`;
    case 'credentials':
      return method === 'POST' ? 'registration: here is my token and my versions URL' : method === 'DELETE' ? 'unregister' : 'credentials';
    case 'locations':
      if (method === 'GET') return Array.isArray(answer) ? `pull: ${answer.length} location(s)` : 'read one location';
      if (tail.length >= 5) return `connector ${tail[4]} of ${tail[3]} ${method === 'PATCH' ? 'changed' : 'replaced'}`;
      if (tail.length === 4) return b.status ? `EVSE ${tail[3]} is now ${String(b.status)}` : `EVSE ${tail[3]} ${method === 'PUT' ? 'published' : 'changed'}`;
      return method === 'PUT' ? `location ${String(b.name ?? tail[2])} published (${(b.evses as unknown[] | undefined)?.length ?? 0} EVSEs)` : `location ${tail[2]} changed`;
    case 'tariffs':
      if (method === 'GET') return Array.isArray(answer) ? `pull: ${answer.length} tariff(s)` : 'read tariff';
      return method === 'PUT' ? `tariff ${String(b.id)} published (${String(b.currency)})` : `tariff ${tail[2]} removed`;
    case 'tokens':
      if (tail.includes('authorize')) return `may token ${tail[0]} charge? → ${String(a.allowed ?? '?')}`;
      if (method === 'GET') return Array.isArray(answer) ? `pull: ${answer.length} token(s)` : 'read token';
      return method === 'PUT'
        ? `token ${String(b.uid)} (${String(b.type)}) issued, valid=${String(b.valid)}`
        : `token ${tail[2]} changed${b.valid !== undefined ? `: valid=${String(b.valid)}` : ''}`;
    case 'sessions':
      if (method === 'GET') return Array.isArray(answer) ? `pull: ${answer.length} session(s)` : 'read session';
      if (method === 'PUT') return `session ${String(b.id)} ${String(b.status)} at ${String(b.location_id)}/${String(b.evse_uid)}`;
      return `session ${tail[2]}: ${[b.status, b.kwh !== undefined ? `${Number(b.kwh).toFixed(2)} kWh` : undefined, b.total_cost ? `cost ${costText(b.total_cost)}` : undefined].filter(Boolean).join(', ') || 'updated'}`;
    case 'cdrs':
      if (method === 'GET') return Array.isArray(answer) ? `pull: ${answer.length} CDR(s)` : 'read CDR';
      return `CDR ${String(b.id)}: ${Number(b.total_energy ?? 0).toFixed(2)} kWh, ${costText(b.total_cost)}`;
    case 'commands':
      if (tail.length >= 2) return `result of ${tail[0]}: ${String(b.result)}`;
      return `${tail[0]} requested → ${String(a.result ?? '?')}${a.timeout ? ` (result within ${String(a.timeout)} s)` : ''}`;
    case 'chargingprofiles':
      return chargingProfileSummary(method, b, a);
    case 'hubclientinfo':
      if (method === 'GET') return Array.isArray(answer) ? `pull: ${answer.length} reachable part${answer.length === 1 ? 'y' : 'ies'}` : 'read one party';
      return `party ${String(b.country_code)}/${String(b.party_id)} is ${String(b.status)}`;
    default:
      return '';
  }
}

/** A profile's first limit, e.g. `3700 W`. */
function limitText(profile: unknown): string {
  const p = (profile ?? {}) as { charging_rate_unit?: string; charging_profile_period?: Array<{ limit?: number }> };
  const limit = p.charging_profile_period?.[0]?.limit;
  return limit !== undefined ? `${limit} ${p.charging_rate_unit ?? ''}`.trim() : 'no limit';
}

function chargingProfileSummary(method: string, b: Obj, a: Obj): string {
  const answered = a.result !== undefined ? ` → ${String(a.result)}` : '';
  if (method === 'POST') {
    const profile = (b.profile as Obj | undefined)?.charging_profile;
    return `charging profile result: ${String(b.result)}${profile ? `, active ${limitText(profile)}` : ''}`;
  }
  if (method === 'PUT' && b.charging_profile && b.start_date_time) return `active profile now ${limitText(b.charging_profile)}`;
  if (method === 'PUT') return `set profile: ${limitText(b.charging_profile)}${answered}`;
  if (method === 'GET') return `which profile is active?${answered}`;
  return `clear the profile${answered}`;
}

function costText(cost: unknown): string {
  const c = (cost ?? {}) as { incl_vat?: number; excl_vat?: number };
  return c.incl_vat !== undefined ? `€${c.incl_vat.toFixed(2)} incl. VAT` : c.excl_vat !== undefined ? `€${c.excl_vat.toFixed(2)} excl. VAT` : 'no cost';
}
