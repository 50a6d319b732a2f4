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
import { specTransport } from './test-support.ts';
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
    const { stdout } = await promisify(execFile)(
      findJava(17),
      [
        '--enable-native-access=ALL-UNNAMED',
        '-cp',
        `${stackPaths.cache(`kafka-${KAFKA_VERSION}`, 'lib')}/*`,
        new URL('./testdata/codecs/JavaCodecs.java', import.meta.url).pathname,
        'produce',
        testStack().brokers,
        input,
      ],
      { timeout: 60_000 },
    );
    const produced = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { codec: string; records: number; compressionRate: number });
    // The Java producer compressed each (its compression-rate-avg: compressed over uncompressed size).
    expect(produced.map((p) => [p.codec, p.records])).toEqual(CODECS.map((c) => [c, 41]));
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
            if (CODECS.every((c) => (received.get(topics[c]!)?.length ?? 0) >= 41)) resolve();
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
