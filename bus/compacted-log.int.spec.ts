import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { consumerGroupIds } from '../tests/consumer-groups.ts';
import { testStack, unique } from '../tests/stack.ts';
import { CompactedLog } from './compacted-log.ts';
import { createKafkajsTransport } from './transport/kafkajs.ts';

/**
 * A view's `sync` whose timeout fires while its marker is still being sent rejects to its caller, and nowhere else:
 * an unhandled rejection ends a Node process, and a connector worker died of one in CI (a 2 s sync of the status
 * view, on a broker slowed by load). Vitest fails the run on an unhandled rejection, so this spec fails without
 * the fix.
 */
describe('a compacted-topic view', () => {
  const logger = createLogger('compacted-log-spec', 'silent');
  const transport = createKafkajsTransport({
    brokers: testStack().brokers.split(','),
    clientId: unique('view'),
  });
  const topic = unique('view');
  const view = new CompactedLog(transport, topic, logger);
  afterAll(() => view.stop());

  it('rejects a sync that times out before its marker is even sent, to its caller only; the next sync works', async () => {
    const admin = transport.admin();
    await admin.connect();
    await admin.createTopics([{ topic, partitions: 1 }]);
    await admin.disconnect();
    await view.start();
    await view.put('k', 'v');
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      // 0 ms: the timer fires before the send's round trip to the broker has come back.
      await expect(view.sync(0)).rejects.toThrow(/view did not catch up within 0 ms/);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
    await view.sync();
    expect(view.get('k')).toBe('v');
  });

  it('leaves no consumer group behind once it stops', async () => {
    const other = unique('view-groups');
    const admin = transport.admin();
    await admin.connect();
    await admin.createTopics([{ topic: other, partitions: 1 }]);
    await admin.disconnect();
    const second = new CompactedLog(transport, other, logger);
    await second.start();
    await second.put('k', 'v');
    const mine = (groups: string[]) => groups.filter((g) => g.startsWith(`eai-log-${other}-`));
    expect(mine(await consumerGroupIds())).toHaveLength(1);
    await second.stop();
    expect(mine(await consumerGroupIds())).toEqual([]);
  });
});
