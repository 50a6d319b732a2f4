import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { kafkaPrefixFromEnv } from '../bus/transport/prefix.ts';
import { testStack, unique } from './stack.ts';

/** A message as a plain kafkajs consumer sees it: no bus code involved, headers as strings. */
export interface RawMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** A kafkajs message as the tests compare it: key and headers as text, the value's bytes as they are. */
export function toRawMessage(message: KafkaMessage): RawMessage {
  return {
    key: message.key?.toString() ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/**
 * The name a topic the hub calls `topic` has on the broker: with the deployment's prefix (`EAI_KAFKA_PREFIX`, set so
 * several test runs share one broker), which the hub's transport puts before every name and a plain client does not.
 */
export function wireTopic(topic: string): string {
  return kafkaPrefixFromEnv() + topic;
}

/** A plain kafkajs client on the test stack's broker: no bus code involved, nothing logged. */
export function rawKafka(): Kafka {
  return new Kafka({
    brokers: testStack().brokers.split(','),
    clientId: unique('raw'),
    logLevel: logLevel.NOTHING,
  });
}

/** Where a topic ends now, per partition: pass it as `from` to read only what is written after this moment. */
export async function topicEnds(topic: string): Promise<Array<{ partition: number; offset: string }>> {
  const kafka = rawKafka();
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads the first `count` messages of `topic` that `wanted` accepts, from the beginning (or from `from`, offsets per
 * partition as `topicEnds` gives them: shared canonical topics hold 10⁵ records of every run), with a plain kafkajs
 * consumer in a new group. Fails (instead of hanging) when the consumer crashes or the messages do not come.
 */
export async function readRawMessages(
  topic: string,
  count: number,
  options: {
    wanted?: (m: RawMessage) => boolean;
    timeoutMs?: number;
    from?: Array<{ partition: number; offset: string }>;
  } = {},
): Promise<RawMessage[]> {
  const kafka = rawKafka();
  const consumer = kafka.consumer({
    groupId: unique('raw-group'),
    maxWaitTimeInMs: 200,
    retry: { retries: 10 },
  });
  const messages: RawMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${messages.length}/${count} messages on ${topic}`)),
        options.timeoutMs ?? 20_000,
      );
      consumer.on(consumer.events.CRASH, (event) => {
        clearTimeout(timer);
        reject(event.payload.error);
      });
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const raw = toRawMessage(message);
            if (options.wanted && !options.wanted(raw)) return;
            messages.push(raw);
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
      for (const { partition, offset } of options.from ?? []) consumer.seek({ topic, partition, offset });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** A record as it lies in the log now: null value for a tombstone. */
export interface LogRecord {
  partition: number;
  offset: string;
  key: string;
  value: Buffer | null;
}

/**
 * Every record the topic holds now, from its log start to its end (after compaction: what the cleaner left),
 * with a plain kafkajs consumer in a new group.
 */
export async function readWholeTopic(topic: string, timeoutMs = 20_000): Promise<LogRecord[]> {
  const kafka = rawKafka();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const open = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]),
  );
  const records: LogRecord[] = [];
  if (open.size === 0) return records;
  const consumer = kafka.consumer({ groupId: unique('raw-group'), maxWaitTimeInMs: 200 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: not read to its end`)), timeoutMs);
      consumer.on(consumer.events.CRASH, (event) => {
        clearTimeout(timer);
        reject(event.payload.error);
      });
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const last = open.get(partition);
            if (last === undefined || BigInt(message.offset) > last) return;
            records.push({
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? '',
              value: message.value,
            });
            if (BigInt(message.offset) === last) open.delete(partition);
            if (open.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
