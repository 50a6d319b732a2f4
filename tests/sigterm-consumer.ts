// A consumer process for the SIGTERM test (bus/runner.int.spec.ts): a consumer runner whose handler takes
// 200 ms per record and prints `start <offset>` and `done <offset>`, shut down by lib/shutdown.ts.
// Usage: node tests/sigterm-consumer.ts <brokers> <registryUrl> <topic> <groupId>
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus } from '../bus/index.ts';
import { createLogger } from '../lib/logger.ts';
import { onShutdown } from '../lib/shutdown.ts';

const [brokers, registryUrl, topic, groupId] = process.argv.slice(2) as [string, string, string, string];
const log = createLogger('sigterm-consumer', 'warn');
const bus = createBus({ brokers, registryUrl, clientId: groupId, logger: log });
const runner = await bus.consume({
  groupId,
  topics: [topic],
  dlqTopic: 'dlq.orchestrator',
  fromBeginning: true,
  handler: async (event) => {
    process.stdout.write(`start ${event.record.offset}\n`);
    await sleep(200);
    process.stdout.write(`done ${event.record.offset}\n`);
  },
});
onShutdown(log, [() => runner.stop()]);
