import { createRequire } from 'node:module';

export const REQUEST_QUEUE_MODULE = 'kafkajs/src/network/requestQueue/index.js';
/** kafkajs's wait before it looks at pending requests again (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;
const FIXED = Symbol.for('eai.kafkajs.scheduleCheckPendingRequests');

interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

/**
 * kafkajs 2.2.4 looks at every connection's pending requests every millisecond, forever: after each look it schedules
 * the next at `throttledUntil - Date.now()`, negative when the broker never throttled (`throttledUntil` is -1), which
 * Node runs after 1 ms (and on Node 22+ warns about: TimeoutNegativeWarning). A dozen connections in a hub are a
 * dozen thousand timer callbacks a second on the event loop, idle or not (tulios/kafkajs#1704, #1751; the fix,
 * #1768, is not released). This schedules a look only when one can help: requests are pending (at the end of a
 * throttle, else after 10 ms, as kafkajs does), or a throttle is running. A request pushed later, or an answer, looks
 * again (push and fulfillRequest call checkPendingRequests themselves).
 *
 * Installed where the transport is made, not at import, like the encoders. Returns false, changing nothing, when
 * kafkajs's request queue is not the one this was written for (kafkajs is pinned to 2.2.x, in maintenance mode).
 */
export function fixKafkajsPendingRequestChecks(): boolean {
  const require = createRequire(import.meta.url);
  const RequestQueue = require(REQUEST_QUEUE_MODULE) as { prototype: Record<string | symbol, unknown> };
  const proto = RequestQueue.prototype;
  if (proto[FIXED]) return true;
  if (
    typeof proto.scheduleCheckPendingRequests !== 'function' ||
    typeof proto.checkPendingRequests !== 'function'
  )
    return false;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueState): void {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  proto[FIXED] = true;
  return true;
}
