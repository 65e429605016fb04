/**
 * The TIMEOUT sweep shared by what our eMSP parties send and wait on (commands, charging profile
 * requests): ACCEPTED without a result past the deadline becomes TIMEOUT and the eMSP backend is
 * told; REQUESTED past it (the CPO's answer was never recorded: the process stopped during the
 * call) becomes FAILED. Each row changes in its own transaction, guarded by the status it was read
 * with, so a result arriving at the same moment wins.
 */
import type { AppContext } from '../../../context.js';
import { type EmspEventType, enqueueEmspEvent } from '../../../backends/emsp-events.js';
import type { Prisma } from '../../../db/prisma.js';

interface Row {
  id: string;
  status: string;
  partyKey: string;
}

/** The few calls of a Prisma model delegate the sweep needs (emspCommand, emspChargingProfileRequest). */
interface RequestModel<R extends Row> {
  findMany(args: { where: object; select: { id: true; status: true }; take: number }): Promise<Array<{ id: string; status: string }>>;
  updateMany(args: { where: { id: string; status: string }; data: object }): Promise<{ count: number }>;
  findUniqueOrThrow(args: { where: { id: string } }): Promise<R>;
}

export async function expireOverdueRequests<R extends Row>(
  app: AppContext,
  what: { name: string; model: (db: Prisma.TransactionClient | AppContext['db']) => RequestModel<R>; event: EmspEventType; view: (row: R) => unknown },
): Promise<number> {
  const overdue = await what
    .model(app.db)
    .findMany({ where: { status: { in: ['ACCEPTED', 'REQUESTED'] }, deadlineAt: { lt: new Date() } }, select: { id: true, status: true }, take: 500 });
  let expired = 0;
  for (const o of overdue) {
    await app.db
      .$transaction(async (tx) => {
        const timedOut = o.status === 'ACCEPTED';
        const data = timedOut ? { status: 'TIMEOUT' } : { status: 'FAILED', failure: 'The CPO answer was never recorded (the platform stopped during the call)' };
        const { count } = await what.model(tx).updateMany({ where: { id: o.id, status: o.status }, data });
        if (count !== 1) return;
        const row = await what.model(tx).findUniqueOrThrow({ where: { id: o.id } });
        if (timedOut) await enqueueEmspEvent(app, tx, { countryCode: row.partyKey.slice(0, 2), partyId: row.partyKey.slice(2) }, what.event, what.view(row));
        expired++;
      })
      .catch((e: Error) => app.log.warn({ id: o.id, err: e.message }, `could not expire an eMSP ${what.name}`));
  }
  return expired;
}
