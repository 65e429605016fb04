/**
 * Writing to the outbox. Callers pass the transaction that makes the change itself, so the
 * change and the promise to tell the peer commit or roll back together. The dispatchers are
 * woken by a NOTIFY: inside the transaction (delivered at commit), or, for callers that ask for
 * it (`deferWake`), after the commit through `Wakeups`, coalesced, so that writing transactions
 * never hold PostgreSQL's NOTIFY queue lock while their commit is flushed (notifying
 * transactions cannot group-commit). A lost wake-up costs latency only: the dispatcher sweeps.
 */
import { hotQuery } from '../db/hot-statements.js';
import type { Db, Prisma } from '../db/prisma.js';
import type { PartyRef } from '../ocpi/context.js';

/** NOTIFY channels are database-wide: the schema in the name keeps deployments sharing a database apart. */
export function outboxChannel(schema: string): string {
  return `ocpi_outbox_${schema}`.slice(0, 63);
}

/** A peer's endpoint for (module, role) plus a path, an absolute URL, or the destination party's own backend (WEBHOOK). */
export type OutboxTarget = { interfaceRole: 'SENDER' | 'RECEIVER'; path: string } | { url: string } | { partyBackend: true };

/**
 * Where a message goes: a peer, or a local party's own backend (a WEBHOOK row, whose URL and
 * signature the composition root's webhook target gives at send time: see webhook-targets.ts).
 */
export interface OutboxDestination {
  /** Exactly one of the two (the table checks it). */
  peerId?: string | null;
  partyId?: string | null;
}

/** The delivery lane of a destination: one run at a time per lane, as the job id and the lease key. */
export function laneOf(d: OutboxDestination): string {
  if (d.peerId) return d.peerId;
  if (d.partyId) return `party:${d.partyId}`;
  throw new Error('an outbox message needs a peer or a party');
}

export interface OutboxMessageInput extends OutboxDestination {
  /** Ordering and coalescing key within the destination, e.g. `locations:NL/CPO/LOC1`. */
  objectKey: string;
  kind: 'PUSH' | 'CALLBACK' | 'WEBHOOK';
  module: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  target: OutboxTarget;
  body?: unknown;
  /** A complete version of the object (PUT, POST): older undelivered rows of the key are dropped. */
  fullVersion: boolean;
  lastUpdated?: Date;
  from?: PartyRef;
  to?: PartyRef;
  /** Callbacks of async commands are only worth delivering until then. */
  deadlineAt?: Date;
  /** The X-Correlation-ID of the exchange this message continues (a hub broadcast). */
  correlationId?: string;
  /** WEBHOOK rows: headers sent besides the signature (e.g. X-Event-Id). */
  headers?: Record<string, string>;
}

type Tx = Prisma.TransactionClient | Db;

/** A NOTIFY payload entry asking dispatchers to expand waiting fan-outs (never a lane: lanes are UUIDs). */
export const FANOUT_SIGNAL = 'fanout';
/** A NOTIFY payload entry asking dispatchers for a full sweep (too many lanes for one payload). */
export const SWEEP_SIGNAL = 'sweep';
/** pg_notify payloads stop at 8000 bytes. */
const MAX_NOTIFY_BYTES = 7000;

/**
 * Wake-ups sent after commit: entries added within WAKE_WINDOW_MS go out together, one NOTIFY
 * per channel (more when a payload would pass MAX_NOTIFY_BYTES), all in one statement. Nothing
 * is written, so that statement's commit flushes nothing and holds the NOTIFY lock only briefly.
 * Losing a batch (the process dies first, the database is unreachable) loses no data: every
 * listener also catches up on its own (the dispatcher's sweep, the locations model's poll).
 */
export class Wakeups {
  private readonly pending = new Map<string, { prefix: string; separator: string; entries: string[] }>();
  private timer: NodeJS.Timeout | null = null;
  /** The sends started so far, settled: what flush() waits for besides its own. */
  private sending: Promise<void> = Promise.resolve();
  /** Set by tests that play a writer crashing between its commit and its wake-up. */
  suppressed = false;

  constructor(
    private readonly db: Db,
    private readonly windowMs = WAKE_WINDOW_MS,
  ) {}

  /** Queues `entries` for `channel`; every payload of the channel is `prefix` + entries joined by `separator`. */
  add(channel: string, entries: string[], prefix = '', separator = ','): void {
    if (entries.length === 0 || this.suppressed) return;
    const queued = this.pending.get(channel);
    if (queued && queued.prefix === prefix && queued.separator === separator) queued.entries.push(...entries);
    else {
      if (queued) void this.flush();
      this.pending.set(channel, { prefix, separator, entries: [...entries] });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Sends what is queued now (also what the timer does); resolves once every send started before it is done. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const before = this.sending;
    if (this.pending.size === 0) return before;
    const channels: string[] = [];
    const payloads: string[] = [];
    for (const [channel, { prefix, separator, entries }] of this.pending) {
      let payload = prefix;
      let count = 0;
      for (const entry of entries) {
        if (count > 0 && Buffer.byteLength(payload) + Buffer.byteLength(entry) + 1 > MAX_NOTIFY_BYTES) {
          channels.push(channel);
          payloads.push(payload);
          payload = prefix;
          count = 0;
        }
        payload += (count++ ? separator : '') + entry;
      }
      channels.push(channel);
      payloads.push(payload);
    }
    this.pending.clear();
    const send = hotQuery(this.db, 'SELECT count(*)::int AS n FROM (SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS x(c, p)) s', [channels, payloads]).then(
      () => undefined,
      // Shutting down or PostgreSQL away: the listeners' own catch-up delivers (see above).
      () => undefined,
    );
    this.sending = Promise.all([before, send]).then(() => undefined);
    return this.sending;
  }
}

/** How long wake-ups wait for company: at 1,000 writes/s, one NOTIFY carries about 5 of them. */
const WAKE_WINDOW_MS = 5;

/** At most this many distinct templates are looked for in one batch; the rest is written per destination. */
const MAX_TEMPLATES = 64;

/** Whether two messages share everything but the peer, the party they are addressed to and the key (one fan-out). */
function sameTemplate(a: OutboxMessageInput, b: OutboxMessageInput, bodyA: number | undefined, bodyB: number | undefined): boolean {
  const ta = a.target;
  const tb = b.target;
  return (
    bodyA === bodyB &&
    a.kind === b.kind &&
    a.module === b.module &&
    a.method === b.method &&
    a.fullVersion === b.fullVersion &&
    ('interfaceRole' in ta ? ta.interfaceRole : null) === ('interfaceRole' in tb ? tb.interfaceRole : null) &&
    ('path' in ta ? ta.path : null) === ('path' in tb ? tb.path : null) &&
    ('url' in ta ? ta.url : null) === ('url' in tb ? tb.url : null) &&
    (a.lastUpdated?.getTime() ?? null) === (b.lastUpdated?.getTime() ?? null) &&
    a.from?.countryCode === b.from?.countryCode &&
    a.from?.partyId === b.from?.partyId &&
    (a.deadlineAt?.getTime() ?? null) === (b.deadlineAt?.getTime() ?? null) &&
    a.correlationId === b.correlationId
  );
}

export class Outbox {
  readonly channel: string;
  private readonly message: string;
  private readonly change: string;
  private readonly fanout: string;
  private readonly changeSeq: string;
  /** After-commit wake-ups of this process, for every channel (the locations read model's too). */
  readonly wakeups: Wakeups;

  constructor(
    private readonly db: Db,
    schema: string,
    /** A change for more peers than this is written as one fan-out row (OUTBOX_INLINE_FANOUT). */
    readonly inlineFanout = 8,
  ) {
    this.wakeups = new Wakeups(db);
    this.channel = outboxChannel(schema);
    const q = `"${schema.replace(/"/g, '""')}"`;
    this.message = `${q}."outbox_message"`;
    this.change = `${q}."outbox_change"`;
    this.fanout = `${q}."outbox_fanout"`;
    this.changeSeq = `${q}."outbox_change_id_seq"`.replace(/'/g, "''");
  }

  /**
   * Writes the messages inside the caller's transaction; dispatchers wake at commit. Each
   * distinct body is stored once. Messages that differ only in their peer (a push to every
   * receiving peer) are, past OUTBOX_INLINE_FANOUT of them, written as one fan-out row that the
   * dispatcher expands, so the request pays for two rows (the body and the fan-out) however
   * many peers there are.
   *
   * With `deferWake`, nothing is notified inside the transaction: the caller passes the returned
   * entries to `wakeAfterCommit` once its transaction committed.
   */
  async enqueue(tx: Tx, messages: OutboxMessageInput[], options: { deferWake?: boolean } = {}): Promise<string[]> {
    if (messages.length === 0) return [];
    const { bodies, index } = distinctBodies(messages);
    let groups: OutboxMessageInput[][] = [];
    if (messages.length > this.inlineFanout) {
      for (const m of messages) {
        if (!m.peerId || m.headers) continue;
        const group = groups.find((g) => sameTemplate(g[0], m, index.get(g[0]), index.get(m)));
        if (group) group.push(m);
        else if (groups.length < MAX_TEMPLATES) groups.push([m]);
      }
      groups = groups.filter((g) => g.length > this.inlineFanout);
    }
    // The rest keeps the caller's order: ids order the messages of one object with the same last_updated.
    const fannedOut = new Set(groups.flat());
    const inline = fannedOut.size ? messages.filter((m) => !fannedOut.has(m)) : messages;
    const signals = groups.length ? [FANOUT_SIGNAL] : [];
    for (let i = 0; i < inline.length; i += 5000) {
      const chunk = inline.slice(i, i + 5000);
      await this.insert(tx, chunk, bodies, index);
    }
    for (const group of groups) await this.insertFanout(tx, group, bodies[index.get(group[0]) ?? -1]);
    const wake = [...new Set(inline.map(laneOf)), ...signals];
    if (!options.deferWake) await this.notify(tx, wake);
    return wake;
  }

  /** Wakes the dispatchers for what `enqueue(…, { deferWake: true })` or a broadcast statement wrote, once committed. */
  wakeAfterCommit(entries: string[]): void {
    this.wakeups.add(this.channel, entries);
  }

  /**
   * CTEs that write changes' pushes to every target, for a caller that makes the changes in the
   * same statement (one statement is atomic: the changes and the promise to push them commit or
   * fail together, without an interactive transaction). `source` names a CTE with one row per
   * change (read as `s`); `order` is its column that orders the changes. `targets` names a CTE
   * with columns peer_id, country_code, party_id and n (the rows in delivery order), empty when
   * nothing changed. Like `enqueue`: each body once, then one message per target up to the
   * inline fan-out, else one fan-out row. The other arguments are SQL expressions over `s` (or
   * parameters). `lanes` and `fanout` are expressions for the caller's final SELECT: what to
   * pass to `wakeAfterCommit` (the lanes, plus FANOUT_SIGNAL when `fanout` is true).
   */
  broadcastCtes(o: {
    source: string;
    order: string;
    targets: string;
    body: string;
    module: string;
    method: string;
    path: string;
    lastUpdated: string;
    fromCountry: string;
    fromParty: string;
    /** The object key is keyPrefix || target country || '/' || target party || keySuffix. */
    keyPrefix: string;
    keySuffix: string;
  }): { ctes: string; lanes: string; fanout: string } {
    const key = `${o.keyPrefix} || tg.country_code || '/' || tg.party_id || ${o.keySuffix}`;
    const inline = Number(this.inlineFanout);
    // Change ids are drawn first, so that the messages (or fan-outs) can point at them. A fan-out
    // stores its targets once per change and its keys by their parts (the expansion builds them):
    // 200 keys per change as an array cost PostgreSQL more than the rest of the change.
    const ctes = `ob_n AS (SELECT count(*)::int AS n FROM ${o.targets}),
      ob_b AS MATERIALIZED (SELECT nextval('${this.changeSeq}') AS ob_id, s.* FROM ${o.source} AS s, ob_n WHERE ob_n.n > 0),
      ob_c AS (INSERT INTO ${this.change} (id, body) SELECT s.ob_id, ${o.body} FROM ob_b AS s),
      ob_m AS (INSERT INTO ${this.message} (change_id, peer_id, object_key, kind, module, method, full_version, interface_role, path,
                                 last_updated, from_country, from_party, to_country, to_party, status)
               SELECT s.ob_id, tg.peer_id, ${key}, 'PUSH', ${o.module}, ${o.method}, false, 'RECEIVER', ${o.path},
                      ${o.lastUpdated}, ${o.fromCountry}, ${o.fromParty}, tg.country_code, tg.party_id, 'PENDING'
                 FROM ob_b AS s, ob_n, ${o.targets} AS tg WHERE ob_n.n <= ${inline} ORDER BY s.${o.order}, tg.n
               RETURNING peer_id),
      ob_a AS (SELECT array_agg(tg.peer_id ORDER BY tg.n) AS peer_ids, array_agg(tg.country_code ORDER BY tg.n) AS to_countries,
                      array_agg(tg.party_id ORDER BY tg.n) AS to_parties
                 FROM ${o.targets} AS tg, ob_n WHERE ob_n.n > ${inline} HAVING count(*) > 0),
      ob_f AS (INSERT INTO ${this.fanout} (change_id, kind, module, method, full_version, interface_role, path, last_updated,
                                 from_country, from_party, peer_ids, object_keys, key_prefix, key_suffix, to_countries, to_parties)
               SELECT s.ob_id, 'PUSH', ${o.module}, ${o.method}, false, 'RECEIVER', ${o.path}, ${o.lastUpdated}, ${o.fromCountry}, ${o.fromParty},
                      a.peer_ids, '{}', ${o.keyPrefix}, ${o.keySuffix}, a.to_countries, a.to_parties
                 FROM ob_b AS s CROSS JOIN ob_a AS a ORDER BY s.${o.order}
               RETURNING change_id)`;
    return { ctes, lanes: '(SELECT array_agg(DISTINCT peer_id::text) FROM ob_m)', fanout: 'EXISTS (SELECT 1 FROM ob_f)' };
  }

  /** Writes one message inside the caller's transaction and returns its id (a record that points at its delivery). */
  async enqueueOne(tx: Tx, message: OutboxMessageInput): Promise<bigint> {
    const { bodies, index } = distinctBodies([message]);
    const [id] = await this.insert(tx, [message], bodies, index);
    await this.notify(tx, [laneOf(message)]);
    return id;
  }

  /** Wakes the dispatchers for these peers (after a retry, a resume...). */
  async wake(peerIds: string[], tx: Tx = this.db): Promise<void> {
    if (peerIds.length) await this.notify(tx, peerIds);
  }

  private async notify(tx: Tx, lanes: string[]): Promise<void> {
    const payload = lanes.join(',');
    await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', this.channel, Buffer.byteLength(payload) > MAX_NOTIFY_BYTES ? SWEEP_SIGNAL : payload);
  }

  /**
   * One statement per chunk: the distinct bodies as changes (ids drawn in the statement), then
   * the messages pointing at them, from unnest(...) arrays. Every change of the platform writes
   * here, and this is an order of magnitude cheaper than createMany's per-row mapping.
   */
  private async insert(tx: Tx, messages: OutboxMessageInput[], bodies: Array<string | null>, index: Map<OutboxMessageInput, number>): Promise<bigint[]> {
    const used = [...new Set(messages.map((m) => index.get(m)).filter((i): i is number => i !== undefined))];
    const local = new Map(used.map((b, i) => [b, i + 1]));
    const col = <T>(pick: (m: OutboxMessageInput) => T) => messages.map(pick);
    const sql = `WITH b AS MATERIALIZED (SELECT nextval('${this.changeSeq}') AS id, t.n, t.body FROM unnest($1::jsonb[]) WITH ORDINALITY AS t(body, n)),
            c AS (INSERT INTO ${this.change} (id, body) SELECT id, body FROM b),
            m AS (INSERT INTO ${this.message} (change_id, peer_id, object_key, kind, module, method, full_version, interface_role, path, url,
                                  last_updated, from_country, from_party, to_country, to_party, deadline_at, correlation_id, party_id, headers, status)
                  SELECT b.id, x.peer_id, x.object_key, x.kind, x.module, x.method, x.full_version, x.interface_role, x.path, x.url, x.last_updated,
                         x.from_country, x.from_party, x.to_country, x.to_party, x.deadline_at, x.correlation_id, x.party_id, x.headers, 'PENDING'
                    FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[], $10::text[],
                                $11::text[], $12::timestamptz[], $13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[],
                                $18::text[], $19::uuid[], $20::jsonb[])
                         WITH ORDINALITY AS x(bi, peer_id, object_key, kind, module, method, full_version, interface_role, path, url, last_updated,
                                              from_country, from_party, to_country, to_party, deadline_at, correlation_id, party_id, headers, n)
                    LEFT JOIN b ON b.n = x.bi
                   ORDER BY x.n
                  RETURNING id)
       SELECT id FROM m`;
    return (
      await tx.$queryRawUnsafe<Array<{ id: bigint }>>(
        sql,
        used.map((b) => bodies[b]),
        col((m) => local.get(index.get(m) ?? -1) ?? null),
        col((m) => m.peerId ?? null),
        col((m) => m.objectKey),
        col((m) => m.kind),
        col((m) => m.module),
        col((m) => m.method),
        col((m) => m.fullVersion),
        col((m) => ('interfaceRole' in m.target ? m.target.interfaceRole : null)),
        col((m) => ('interfaceRole' in m.target ? m.target.path : null)),
        col((m) => ('url' in m.target ? m.target.url : null)),
        col((m) => m.lastUpdated ?? null),
        col((m) => m.from?.countryCode ?? null),
        col((m) => m.from?.partyId ?? null),
        col((m) => m.to?.countryCode ?? null),
        col((m) => m.to?.partyId ?? null),
        col((m) => m.deadlineAt ?? null),
        col((m) => m.correlationId ?? null),
        col((m) => m.partyId ?? null),
        col((m) => (m.headers ? JSON.stringify(m.headers) : null)),
      )
    ).map((r) => r.id);
  }

  /** One change (the body) and one fan-out row naming every destination: the dispatcher writes their messages. */
  private async insertFanout(tx: Tx, group: OutboxMessageInput[], body: string | null | undefined): Promise<void> {
    const m = group[0];
    const t = m.target;
    await tx.$executeRawUnsafe(
      `WITH c AS (INSERT INTO ${this.change} (body) VALUES ($1::jsonb) RETURNING id)
       INSERT INTO ${this.fanout} (change_id, kind, module, method, full_version, interface_role, path, url, last_updated,
                                   from_country, from_party, deadline_at, correlation_id, peer_ids, object_keys, to_countries, to_parties)
       SELECT c.id, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10, $11, $12::timestamptz, $13, $14::uuid[], $15::text[], $16::text[], $17::text[] FROM c`,
      body ?? null,
      m.kind,
      m.module,
      m.method,
      m.fullVersion,
      'interfaceRole' in t ? t.interfaceRole : null,
      'path' in t ? t.path : null,
      'url' in t ? t.url : null,
      m.lastUpdated ?? null,
      m.from?.countryCode ?? null,
      m.from?.partyId ?? null,
      m.deadlineAt ?? null,
      m.correlationId ?? null,
      group.map((g) => g.peerId),
      group.map((g) => g.objectKey),
      group.map((g) => g.to?.countryCode ?? null),
      group.map((g) => g.to?.partyId ?? null),
    );
  }
}

/**
 * The distinct bodies of a batch as JSON text, and each message's body among them. Callers
 * build a fan-out from one object, so a body is serialized once per object, not per peer.
 */
function distinctBodies(messages: OutboxMessageInput[]): { bodies: Array<string | null>; index: Map<OutboxMessageInput, number> } {
  const byObject = new Map<unknown, number>();
  const byText = new Map<string, number>();
  const bodies: Array<string | null> = [];
  const index = new Map<OutboxMessageInput, number>();
  for (const m of messages) {
    if (m.body === undefined) continue;
    let i = m.body !== null && typeof m.body === 'object' ? byObject.get(m.body) : undefined;
    if (i === undefined) {
      const text = JSON.stringify(m.body);
      i = byText.get(text);
      if (i === undefined) {
        i = bodies.push(text) - 1;
        byText.set(text, i);
      }
      if (m.body !== null && typeof m.body === 'object') byObject.set(m.body, i);
    }
    index.set(m, i);
  }
  return { bodies, index };
}

declare module '../context.js' {
  interface AppContext {
    outbox: Outbox;
  }
}
