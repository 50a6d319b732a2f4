import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fixKafkajsPendingRequestChecks, REQUEST_QUEUE_MODULE } from './kafkajs-request-queue.ts';
import { kafkajsOriginal } from './test-support.ts';

interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  checkPendingRequests(): void;
  destroy(): void;
}
type QueueClass = new (options: Record<string, unknown>) => Queue;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A request queue whose pending-request checks are counted. */
function queue(RequestQueue: QueueClass): { queue: Queue; checks: () => number } {
  const q = new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'spec',
    broker: '127.0.0.1:9092',
    logger: quiet,
  });
  let checks = 0;
  const check = q.checkPendingRequests.bind(q);
  q.checkPendingRequests = () => {
    checks += 1;
    check();
  };
  return { queue: q, checks: () => checks };
}

/** A pending request as the queue sends it. */
function request(sent: number[], correlationId: number) {
  return { correlationId, expectResponse: true, pendingDuration: 0, send: () => sent.push(correlationId) };
}

describe('kafkajs request queue: pending requests looked at when it can help, not every millisecond', () => {
  const require = createRequire(import.meta.url);

  it('an idle connection of kafkajs as published looks every millisecond; with the fix, not at all', async () => {
    const stock = queue(kafkajsOriginal<QueueClass>(REQUEST_QUEUE_MODULE));
    expect(fixKafkajsPendingRequestChecks()).toBe(true);
    const fixed = queue(require(REQUEST_QUEUE_MODULE) as QueueClass);
    stock.queue.checkPendingRequests();
    fixed.queue.checkPendingRequests();
    await sleep(200);
    stock.queue.destroy();
    fixed.queue.destroy();
    // Node runs a negative timeout after 1 ms: even a busy machine gets far more than ten looks in 200 ms.
    expect(stock.checks()).toBeGreaterThan(10);
    expect(fixed.checks()).toBe(1);
  });

  it('with the fix, a request waiting for a free slot or for a throttle to end is still sent', async () => {
    fixKafkajsPendingRequestChecks();
    const { queue: q } = queue(require(REQUEST_QUEUE_MODULE) as QueueClass);
    const sent: number[] = [];
    // The one slot is taken: the request waits, and is looked at again after 10 ms.
    q.inflight.set(1, {});
    q.pending.push(request(sent, 2));
    q.checkPendingRequests();
    expect(sent).toEqual([]);
    q.inflight.clear();
    await sleep(100);
    expect(sent).toEqual([2]);

    // Throttled by the broker for 50 ms: sent once the throttle ends.
    q.throttledUntil = Date.now() + 50;
    q.pending.push(request(sent, 3));
    q.checkPendingRequests();
    expect(sent).toEqual([2]);
    await sleep(200);
    expect(sent).toEqual([2, 3]);
    q.destroy();
  });
});
