import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { headersToJson } from '../../bus/envelope.ts';
import { createBus } from '../../bus/index.ts';
import { createLogger } from '../../lib/logger.ts';
import { findSchema } from '../../schemas/catalog.ts';
import { resolveEndpoints } from '../../stack/stack.ts';
import { printResult } from '../output.ts';

function busFromEnv(source: string) {
  const { brokers, registryUrl } = resolveEndpoints();
  return createBus({
    brokers,
    registryUrl,
    source,
    clientId: 'eai-cli',
    logger: createLogger('bus', 'warn'),
  });
}

export function registerBusCommand(program: Command): void {
  const bus = program.command('bus').description('look at and write to the Kafka bus');

  bus
    .command('publish <topic>')
    .description('publish canonical events from a JSON file (one object or an array) to a topic')
    .requiredOption('--type <schema>', 'canonical schema, e.g. SalesOrderEvent')
    .requiredOption('--input <file>', 'JSON file with the event value(s)')
    .option('--key <key>', 'message key (default: the business key in the value)')
    .option('--source <uri>', 'CloudEvents source', '/eai/cli')
    .option('--json', 'print the published ids as JSON')
    .action(
      async (
        topic: string,
        options: { type: string; input: string; key?: string; source: string; json?: boolean },
      ) => {
        findSchema(options.type);
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(options.input, 'utf8'));
        } catch (error) {
          throw new Error(`${options.input}: ${(error as Error).message}`);
        }
        const values = Array.isArray(parsed) ? parsed : [parsed];
        const client = busFromEnv(options.source);
        await client.provisionTopics(topic.startsWith('canonical.') ? [] : [{ topic, partitions: 1 }]);
        const publisher = await client.publisher();
        try {
          const sent = await publisher.publish(
            values.map((value) => ({ schema: options.type, value, topic, key: options.key })),
          );
          printResult(!!options.json, sent, () =>
            sent.map((s) => `published ${s.topic} key=${s.key} id=${s.id}`).join('\n'),
          );
        } finally {
          await publisher.close();
        }
      },
    );

  bus
    .command('tail <topic>')
    .description('print decoded events as JSON lines with their headers')
    .option('--from-beginning', 'start at the earliest offset instead of the end')
    .option('--max <n>', 'stop after n events', (v) => Number.parseInt(v, 10))
    .option('--json', 'JSON lines (the default; kept for symmetry with other commands)')
    .action(async (topic: string, options: { fromBeginning?: boolean; max?: number }) => {
      const client = busFromEnv('/eai/cli');
      const consumer = client.transport.consumer({ groupId: `eai-tail-${process.pid}-${Date.now()}` });
      await consumer.connect();
      let seen = 0;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const stop = () => finish();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await consumer.run({
        topics: [topic],
        fromBeginning: !!options.fromBeginning,
        eachRecord: async (record) => {
          if (options.max !== undefined && seen >= options.max) return;
          const line: Record<string, unknown> = {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            timestamp: new Date(Number(record.timestamp)).toISOString(),
            key: record.key?.toString('utf8') ?? null,
            headers: headersToJson(record.headers),
          };
          try {
            const decoded = await client.serde.decode(record.value);
            line.schema = decoded.schemaName;
            line.value = decoded.value;
          } catch (error) {
            line.error = (error as Error).message;
            line.valueBase64 = record.value?.toString('base64') ?? null;
          }
          process.stdout.write(`${JSON.stringify(line)}\n`);
          seen += 1;
          if (options.max !== undefined && seen >= options.max) finish();
        },
      });
      await done;
      await consumer.disconnect();
    });
}
