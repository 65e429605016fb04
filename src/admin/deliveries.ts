/** Admin API: what is pending, failing and dead per peer; retry, drop, resync. */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { laneOf } from '../delivery/outbox.js';
import { requestFullPull } from '../delivery/pulls.js';
import { defineRoute } from '../ocpi/route.js';
import { AdminError, notFound } from './errors.js';
import { PeerPath } from './schemas.js';

const Status = z.enum(['PENDING', 'FAILED', 'DEAD', 'RESYNC', 'DELIVERED', 'SUPERSEDED', 'DROPPED']);

const DeliveryView = z.object({
  id: z.string(),
  object_key: z.string(),
  module: z.string(),
  kind: z.string(),
  method: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  next_attempt_at: z.string(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
});

const DeliveryList = z.object({
  summary: z.record(z.string(), z.number().int()).describe('Counts per status; FAILED = pending after at least one failed attempt'),
  items: z.array(DeliveryView),
});

const DeliveryPath = z.object({ id: z.string().regex(/^\d{1,19}$/, 'must be a delivery id') });

function view(r: {
  id: bigint;
  objectKey: string;
  module: string;
  kind: string;
  method: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}) {
  const failing = r.status === 'PENDING' && r.attempts > 0;
  return {
    id: String(r.id),
    object_key: r.objectKey,
    module: r.module,
    kind: r.kind,
    method: r.method,
    status: failing ? 'FAILED' : r.status,
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt.toISOString(),
    last_error: r.lastError,
    created_at: r.createdAt.toISOString(),
    delivered_at: r.deliveredAt?.toISOString() ?? null,
  };
}

async function requirePeer(app: AppContext, id: string) {
  const peer = await app.peerStore.get(id);
  if (!peer) throw notFound('Peer');
  return peer;
}

export const deliveryRoutes = [
  defineRoute({
    method: 'get',
    path: '/peers/:id/deliveries',
    summary: 'Deliveries to a peer, newest first, with counts per status',
    params: PeerPath,
    query: z.object({ status: Status.optional(), limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) }),
    response: DeliveryList,
    handler: async ({ app, params, query }) => {
      await requirePeer(app, params.id);
      const where =
        query.status === 'FAILED'
          ? { peerId: params.id, status: 'PENDING', attempts: { gt: 0 } }
          : query.status === 'PENDING'
            ? { peerId: params.id, status: 'PENDING', attempts: 0 }
            : { peerId: params.id, ...(query.status ? { status: query.status } : {}) };
      const [rows, groups, failing] = await Promise.all([
        app.db.outboxMessage.findMany({ where, orderBy: { id: 'desc' }, take: query.limit, skip: query.offset }),
        app.db.outboxMessage.groupBy({ by: ['status'], where: { peerId: params.id }, _count: { _all: true } }),
        app.db.outboxMessage.count({ where: { peerId: params.id, status: 'PENDING', attempts: { gt: 0 } } }),
      ]);
      const summary: Record<string, number> = { PENDING: 0, FAILED: failing, DEAD: 0, RESYNC: 0, DELIVERED: 0, SUPERSEDED: 0, DROPPED: 0 };
      for (const g of groups) summary[g.status] = g._count._all;
      summary.PENDING -= failing;
      return { data: { summary, items: rows.map(view) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/deliveries/:id/retry',
    summary: 'Send a dead (or resync) delivery again, from a fresh retry window',
    params: DeliveryPath,
    response: DeliveryView,
    errors: { 404: 'Unknown delivery', 409: 'Not dead or resync' },
    handler: async ({ app, params }) => {
      const id = BigInt(params.id);
      const { count } = await app.db.outboxMessage.updateMany({
        where: { id, status: { in: ['DEAD', 'RESYNC'] } },
        data: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date(), firstFailedAt: null },
      });
      const row = await app.db.outboxMessage.findFirst({ where: { id } });
      if (!row) throw notFound('Delivery');
      if (count === 0) throw new AdminError(409, 'conflict', `Delivery is ${row.status}; only DEAD or RESYNC deliveries can be retried`);
      await app.outbox.wake([laneOf(row)]);
      return { data: view(row) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/deliveries/:id',
    summary: 'Drop a pending, dead or resync delivery: it will not be sent',
    params: DeliveryPath,
    errors: { 404: 'Unknown delivery', 409: 'Already delivered' },
    handler: async ({ app, params }) => {
      const id = BigInt(params.id);
      const { count } = await app.db.outboxMessage.updateMany({ where: { id, status: { in: ['PENDING', 'DEAD', 'RESYNC'] } }, data: { status: 'DROPPED' } });
      if (count === 0) {
        const row = await app.db.outboxMessage.findFirst({ where: { id } });
        if (!row) throw notFound('Delivery');
        throw new AdminError(409, 'conflict', `Delivery is ${row.status} and cannot be dropped`);
      }
      return {};
    },
  }),
  defineRoute({
    method: 'post',
    path: '/peers/:id/resync',
    summary: 'Resync a peer: re-send the newest version of every object that ran out of retries, and pull everything from it again',
    params: PeerPath,
    body: z.object({ modules: z.array(z.string().max(32)).optional() }),
    response: z.object({ requeued: z.number().int(), pulls_reset: z.number().int() }),
    handler: async ({ app, params, body }) => {
      await requirePeer(app, params.id);
      const moduleFilter = body.modules?.length ? { module: { in: body.modules } } : {};
      // The newest RESYNC message per object is enough: older ones would be superseded anyway.
      const newest = await app.db.outboxMessage.groupBy({ by: ['objectKey'], where: { peerId: params.id, status: 'RESYNC', ...moduleFilter }, _max: { id: true } });
      const ids = newest.map((n) => n._max.id).filter((id): id is bigint => Boolean(id));
      const { count } = await app.db.outboxMessage.updateMany({
        where: { id: { in: ids } },
        data: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date(), firstFailedAt: null },
      });
      await app.db.outboxMessage.updateMany({ where: { peerId: params.id, status: 'RESYNC', ...moduleFilter }, data: { status: 'SUPERSEDED' } });
      const pullsReset = await requestFullPull(app, params.id, body.modules);
      await app.outbox.wake([params.id]);
      return { data: { requeued: count, pulls_reset: pullsReset } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/peers/:id/pulls',
    summary: 'Pull schedule and results per module for a peer',
    params: PeerPath,
    response: z.array(
      z.object({
        module: z.string(),
        last_success_at: z.string().nullable(),
        last_started_at: z.string().nullable(),
        next_pull_at: z.string(),
        last_count: z.number().int().nullable(),
        last_error: z.string().nullable(),
      }),
    ),
    handler: async ({ app, params }) => {
      await requirePeer(app, params.id);
      const states = await app.db.pullState.findMany({ where: { peerId: params.id }, orderBy: { module: 'asc' } });
      return {
        data: states.map((s) => ({
          module: s.module,
          last_success_at: s.lastSuccessAt?.toISOString() ?? null,
          last_started_at: s.lastStartedAt?.toISOString() ?? null,
          next_pull_at: s.nextPullAt.toISOString(),
          last_count: s.lastCount,
          last_error: s.lastError,
        })),
      };
    },
  }),
];
