import { type RawMessage, rawKafka, toRawMessage } from './raw-consumer.ts';
import { unique } from './stack.ts';

/**
 * Every message of `topic` that `wanted` accepts written since `from` (offsets per partition, as `topicEnds` gives
 * them), up to the end the topic has when called, as a plain kafkajs consumer in `read_committed` sees them: what
 * `readToEnd` reads from the log start, without reading the history of a shared topic (10⁵ records of every run), and
 * what `readRawMessages` waits out a timeout for when it shows that a message is not there. The end is each
 * partition's high watermark, reached when a fetched batch ends at it (control records included).
 */
export async function readSince(
  topic: string,
  from: Array<{ partition: number; offset: string }>,
  wanted: (m: RawMessage) => boolean,
  timeoutMs = 60_000,
): Promise<RawMessage[]> {
  const kafka = rawKafka();
  const admin = kafka.admin();
  await admin.connect();
  const starts = new Map(from.map((p) => [p.partition, BigInt(p.offset)]));
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const start = starts.get(p.partition) ?? BigInt(p.low);
      if (BigInt(p.high) > start) ends.set(p.partition, BigInt(p.high) - 1n);
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
      // Taken before the first fetch (the consumer group exists once run is called).
      for (const [partition, offset] of starts) consumer.seek({ topic, partition, offset: String(offset) });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
