import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findJava } from '../../stack/java.ts';
import { KAFKA_VERSION } from '../../stack/kafka.ts';
import { stackPaths } from '../../stack/paths.ts';
import { testStack, unique } from '../../tests/stack.ts';
import { createBus } from '../index.ts';
import type { ProducerCompression } from './compression.ts';
import { specTransport, wordSalad } from './test-support.ts';
import type { IncomingRecord } from './types.ts';

const CODECS = ['zstd', 'lz4', 'snappy', 'gzip'] as const;

interface Sent {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

/** Records of every shape: text that compresses, bytes that do not, null keys and values, empty ones, binary headers. */
function records(codec: string): Sent[] {
  const sent: Sent[] = [];
  for (let i = 0; i < 40; i++) {
    const value =
      i % 10 === 3
        ? null
        : i % 10 === 7
          ? Buffer.alloc(0)
          : i % 2 === 0
            ? Buffer.from(JSON.stringify({ codec, customerId: `C-${i}`, name: `Kunde ${i}`, city: 'Köln' }))
            : randomBytes(200 + i);
    sent.push({
      key: i % 5 === 4 ? null : Buffer.from(`k-${i}`),
      value,
      headers: { ce_id: Buffer.from(`${codec}-${i}`), binary: randomBytes(16), empty: Buffer.alloc(0) },
    });
  }
  // Over one LZ4 block (64 KiB) and several snappy-java chunks (32 KiB): 300 KB that compresses.
  const big = Buffer.from(`{"note":"${'Lieferung an Lager 7, Rampe 3. '.repeat(10_000)}"}`);
  sent.push({ key: Buffer.from('big'), value: big, headers: {} });
  // 200 KB of words and numbers: four LZ4 blocks whose matches reach close to their ends (lz4-frame.ts's TAIL).
  sent.push({ key: Buffer.from('notes'), value: wordSalad(2, 200_000), headers: {} });
  return sent;
}

const b64 = (bytes: Buffer | null) => (bytes === null ? '-' : bytes.toString('base64'));

/** The records as lines for JavaCodecs.java's produce mode. */
function tsv(topics: Record<string, string>, sent: Record<string, Sent[]>): string {
  return CODECS.flatMap((codec) =>
    sent[codec]!.map((r) =>
      [
        topics[codec],
        codec,
        b64(r.key),
        b64(r.value),
        Object.entries(r.headers)
          .map(([name, value]) => `${Buffer.from(name).toString('base64')}:${b64(value)}`)
          .join(','),
      ].join('\t'),
    ),
  ).join('\n');
}

/** JavaCodecs.java on the stack's Kafka jars, in one JVM; its stdout's JSON lines. */
async function javaCodecs<T>(...args: string[]): Promise<T[]> {
  const { stdout } = await promisify(execFile)(
    findJava(17),
    [
      '--enable-native-access=ALL-UNNAMED',
      '-cp',
      `${stackPaths.cache(`kafka-${KAFKA_VERSION}`, 'lib')}/*`,
      new URL('./testdata/codecs/JavaCodecs.java', import.meta.url).pathname,
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

describe("batches Kafka's Java producer compressed with each codec", () => {
  const spec = specTransport('codecs');
  const work = mkdtempSync(join(tmpdir(), 'eai-codecs-'));
  afterAll(async () => {
    await (await spec).closeAll();
    rmSync(work, { recursive: true, force: true });
  });

  it('are read by the hub’s consumer, every record byte for byte: ZSTD, LZ4, Snappy and GZIP', async () => {
    const { transport, admin, closing } = await spec;
    await admin.connect();
    closing.push(() => admin.disconnect());
    const topics = Object.fromEntries(CODECS.map((codec) => [codec, unique(`codecs-${codec}`)]));
    await admin.createTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
    const sent = Object.fromEntries(CODECS.map((codec) => [codec, records(codec)]));
    const input = join(work, 'records.tsv');
    writeFileSync(input, tsv(topics, sent));

    // One JVM for all four: a producer per codec, each flushed before the next.
    const produced = await javaCodecs<{ codec: string; records: number; compressionRate: number }>(
      'produce',
      testStack().brokers,
      input,
    );
    // The Java producer compressed each (its compression-rate-avg: compressed over uncompressed size).
    expect(produced.map((p) => [p.codec, p.records])).toEqual(CODECS.map((c) => [c, 42]));
    for (const { compressionRate } of produced) expect(compressionRate).toBeLessThan(0.9);

    const received = new Map<string, IncomingRecord[]>();
    const consumer = transport.consumer({ groupId: unique('codecs'), ephemeral: true });
    await consumer.connect();
    closing.push(() => consumer.disconnect());
    const all = new Promise<void>((resolve, reject) => {
      consumer.onCrash(reject);
      void consumer
        .run({
          topics: Object.values(topics),
          fromBeginning: true,
          eachRecord: async (record) => {
            received.set(record.topic, [...(received.get(record.topic) ?? []), record]);
            if (CODECS.every((c) => (received.get(topics[c]!)?.length ?? 0) >= 42)) resolve();
          },
        })
        .catch(reject);
    });
    await all;

    for (const codec of CODECS) {
      const got = received.get(topics[codec]!)!;
      expect(got.map((r) => r.offset)).toEqual(sent[codec]!.map((_, i) => String(i)));
      got.forEach((record, i) => {
        const want = sent[codec]![i]!;
        expect({ codec, i, key: record.key, value: record.value, headers: record.headers }).toEqual({
          codec,
          i,
          key: want.key,
          value: want.value,
          headers: want.headers,
        });
      });
    }
  }, 60_000);
});

/** What JavaCodecs.java's consume mode says of a topic (base64 bytes, null for null). */
interface JavaRead {
  topic: string;
  records: Array<[string | null, string | null, Array<[string, string | null]>]>;
  logBytes: number;
  batches: Array<[string, boolean, boolean, number]> | null;
}

describe("batches the hub's producers compress with EAI_KAFKA_COMPRESSION", () => {
  const closing: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  });

  it("are read by Kafka's Java consumer, every record byte for byte, each batch marked with its codec", async () => {
    const codecs: ProducerCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
    const topics = Object.fromEntries(codecs.map((codec) => [codec, unique(`hub-codec-${codec}`)]));
    const sent = Object.fromEntries(codecs.map((codec) => [codec, records(codec)]));
    const saved = process.env.EAI_KAFKA_COMPRESSION;
    try {
      for (const codec of codecs) {
        // As the hub makes its bus: the producers' codec from the environment.
        process.env.EAI_KAFKA_COMPRESSION = codec;
        const { transport } = createBus({ ...testStack(), clientId: unique(`hub-codec-${codec}`) });
        if (codec === 'none') {
          const admin = transport.admin();
          await admin.connect();
          closing.push(() => admin.disconnect());
          await admin.createTopics(Object.values(topics).map((topic) => ({ topic, partitions: 1 })));
        }
        const topic = topics[codec]!;
        const outgoing = sent[codec]!.map((r) => ({ topic, ...r, partition: 0 }));
        // A publisher's batch, then a source connector's transaction (the 300 and 200 KB records among it).
        const producer = transport.producer();
        await producer.connect();
        closing.push(() => producer.disconnect());
        await producer.send(outgoing.slice(0, 20));
        const transactional = transport.transactionalProducer(unique(`hub-codec-${codec}`));
        await transactional.connect();
        closing.push(() => transactional.disconnect());
        await transactional.sendTransaction(outgoing.slice(20));
      }
    } finally {
      if (saved === undefined) delete process.env.EAI_KAFKA_COMPRESSION;
      else process.env.EAI_KAFKA_COMPRESSION = saved;
    }

    // One JVM reads all five topics.
    const read = await javaCodecs<JavaRead>('consume', testStack().brokers, ...codecs.map((c) => topics[c]!));
    const bytes = (text: string | null) => (text === null ? null : Buffer.from(text, 'base64'));
    for (const [i, codec] of codecs.entries()) {
      const { topic, records: got, batches } = read[i]!;
      expect(topic).toBe(topics[codec]);
      expect(got.length, codec).toBe(42);
      got.forEach(([key, value, headers], n) => {
        const want = sent[codec]![n]!;
        expect({ codec, n, key: bytes(key), value: bytes(value) }).toEqual({
          codec,
          n,
          key: want.key,
          value: want.value,
        });
        expect(headers.map(([name, v]) => [bytes(name)!.toString(), bytes(v)])).toEqual(
          Object.entries(want.headers),
        );
      });
      // Kafka's own reader of the broker's log: the publisher's batch, the transaction's, its commit marker.
      expect(
        batches,
        "the broker's log directory is not on this machine: this spec reads its segments",
      ).not.toBe(null);
      expect({ codec, batches }).toEqual({
        codec,
        batches: [
          [codec, false, false, 20],
          [codec, true, false, 22],
          ['none', true, true, 1],
        ],
      });
    }
    // What they take on the broker: the text and the 300 KB note compress, the random bytes do not.
    const none = read[0]!.logBytes;
    for (const { logBytes } of read.slice(1)) expect(logBytes).toBeLessThan(none / 4);
  }, 60_000);
});
