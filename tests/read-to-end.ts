import { Kafka, logLevel } from 'kafkajs';
import { type RawMessage, toRawMessage } from './raw-consumer.ts';
import { testStack, unique } from './stack.ts';

/**
 * Every message of `topic` that `wanted` accepts, from the beginning up to the end the topic had when called, as a
 * plain kafkajs consumer in `read_committed` (its default) sees them: records of aborted transactions are not there,
 * and a duplicate is there twice. The end is each partition's high watermark, reached when a fetched batch ends at
 * it (control records included, which kafkajs reports through its batch events).
 */
export async function readToEnd(
  topic: string,
  wanted: (m: RawMessage) => boolean,
  timeoutMs = 60_000,
): Promise<RawMessage[]> {
  const kafka = new Kafka({
    brokers: testStack().brokers.split(','),
    clientId: unique('raw'),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high) - 1n);
    }
  } finally {
    await admin.disconnect();
  }
  const messages: RawMessage[] = [];
  if (ends.size === 0) return messages;
  const consumer = kafka.consumer({
    groupId: unique('raw-group'),
    maxWaitTimeInMs: 200,
    retry: { retries: 10 },
  });
  const pending = new Set(ends.keys());
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${topic}: partitions ${[...pending]} not read to their end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (end !== undefined && BigInt(payload.lastOffset) >= end) pending.delete(payload.partition);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer.on(consumer.events.CRASH, (event) => {
        clearTimeout(timer);
        reject(event.payload.error);
      });
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const raw = toRawMessage(message);
            if (wanted(raw)) messages.push(raw);
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
  return messages;
}

/** How often each id occurs: the ids expected but absent (lost) and those there more than once (duplicated). */
export function tally(expected: Iterable<string>, seen: Iterable<string>) {
  const counts = new Map<string, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost: string[] = [];
  for (const id of expected) if (!counts.has(id)) lost.push(id);
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const extra = [...counts].reduce((sum, [, n]) => sum + n - 1, 0);
  return { lost, duplicated, extraCopies: extra, distinct: counts.size };
}
