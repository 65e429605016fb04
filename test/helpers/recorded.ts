/** Reading what a test platform received (its request recorder, test/helpers/platform.ts). */
import { eventually } from './eventually.js';
import type { RecordedRequest, TestPlatform } from './platform.js';

/** The requests of `method` whose path starts with `prefix`, in arrival order. */
export function receivedAt(p: Pick<TestPlatform, 'received'>, method: string, prefix: string): RecordedRequest[] {
  return p.received.filter((r) => r.method === method && r.path.startsWith(prefix));
}

/** The nth such request once its body is recorded (the recorder fills it when the answer finishes). */
export function arrivedAt(p: Pick<TestPlatform, 'received'>, method: string, prefix: string, nth = 0, timeoutMs?: number): Promise<RecordedRequest> {
  return eventually(() => {
    const found = receivedAt(p, method, prefix)[nth];
    expect(found?.body).toBeDefined();
    return found;
  }, timeoutMs);
}
