/**
 * The rules of our pricing engine are never applied to what peers send (docs/interop.md, receive
 * profile): a peer's tariff with, say, `step_size: 0` is stored as sent. What the engine would
 * find unusual is noted in the peer's data-quality report, so the operator can raise it before
 * it matters for a price.
 */
import type { AppContext } from '../../../context.js';
import { foldPath } from '../../../ocpi/receive-profile.js';
import { type ReceivedTariff, tariffEngineIssues } from '../../../model/tariff.js';

export async function noticeEngineRules(
  app: AppContext,
  peerId: string,
  module: string,
  objectId: string,
  tariffs: readonly ReceivedTariff[],
  prefix: Array<string | number> = [],
): Promise<void> {
  const notices = tariffs.flatMap((t, i) =>
    tariffEngineIssues(t).map((issue) => ({ path: foldPath([...prefix, ...(prefix.length ? [i] : []), ...issue.path]), rule: 'tariff_engine_rule', detail: issue.message })),
  );
  if (notices.length) await app.dataQuality.record(peerId, module, objectId, { notices });
}
