import { createRequire } from 'node:module';
import { mulberry32 } from '../../lib/seeded-random.ts';

const require = createRequire(import.meta.url);

/** A kafkajs module as kafkajs ships it, loaded fresh: the cached one may already carry the bus's encoders. */
export function kafkajsOriginal<T>(id: string): T {
  const path = require.resolve(id);
  const saved = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as T;
  } finally {
    if (saved) require.cache[path] = saved;
    else delete require.cache[path];
  }
}

/**
 * A transport on the test stack for a spec file, its admin, and what to close after the file (`closeAll` in
 * `afterAll`; push closers to `closing`).
 */
export async function specTransport(clientId: string) {
  const { testStack, unique } = await import('../../tests/stack.ts');
  const { createKafkajsTransport } = await import('./kafkajs.ts');
  const transport = createKafkajsTransport({
    brokers: testStack().brokers.split(','),
    clientId: unique(clientId),
  });
  const admin = transport.admin();
  const closing: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closing.reverse()) await close().catch(() => undefined);
  };
  let adminConnected: Promise<void> | undefined;
  const producer = transport.producer();
  let producerConnected: Promise<void> | undefined;
  /**
   * A new topic of `partitions` with `count` records (keys `k0`…, values `0`…), and the file's producer to send more;
   * the admin and the producer connect once and close with `closeAll`.
   */
  const topicWith = async (prefix: string, count: number, partitions = 1) => {
    if (!adminConnected) {
      adminConnected = admin.connect();
      closing.push(() => admin.disconnect());
    }
    if (!producerConnected) {
      producerConnected = producer.connect();
      closing.push(() => producer.disconnect());
    }
    await Promise.all([adminConnected, producerConnected]);
    const topic = unique(prefix);
    await admin.createTopics([{ topic, partitions }]);
    if (count > 0)
      await producer.send(
        Array.from({ length: count }, (_, i) => ({ topic, key: `k${i}`, value: Buffer.from(String(i)) })),
      );
    return { topic, producer };
  };
  return { transport, admin, closing, closeAll, topicWith };
}

/**
 * The bytes the codec vectors in testdata/codecs/ compress (made once by Kafka's Java client from these bytes:
 * testdata/codecs/README.md): 100 KB of JSON lines, so an LZ4 frame of 64 KiB blocks has two and snappy-java's
 * framing four chunks, with 2 KB of noise in between that does not compress.
 */
export function codecVectorPlain(): Buffer {
  const cities = ['Berlin', 'Hamburg', 'München', 'Köln', 'Leipzig'];
  let lines = '';
  for (let i = 0; i < 1200; i++)
    lines += `{"customerId":"C-${String(i).padStart(5, '0')}","name":"Kunde ${i % 41}","city":"${cities[i % 5]}","credit":${(i * 7919) % 100_000}}\n`;
  const text = Buffer.from(lines);
  const noise = Buffer.alloc(2048);
  let x = 2_463_534_242;
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise[i] = x & 0xff;
  }
  return Buffer.concat([text, noise, text.subarray(0, 4096)]);
}

/**
 * `bytes` of seeded text in words and numbers, as an order's notes read: what LZ4 compresses into blocks whose matches
 * reach close to a block's end (lz4js's compressor broke LZ4's end-of-block rules there; lz4-frame.ts).
 */
export function wordSalad(seed: number, bytes: number): Buffer {
  const words =
    'Lieferung Rampe Lager Palette Kunde Auftrag bitte vor avisieren Tor Montag 7 12 3 48 Halle Nord'.split(
      ' ',
    );
  const random = mulberry32(seed);
  let text = '';
  while (text.length < bytes)
    text +=
      words[Math.floor(random() * words.length)] +
      (random() < 0.1 ? String(Math.floor(random() * 1e6)) : ' ');
  return Buffer.from(text.slice(0, bytes));
}
