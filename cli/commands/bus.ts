import type { Command } from 'commander';
import { headersToJson } from '../../bus/envelope.ts';
import { type IncomingRecord, valueView } from '../../bus/index.ts';
import { ConfigError, errorMessage } from '../../lib/errors.ts';
import { connectBus } from '../endpoints.ts';
import { positiveInteger } from '../options.ts';
import { printResult } from '../output.ts';
import { readPublishJson, toPublishInputs } from '../publish-input.ts';

export function registerBusCommand(program: Command): void {
  const bus = program.command('bus').description('look at and write to the Kafka bus');

  bus
    .command('publish <topic>')
    .description(
      'publish canonical events: one JSON value, an array of them, or what eai map prints ([{schema, key, value}]), from a file or stdin',
    )
    .option(
      '--type <schema>',
      'canonical schema of bare values, e.g. SalesOrderEvent (eai map output names its own)',
    )
    .option('--input <file>', 'JSON file; "-" or no --input reads stdin (eai map … | eai bus publish …)')
    .option(
      '--key <key>',
      "message key for every record (default: the record's key, else the business key in the value)",
    )
    .option('--source <uri>', 'CloudEvents source', '/eai/cli')
    .option('--json', 'print the published ids as JSON')
    .action(
      async (
        topic: string,
        options: { type?: string; input?: string; key?: string; source: string; json?: boolean },
      ) => {
        // Everything that can be checked without Kafka is checked first.
        const parsed = await readPublishJson(options.input);
        const events = toPublishInputs(parsed, { topic, type: options.type, key: options.key });
        const client = await connectBus(options.source);
        await client.provisionTopics(topic.startsWith('canonical.') ? [] : [{ topic, partitions: 1 }]);
        const publisher = await client.publisher();
        try {
          const sent = await publisher.publish(events);
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
    .option('--max <n>', 'stop after n events (with --from-beginning, also at the end of the topic)')
    .option('--until-end', 'stop at the end of the topic as it was when tail started (like kcat -e)')
    .option('--json', 'JSON lines (the default; kept for symmetry with other commands)')
    .action(async (topic: string, flags: { fromBeginning?: boolean; max?: string; untilEnd?: boolean }) => {
      // `--max 0` or `--max ten` tailed on for good (no count reaches 0 after a print, nor NaN).
      const options = {
        ...flags,
        max: flags.max === undefined ? undefined : positiveInteger(flags.max, '--max'),
      };
      const client = await connectBus('/eai/cli');
      const untilEnd = !!options.untilEnd || (!!options.fromBeginning && options.max !== undefined);
      const admin = client.transport.admin();
      await admin.connect();
      let offsets: Awaited<ReturnType<typeof admin.topicOffsets>> = [];
      try {
        if (!(await admin.listTopics()).includes(topic))
          throw new ConfigError(`topic ${topic} does not exist`);
        if (untilEnd && options.fromBeginning) offsets = await admin.topicOffsets(topic);
      } finally {
        await admin.disconnect();
      }
      // --until-end without --from-beginning is at the end already (kcat -e does the same).
      if (untilEnd && !options.fromBeginning) return;

      let seen = 0;
      const print = async (record: IncomingRecord) => {
        const line: Record<string, unknown> = {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: new Date(Number(record.timestamp)).toISOString(),
          key: record.key?.toString('utf8') ?? null,
          headers: headersToJson(record.headers),
        };
        // Avro in the Confluent wire format as its JSON; else JSON text as JSON (the connect group's compacted
        // topics), other text as text, bytes as base64; a tombstone as null.
        try {
          const view = await valueView(client.serde, record.value);
          if (view.encoding === 'avro') {
            line.schema = view.schema;
            line.value = view.json;
          } else if (view.encoding === 'null') line.value = null;
          else {
            if (view.avroError) line.error = view.avroError;
            if (view.encoding === 'base64') line.valueBase64 = view.base64;
            else {
              const json = parsedJson(view.text);
              if (json === undefined) line.valueText = view.text;
              else line.valueJson = json;
            }
          }
        } catch (error) {
          line.error = errorMessage(error);
          line.valueBase64 = record.value?.toString('base64') ?? null;
        }
        process.stdout.write(`${JSON.stringify(line)}\n`);
        seen += 1;
      };
      const enough = () => options.max !== undefined && seen >= options.max;

      // Ctrl-C (or a SIGTERM) ends the read the same way as its end: the throwaway group is deleted, none is left.
      const interrupted = new AbortController();
      const interrupt = () => interrupted.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      if (untilEnd) {
        // The end as it was at start, per partition. readRanges counts transaction markers as read, so a topic
        // whose last entry is a commit marker (written by the connectors' transactional sources) still ends.
        await client.transport.readRanges({
          topic,
          ranges: offsets.map((p) => ({ partition: p.partition, fromOffset: p.low, toOffset: p.high })),
          signal: interrupted.signal,
          eachRecord: async (record) => {
            await print(record);
            return !enough();
          },
        });
        return;
      }

      // A group of its own that commits nothing, deleted when the tail ends (kafkajs cannot read without one).
      const consumer = client.transport.consumer({
        groupId: `eai-tail-${process.pid}-${Date.now()}`,
        ephemeral: true,
      });
      await consumer.connect();
      let finished = false;
      let finish!: () => void;
      const done = new Promise<void>((resolve) => {
        finish = () => {
          finished = true;
          resolve();
        };
      });
      interrupted.signal.addEventListener('abort', finish, { once: true });
      await consumer.run({
        topics: [topic],
        fromBeginning: !!options.fromBeginning,
        commit: false,
        eachRecord: async (record) => {
          if (finished) return;
          await print(record);
          if (enough()) finish();
        },
      });
      await done;
      await consumer.disconnect();
    });
}

/** Text that is a JSON object or array, parsed; undefined otherwise (a bare word or number stays text). */
function parsedJson(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
