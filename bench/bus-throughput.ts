// Benchmark: raw kafkajs producer vs the bus's publish, 1 KB records, same batching (one awaited send of BATCH
// records at a time) and acks (all, idempotent), in one run against the same broker. The contenders run in turns,
// ROUNDS times, and each one's best round counts, so a noisy neighbour on a shared machine hurts none of them more
// than the others. The ratio is the bus against kafkajs as published (its own process, as an application would use
// it); raw kafkajs on the bus's transport (encoders, partitioner) in this process, with and without the bus's CloudEvents
// headers, shows what Avro and the envelope cost on top of the same transport.
// Usage: npm run bench [-- --records 50000 --batch 500 --rounds 5 --json]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildAttributes, toHeaders } from '../bus/envelope.ts';
import { createBus } from '../bus/index.ts';
import { createJavaPartitioner } from '../bus/transport/kafkajs-partitioner.ts';
import { createLogger } from '../lib/logger.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { findSchema } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { resolveEndpoints, stackUp } from '../stack/stack.ts';
import { benchArgs } from './args.ts';
import { rawKafkajsRate } from './raw-kafkajs.ts';

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench --', {
  options: {
    records: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean' },
  },
});
const RECORDS = Number(args.records);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);

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
await bus.provisionTopics([
  { topic: rawTopic, partitions: 6 },
  { topic: busTopic, partitions: 6 },
]);

// A sales order event padded to ~1 KB of Avro, keyed by order like real traffic.
const orderSchema = findSchema('SalesOrderEvent');
const template = exampleJson('SalesOrderEvent') as { salesOrder: { orderId: string; notes: string[] } };
const probe = structuredClone(template);
const size = (await bus.serde.encode(busTopic, orderSchema, probe)).length;
template.salesOrder.notes = ['x'.repeat(Math.max(0, 1024 - size - 2))];
const recordBytes = (await bus.serde.encode(busTopic, orderSchema, template)).length;

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

const publisher = await bus.publisher();
async function busPublish(): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < RECORDS; sent += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => {
      const value = { ...template, salesOrder: { ...template.salesOrder, orderId: `sap:${sent + i}` } };
      return { schema: 'SalesOrderEvent', value, topic: busTopic };
    });
    await publisher.publish(events);
  }
  return RECORDS / ((performance.now() - started) / 1000);
}

const contenders: Array<[string, () => Promise<number>]> = [
  ['kafkajs as published (own process)', async () => stockKafkajs()],
  ['raw kafkajs, bus transport (encoders, partitioner)', () => rawKafkajsRate(rawRun)],
  ["raw kafkajs, bus transport, the bus's headers", () => rawKafkajsRate({ ...rawRun, headers: busHeaders })],
  ['bus publish (Avro, CloudEvents headers, cached registry ids)', busPublish],
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
await publisher.close();
const [stock, raw, rawWithHeaders, viaBus] = contenders.map(([label]) => best.get(label)!) as [
  number,
  number,
  number,
  number,
];
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
};
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  const rows = contenders.map(([label]) => `${label.padEnd(62)} ${Math.round(best.get(label)!)} records/s`);
  process.stdout.write(
    `${[
      `${RECORDS} records x ${recordBytes} bytes, batches of ${BATCH} (each awaited), acks=all, idempotent; best of ${ROUNDS} rounds`,
      ...rows,
      `ratio, bus to kafkajs as published: ${result.ratio} (target >= 0.7)`,
      `ratio, bus to raw kafkajs on the bus's transport: ${result.ratioToRawOnBusTransport}`,
    ].join('\n')}\n`,
  );
}
const admin = bus.transport.admin();
await admin.connect();
await admin.deleteTopics([rawTopic, busTopic]);
await admin.disconnect();
// The run leaves about 1 GB of the broker's writes in the page cache. Flushed by the kernel later, they stall
// the broker's own fsyncs (its KRaft metadata log) for tens of seconds, so a test run started right after saw
// topic creation time out. Flushed here, the benchmark pays for its own writes.
process.stderr.write("flushing the broker's writes to disk…\n");
execFileSync('sync');
