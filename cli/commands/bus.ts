import type { Command } from 'commander';
import {
  type IncomingRecord,
  type PartitionRange,
  type TopicOffsets,
  type TransportAdmin,
  topicCatalog,
  valueView,
} from '../../bus/index.ts';
import { ConfigError, errorMessage } from '../../lib/errors.ts';
import { meant } from '../../lib/zod-problems.ts';
import { connectBus } from '../endpoints.ts';
import { positiveInteger } from '../options.ts';
import { printResult } from '../output.ts';
import { readPublishJson, toPublishInputs } from '../publish-input.ts';

export function registerBusCommand(program: Command): void {
  const bus = program.command('bus').description('look at and write to the Kafka bus');

  bus
    .command('publish <topic>')
    .description(
      'publish canonical events: one JSON value, an array of them, what eai map prints ([{schema, key, value}]), or JSON lines (what eai bus tail prints), from a file or stdin',
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
        // Everything that can be checked without Kafka is checked first (a topic it would create included: the
        // broker's refusal of a bad name was kafkajs's bare "Topic creation errors").
        checkTopicName(topic);
        const parsed = await readPublishJson(options.input);
        const events = toPublishInputs(parsed, { topic, type: options.type, key: options.key });
        const client = await connectBus(options.source);
        // The hub's own topics are made when missing (a fresh stack); any other must exist, `canonical.` ones too:
        // a misspelt `canonical.sales-ordr` waited for a topic no one creates, silent, for as long as one let it.
        if (topicCatalog.some((spec) => spec.topic === topic)) await client.provisionTopics([]);
        else await requireTopic(client, topic);
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
    .command('topics [prefix]')
    .description(
      'list the topics (Kafka internal ones hidden), or those whose name starts with a prefix: partitions, records, cleanup policy',
    )
    .option('--all', 'also the internal topics (__consumer_offsets, __transaction_state)')
    .option('--json', 'print JSON: [{topic, partitions, records, cleanupPolicy}]')
    .action(async (prefix: string | undefined, options: { all?: boolean; json?: boolean }) => {
      const client = await connectBus('/eai/cli');
      const admin = client.transport.admin();
      await admin.connect();
      try {
        const names = (await admin.listTopics())
          .filter((t) => (options.all || !t.startsWith('__')) && (!prefix || t.startsWith(prefix)))
          .sort();
        const rows = await topicRows(admin, names);
        printResult(!!options.json, rows, () => topicTable(rows, prefix));
      } finally {
        await admin.disconnect();
      }
    });

  bus
    .command('create-topic <topic>')
    .description(
      "create a topic (e.g. a connector's outputTopics or a sink's topic); one that exists is left as it is and said so",
    )
    .option('--partitions <n>', 'partitions (keys keep their order within one)', '3')
    .option('--replication-factor <n>', 'copies of each partition (at most the brokers there are)', '1')
    .option(
      '--compact',
      'a compacted topic: the last record of each key kept for good (cleanup.policy=compact)',
    )
    .option('--retention-ms <ms>', 'how long records are kept (retention.ms; -1 for ever)')
    .option('--json', 'print JSON: {topic, created, partitions, cleanupPolicy}')
    .action(
      async (
        topic: string,
        options: {
          partitions: string;
          replicationFactor: string;
          compact?: boolean;
          retentionMs?: string;
          json?: boolean;
        },
      ) => {
        // Everything that can be checked without Kafka is checked first.
        checkTopicName(topic);
        const partitions = positiveInteger(options.partitions, '--partitions');
        const replicationFactor = positiveInteger(options.replicationFactor, '--replication-factor');
        if (options.retentionMs !== undefined && !/^(-1|\d+)$/.test(options.retentionMs))
          throw new ConfigError('--retention-ms must be a whole number of milliseconds, or -1 (for ever)');
        const config: Record<string, string> = {};
        if (options.compact) config['cleanup.policy'] = 'compact';
        if (options.retentionMs !== undefined) config['retention.ms'] = options.retentionMs;
        const client = await connectBus('/eai/cli');
        const admin = client.transport.admin();
        await admin.connect();
        try {
          const created = (
            await admin.createTopics([{ topic, partitions, replicationFactor, config }])
          ).includes(topic);
          // A topic just created is as asked (its offsets asked at once draw a 'not the leader' from the broker).
          const count = created ? partitions : (await admin.topicOffsets(topic)).length;
          const cleanupPolicy = created
            ? (config['cleanup.policy'] ?? 'delete')
            : ((await admin.describeTopicConfig(topic))['cleanup.policy'] ?? 'delete');
          const result = { topic, created, partitions: count, cleanupPolicy };
          const shape = `${count} partition${count === 1 ? '' : 's'}, ${cleanupPolicy}`;
          printResult(!!options.json, result, () =>
            created ? `created ${topic}: ${shape}` : `${topic} exists already (${shape}): left as it is`,
          );
        } catch (error) {
          throw new ConfigError(`could not create topic ${topic}: ${creationProblem(error)}`);
        } finally {
          await admin.disconnect();
        }
      },
    );

  bus
    .command('tail <topic>')
    .description('print decoded events as JSON lines with their headers')
    .option('--from-beginning', 'start at the earliest offset instead of the end')
    .option('--max <n>', 'stop after n events (with --from-beginning, also at the end of the topic)')
    .option('--until-end', 'stop at the end of the topic as it was when tail started (like kcat -e)')
    .option(
      '--offset <n>',
      'start at offset n of each partition (-n: n before its end), and stop at the end (like kcat -o n -e)',
    )
    .option(
      '--since <time>',
      'start at the first record stamped at or after the time (ISO 8601, or ms since the epoch), and stop at the end (like kcat -o s@ms -e)',
    )
    .option('--partition <p>', 'only this partition (like kcat -p)')
    .option('--json', 'JSON lines (the default; kept for symmetry with other commands)')
    .action(async (topic: string, flags: TailFlags) => {
      // `--max 0` or `--max ten` tailed on for good (no count reaches 0 after a print, nor NaN).
      const options = {
        ...flags,
        max: flags.max === undefined ? undefined : positiveInteger(flags.max, '--max'),
        ...tailStart(flags),
      };
      const client = await connectBus('/eai/cli');
      // A start of one's own (an offset, a time) reads to the end as it was, as the start and end are both read then.
      const start = options.offset !== undefined || options.since !== undefined || !!options.fromBeginning;
      const untilEnd =
        !!options.untilEnd ||
        options.offset !== undefined ||
        options.since !== undefined ||
        (!!options.fromBeginning && options.max !== undefined);
      const admin = client.transport.admin();
      await admin.connect();
      let ranges: PartitionRange[] = [];
      try {
        if (!(await admin.listTopics()).includes(topic))
          throw new ConfigError(`topic ${topic} does not exist (eai bus topics lists them)`);
        if ((untilEnd && start) || options.partition !== undefined) {
          const offsets = await admin.topicOffsets(topic);
          if (options.partition !== undefined && !offsets.some((p) => p.partition === options.partition))
            throw new ConfigError(
              `--partition ${options.partition}: topic ${topic} has partitions 0 to ${offsets.length - 1}`,
            );
          const at = options.since === undefined ? [] : await admin.offsetsAt(topic, options.since);
          ranges = offsets
            .filter((p) => options.partition === undefined || p.partition === options.partition)
            .map((p) => ({
              partition: p.partition,
              fromOffset: startOffset(p, options.offset, at.find((a) => a.partition === p.partition)?.offset),
              toOffset: p.high,
            }));
        }
      } finally {
        await admin.disconnect();
      }
      // --until-end without a start is at the end already (kcat -e does the same).
      if (untilEnd && !start) return;

      let seen = 0;
      const print = async (record: IncomingRecord) => {
        const line: Record<string, unknown> = {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          timestamp: new Date(Number(record.timestamp)).toISOString(),
          ...keyAndHeaders(record),
        };
        // Avro in the Confluent wire format as its JSON; else JSON text as JSON (the connect group's compacted
        // topics), other text as text, bytes as base64; a tombstone as null.
        try {
          const view = await valueView(client.serde, record.value);
          if (view.encoding === 'avro') {
            line.schema = view.schema;
            // The registry's id from the Confluent wire header: which version of the subject wrote it.
            line.schemaId = view.schemaId;
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
          ranges,
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
          if (finished || (options.partition !== undefined && record.partition !== options.partition)) return;
          await print(record);
          if (enough()) finish();
        },
      });
      await done;
      await consumer.disconnect();
    });
}

/**
 * Why Kafka refused a topic: kafkajs says only "Topic creation errors" and keeps the broker's answer per topic in
 * `errors` (INVALID_REPLICATION_FACTOR: "Replication factor is below 1 or larger than the number of available
 * brokers"), which is what the caller needs to change. Exported for its spec.
 */
export function creationProblem(error: unknown): string {
  const causes = (error as { errors?: unknown }).errors;
  const said = Array.isArray(causes)
    ? causes
        .map((c: { message?: unknown; type?: unknown }) =>
          typeof c?.message === 'string'
            ? `${c.message}${typeof c.type === 'string' ? ` (${c.type})` : ''}`
            : '',
        )
        .filter(Boolean)
    : [];
  if (said.length === 0) return errorMessage(error);
  const tooFew = said.some((s) => s.includes('INVALID_REPLICATION_FACTOR'));
  return `${said.join('; ')}${tooFew ? ': --replication-factor may be at most the number of brokers' : ''}`;
}

/** Kafka's rule for a topic name, said before Kafka is asked. Exported for its spec. */
export function checkTopicName(topic: string): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..')
    throw new ConfigError(
      `topic name "${topic}": use 1 to 249 letters, digits, dots, underscores and hyphens (Kafka's rule)`,
    );
}

interface TailFlags {
  fromBeginning?: boolean;
  max?: string;
  untilEnd?: boolean;
  offset?: string;
  since?: string;
  partition?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text when they are UTF-8; else undefined (a Java client's Avro key, a binary header). */
function utf8Text(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A tailed record's key and headers: UTF-8 ones as text, others as base64 (`keyBase64`, `headersBase64`). Decoded
 * as UTF-8 regardless, a binary key came out with U+FFFD for its bytes, and `eai bus tail | eai bus publish` then
 * wrote that mangled key, to another partition than the original.
 */
export function keyAndHeaders(record: Pick<IncomingRecord, 'key' | 'headers'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const key = record.key ? utf8Text(record.key) : undefined;
  if (record.key && key === undefined) {
    out.key = null;
    out.keyBase64 = record.key.toString('base64');
  } else out.key = key ?? null;
  const headers: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    const text = utf8Text(value);
    if (text === undefined) binary[name] = value.toString('base64');
    else headers[name] = text;
  }
  out.headers = headers;
  if (Object.keys(binary).length > 0) out.headersBase64 = binary;
  return out;
}

/** Where `bus tail` starts, checked before Kafka is asked: one start at most, each a number or a time it can read. */
export function tailStart(flags: TailFlags): {
  offset: bigint | undefined;
  since: number | undefined;
  partition: number | undefined;
} {
  const starts = (['fromBeginning', 'offset', 'since'] as const).filter((f) => flags[f] !== undefined);
  if (starts.length > 1) {
    const names = { fromBeginning: '--from-beginning', offset: '--offset', since: '--since' };
    throw new ConfigError(`${starts.map((f) => names[f]).join(' and ')}: give one start, not both`);
  }
  if (flags.offset !== undefined && !/^-?\d+$/.test(flags.offset))
    throw new ConfigError(`--offset must be a whole number (-n: n before the end), got "${flags.offset}"`);
  if (flags.partition !== undefined && !/^\d+$/.test(flags.partition))
    throw new ConfigError(`--partition must be a partition number (0, 1, …), got "${flags.partition}"`);
  let since: number | undefined;
  if (flags.since !== undefined) {
    since = /^\d+$/.test(flags.since) ? Number(flags.since) : Date.parse(flags.since);
    if (Number.isNaN(since))
      throw new ConfigError(
        `--since must be an ISO 8601 time (2026-12-01T08:00:00Z) or ms since the epoch, got "${flags.since}"`,
      );
  }
  return {
    offset: flags.offset === undefined ? undefined : BigInt(flags.offset),
    since,
    partition: flags.partition === undefined ? undefined : Number(flags.partition),
  };
}

/** The first offset of a partition to read: its start, an offset (from its end when negative) or a time's. */
export function startOffset(
  partition: TopicOffsets,
  offset: bigint | undefined,
  atTime: string | undefined,
): string {
  const low = BigInt(partition.low);
  const high = BigInt(partition.high);
  let from = low;
  if (atTime !== undefined) from = BigInt(atTime);
  else if (offset !== undefined) from = offset < 0n ? high + offset : offset;
  // Before the start (deleted by retention) reads from the start; past the end reads nothing.
  return String(from < low ? low : from > high ? high : from);
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

/**
 * Each topic's partitions, records and cleanup policy. A topic deleted since the listing (test runs make and drop
 * topics on a shared broker all the time) is left out: it failed the whole listing with kafkajs's "This server does not
 * host this topic-partition". Its config is asked first, as that answers at once for a topic that is gone, where
 * kafkajs's offsets read retries an unknown topic for a minute. Exported for its spec.
 */
export async function topicRows(admin: TransportAdmin, names: string[]): Promise<TopicRow[]> {
  const rows: TopicRow[] = [];
  for (const topic of names) {
    try {
      const config = await admin.describeTopicConfig(topic);
      const offsets = await admin.topicOffsets(topic);
      rows.push({
        topic,
        partitions: offsets.length,
        records: offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0),
        cleanupPolicy: config['cleanup.policy'] ?? 'delete',
      });
    } catch (error) {
      if ((await admin.listTopics()).includes(topic)) throw error;
    }
  }
  return rows;
}

interface TopicRow {
  topic: string;
  partitions: number;
  records: number;
  cleanupPolicy: string;
}

function topicTable(rows: TopicRow[], prefix: string | undefined): string {
  if (rows.length === 0) return prefix ? `no topic starts with ${prefix}` : 'no topics';
  const width = Math.max(5, ...rows.map((r) => r.topic.length));
  return [
    `${'topic'.padEnd(width)} ${'partitions'.padStart(10)} ${'records'.padStart(10)}  cleanup`,
    ...rows.map(
      (r) =>
        `${r.topic.padEnd(width)} ${String(r.partitions).padStart(10)} ${r.records.toLocaleString('en').padStart(10)}  ${r.cleanupPolicy}`,
    ),
  ].join('\n');
}

/**
 * A topic that is not canonical must exist: a misspelt name (`comand.credit-check`) was created by the first publish
 * and the events went where nothing reads them (docs trial). Says the closest name there is, and how to create it.
 */
async function requireTopic(client: Awaited<ReturnType<typeof connectBus>>, topic: string): Promise<void> {
  const admin = client.transport.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
    if (topics.includes(topic)) return;
    const hint = meant(topic, topics);
    throw new ConfigError(
      `topic ${topic} does not exist${hint ? ` (${hint})` : ''}: create it first (npx eai bus create-topic ${topic}), or name another`,
    );
  } finally {
    await admin.disconnect();
  }
}
