// Benchmark: raw kafkajs producer vs the bus's publish, 1 KB records, same batching (one awaited send of BATCH
// records at a time) and acks (all, idempotent), in one run against the same broker. The contenders run in turns,
// ROUNDS times, and each one's best round counts, so a noisy neighbour on a shared machine hurts none of them more
// than the others. The ratio is the bus against kafkajs as published (its own process, as an application would use
// it); raw kafkajs on the bus's transport (encoders, partitioner) in this process, with and without the bus's CloudEvents
// headers, shows what Avro and the envelope cost on top of the same transport. `--compression none,lz4,zstd` runs the
// bus's publish once per codec (EAI_KAFKA_COMPRESSION's values), each on its own topic, in the same turns, and says
// what each topic takes in the broker's log per record (its partitions' segment files on the local stack).
// Usage: npm run bench [-- --records 50000 --batch 500 --rounds 5 --compression none,lz4,zstd --json]
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAttributes, toHeaders } from '../bus/envelope.ts';
import { createBus, type Transport } from '../bus/index.ts';
import { PRODUCER_COMPRESSIONS, type ProducerCompression } from '../bus/transport/compression.ts';
import { createJavaPartitioner } from '../bus/transport/kafkajs-partitioner.ts';
import { createLogger } from '../lib/logger.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { mulberry32 } from '../lib/seeded-random.ts';
import { findSchema } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { stackPaths } from '../stack/paths.ts';
import { resolveEndpoints, stackUp } from '../stack/stack.ts';
import { benchArgs } from './args.ts';
import { rawKafkajsRate } from './raw-kafkajs.ts';

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench --', {
  options: {
    records: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    compression: { type: 'string', default: 'none' },
    json: { type: 'boolean' },
  },
});
const RECORDS = Number(args.records);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const CODECS = args.compression.split(',').map((c) => c.trim().toLowerCase()) as ProducerCompression[];
const unknownCodec = CODECS.find((c) => !(PRODUCER_COMPRESSIONS as readonly string[]).includes(c));
if (unknownCodec !== undefined || CODECS.length === 0) {
  process.stderr.write(
    `npm run bench: --compression ${JSON.stringify(unknownCodec ?? '')} is not a codec: give some of ${PRODUCER_COMPRESSIONS.join(', ')}, comma-separated\n`,
  );
  process.exit(1);
}

await stackUp((line) => process.stderr.write(`${line}\n`));
const { brokers, registryUrl } = resolveEndpoints();
const bus = createBus({
  brokers,
  registryUrl,
  source: '/eai/bench',
  clientId: 'bench',
  logger: createLogger('bench', 'warn'),
});
const run = Date.now().toString(36);
const rawTopic = `bench-raw-${run}`;
const busTopic = `bench-bus-${run}`;
/** The bus's publish with each codec: its own bus (its producers' compression) and topic. */
const codecRuns = CODECS.map((codec) => ({
  codec,
  topic: CODECS.length === 1 ? busTopic : `bench-bus-${codec}-${run}`,
  bus: createBus({
    brokers,
    registryUrl,
    source: '/eai/bench',
    clientId: `bench-${codec}`,
    logger: createLogger('bench', 'warn'),
    compression: codec,
  }),
}));
await bus.provisionTopics([
  { topic: rawTopic, partitions: 6 },
  ...codecRuns.map(({ topic }) => ({ topic, partitions: 6 })),
]);

// A sales order event padded to ~1 KB of Avro, keyed by order like real traffic.
const orderSchema = findSchema('SalesOrderEvent');
const template = exampleJson('SalesOrderEvent') as { salesOrder: { orderId: string; notes: string[] } };
const probe = structuredClone(template);
const size = (await bus.serde.encode(busTopic, orderSchema, probe)).length;
template.salesOrder.notes = ['x'.repeat(Math.max(0, 1024 - size - 2))];
const recordBytes = (await bus.serde.encode(busTopic, orderSchema, template)).length;
/**
 * Each event's note: words drawn (seeded) from an order desk's vocabulary, a different one per event, to the padded
 * length, so that a codec meets text as orders carry it, not one run of a letter repeated in every record.
 */
const noteLength = template.salesOrder.notes[0]!.length;
const words = (
  'Lieferung Rampe Lager Palette Kunde Auftrag bitte vor avisieren Tor Montag Freitag Uhr Anlieferung nur mit ' +
  'Hebebühne Ware Kartons gestapelt nicht kippen Rechnung Sammelrechnung Zoll Dokumente beilegen Ansprechpartner ' +
  'Telefon delivery dock pallet customer order please call before gate weekday hours only tail lift goods ' +
  'stacked fragile invoice customs papers contact phone 7 12 3 48 Halle Nord Süd Ost West Etage Aufzug'
).split(' ');
const random = mulberry32(42);
const notes = Array.from({ length: 1000 }, () => {
  let note = '';
  while (note.length < noteLength) note += `${words[Math.floor(random() * words.length)]} `;
  return note.slice(0, noteLength);
});

/** The bus's own headers for one event, to show what the CloudEvents envelope alone costs kafkajs. */
const busHeaders = toHeaders(
  buildAttributes({ source: '/eai/bench', type: orderSchema.fullName, subject: 'sap:0' }),
);

const rawRun = {
  brokers,
  topic: rawTopic,
  records: RECORDS,
  batch: BATCH,
  recordBytes,
  createPartitioner: createJavaPartitioner,
};

/** kafkajs as published, in a process that never loads the bus (so without the bus's transport). */
function stockKafkajs(): number {
  const out = execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL('./raw-kafkajs.ts', import.meta.url)),
      ...['--brokers', brokers, '--topic', rawTopic, '--records', String(RECORDS), '--batch', String(BATCH)],
      ...['--record-bytes', String(recordBytes)],
    ],
    // kafkajs's own warnings (a negative timeout it computes at disconnect) are not the benchmark's output.
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return (JSON.parse(out) as { recordsPerSecond: number }).recordsPerSecond;
}

const publishers = await Promise.all(codecRuns.map(({ bus }) => bus.publisher()));
async function busPublish(n: number): Promise<number> {
  const { topic } = codecRuns[n]!;
  const publisher = publishers[n]!;
  const started = performance.now();
  for (let sent = 0; sent < RECORDS; sent += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => {
      const salesOrder = {
        ...template.salesOrder,
        orderId: `sap:${sent + i}`,
        notes: [notes[(sent + i) % notes.length]!],
      };
      return { schema: 'SalesOrderEvent', value: { ...template, salesOrder }, topic };
    });
    await publisher.publish(events);
  }
  return RECORDS / ((performance.now() - started) / 1000);
}

const BUS_LABEL = 'bus publish (Avro, CloudEvents headers, cached registry ids)';
const busLabel = (codec: ProducerCompression) => (CODECS.length === 1 ? BUS_LABEL : `bus publish, ${codec}`);
const contenders: Array<[string, () => Promise<number>]> = [
  ['kafkajs as published (own process)', async () => stockKafkajs()],
  ['raw kafkajs, bus transport (encoders, partitioner)', () => rawKafkajsRate(rawRun)],
  ["raw kafkajs, bus transport, the bus's headers", () => rawKafkajsRate({ ...rawRun, headers: busHeaders })],
  ...codecRuns.map(({ codec }, n): [string, () => Promise<number>] => [busLabel(codec), () => busPublish(n)]),
];
const best = new Map<string, number>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const [label, run] of contenders) {
    process.stderr.write(`round ${round}/${ROUNDS}: ${label}…`);
    const rate = await run();
    process.stderr.write(` ${Math.round(rate)} records/s\n`);
    best.set(label, Math.max(best.get(label) ?? 0, rate));
  }
}
await Promise.all(publishers.map((p) => p.close()));
const [stock, raw, rawWithHeaders, viaBus] = contenders.map(([label]) => best.get(label)!) as [
  number,
  number,
  number,
  number,
];

/**
 * What a topic takes in the broker's log: its partitions' segment files (`*.log`; the indexes are preallocated) in
 * the local stack's Kafka data folder, or undefined when the broker is not the local stack's.
 */
function logBytes(topic: string): number | undefined {
  const dir = stackPaths.data('kafka');
  let folders: string[];
  try {
    folders = readdirSync(dir).filter((f) => f.startsWith(`${topic}-`));
  } catch {
    return undefined;
  }
  if (folders.length === 0) return undefined;
  let bytes = 0;
  for (const folder of folders)
    for (const file of readdirSync(join(dir, folder)))
      if (file.endsWith('.log')) bytes += statSync(join(dir, folder, file)).size;
  return bytes;
}

async function recordsOn(transport: Transport, topic: string): Promise<number> {
  const admin = transport.admin();
  await admin.connect();
  try {
    return (await admin.topicOffsets(topic)).reduce(
      (sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)),
      0,
    );
  } finally {
    await admin.disconnect();
  }
}

const codecs = [];
for (const { codec, topic } of codecRuns) {
  const bytes = logBytes(topic);
  const onTopic = await recordsOn(bus.transport, topic);
  codecs.push({
    codec,
    recordsPerSecond: Math.round(best.get(busLabel(codec))!),
    logBytesPerRecord: bytes === undefined ? null : Math.round(bytes / onTopic),
  });
}
const result = {
  records: RECORDS,
  batch: BATCH,
  rounds: ROUNDS,
  recordBytes,
  stockKafkajsRecordsPerSecond: Math.round(stock),
  rawKafkajsBusTransportRecordsPerSecond: Math.round(raw),
  rawKafkajsBusTransportWithHeadersRecordsPerSecond: Math.round(rawWithHeaders),
  busRecordsPerSecond: Math.round(viaBus),
  ratio: Number((viaBus / stock).toFixed(3)),
  ratioToRawOnBusTransport: Number((viaBus / raw).toFixed(3)),
  codecs,
};
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  const rows = contenders.map(([label]) => `${label.padEnd(62)} ${Math.round(best.get(label)!)} records/s`);
  process.stdout.write(
    `${[
      `${RECORDS} records x ${recordBytes} bytes, batches of ${BATCH} (each awaited), acks=all, idempotent; best of ${ROUNDS} rounds`,
      ...rows,
      `ratio, bus to kafkajs as published: ${result.ratio} (target >= 0.7)`,
      `ratio, bus to raw kafkajs on the bus's transport: ${result.ratioToRawOnBusTransport}${CODECS.length > 1 ? ` (${CODECS[0]})` : ''}`,
      ...codecs.map(
        (c) =>
          `bus publish, ${c.codec.padEnd(6)} ${String(c.recordsPerSecond).padStart(7)} records/s, ${c.logBytesPerRecord ?? '?'} bytes a record in the broker's log`,
      ),
    ].join('\n')}\n`,
  );
}
const admin = bus.transport.admin();
await admin.connect();
await admin.deleteTopics([rawTopic, ...codecRuns.map(({ topic }) => topic)]);
await admin.disconnect();
// The run leaves about 1 GB of the broker's writes in the page cache. Flushed by the kernel later, they stall
// the broker's own fsyncs (its KRaft metadata log) for tens of seconds, so a test run started right after saw
// topic creation time out. Flushed here, the benchmark pays for its own writes.
process.stderr.write("flushing the broker's writes to disk…\n");
execFileSync('sync');
