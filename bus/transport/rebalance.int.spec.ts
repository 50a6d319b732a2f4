import { afterAll, describe, expect, it } from 'vitest';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { specTransport } from './test-support.ts';

const { transport, closing, closeAll, topicWith } = await specTransport('rebalance');
afterAll(closeAll);

/**
 * A member handing over a fetch several records at once (concurrency > 1) learns of a rebalance from its heartbeat
 * and stops there: it commits what it handled and rejoins, so the group is not held until the whole fetch is
 * handled. Seen in the ops trial: the orchestrator's router consumers starting on a topic with history kept their
 * group rebalancing for a minute (the hub printed nothing), each record's heartbeat answered "The group is
 * rebalancing" and logged as an error, 1,225 lines in 50 s.
 */
describe('a consumer in the middle of a fetch when its group rebalances', () => {
  it('stops the fetch at its next heartbeat, commits what it handled and lets the newcomer join', async () => {
    const records = 400;
    const { topic } = await topicWith('rebalance', records);

    const groupId = unique('rebalance-group');
    const handled = new Set<number>();
    const member = (handlingMs: number) => {
      const consumer = transport.consumer({ groupId, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300 });
      closing.push(() => consumer.disconnect());
      return {
        consumer,
        run: async () => {
          await consumer.connect();
          await consumer.run({
            topics: [topic],
            fromBeginning: true,
            concurrency: 2,
            eachRecord: async (record) => {
              await new Promise((resolve) => setTimeout(resolve, handlingMs));
              handled.add(Number(record.value!.toString()));
            },
          });
        },
      };
    };

    // The first member's one fetch holds every record: 400 at 40 ms, two at a time, about 8 s.
    const first = member(40);
    await first.run();
    await waitFor('the first member handling its fetch', () => handled.size >= 20);

    const second = member(0);
    const joining = Date.now();
    await second.run();
    await second.consumer.ready();
    const joinMs = Date.now() - joining;
    expect(handled.size).toBeLessThan(records);
    expect(joinMs).toBeLessThan(4_000);

    // Nothing lost: what the first member had not handled is handled after the rebalance.
    await waitFor('every record handled', () => handled.size === records, 30_000);
  }, 60_000);
});
