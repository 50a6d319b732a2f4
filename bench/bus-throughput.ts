// Benchmark: raw kafkajs producer vs the bus's publish, 1 KB records, same batching (sendBatch of BATCH records)
// and acks (all, idempotent), in one run against the same broker. Prints the rates and their ratio, plus kafkajs as
// published (its own process, without the bus's record encoder) and raw kafkajs carrying the bus's headers.
// Usage: npm run bench [-- --records 100000 --batch 500]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import '../lib/quiet-warnings.js';
import { buildAttributes, toHeaders } from '../bus/envelope.ts';
import { createBus } from '../bus/index.ts';
import { createLogger } from '../lib/logger.ts';
import { findSchema } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { resolveEndpoints, stackUp } from '../stack/stack.ts';
import { rawKafkajsRate } from './raw-kafkajs.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    json: { type: 'boolean' },
  },
});
const RECORDS = Number(args.records);
const BATCH = Number(args.batch);

const progress = (label: string, done: number) => {
  if (done % (BATCH * 40) === 0 || done === RECORDS) process.stderr.write(`\r${label}: ${done}/${RECORDS}`);
  if (done === RECORDS) process.stderr.write('\n');
};

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

const rawRun = { brokers, topic: rawTopic, records: RECORDS, batch: BATCH, recordBytes };

/** kafkajs as published, in a process that never loads the bus (so without the bus's record encoder). */
function stockKafkajs(): number {
  process.stderr.write('raw kafkajs as published (separate process)…\n');
  const out = execFileSync(
    process.execPath,
    [
      fileURLToPath(new URL('./raw-kafkajs.ts', import.meta.url)),
      ...['--brokers', brokers, '--topic', rawTopic, '--records', String(RECORDS), '--batch', String(BATCH)],
      ...['--record-bytes', String(recordBytes)],
    ],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as { recordsPerSecond: number }).recordsPerSecond;
}

async function busPublish(): Promise<number> {
  const publisher = await bus.publisher();
  const started = performance.now();
  for (let sent = 0; sent < RECORDS; sent += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => {
      const value = { ...template, salesOrder: { ...template.salesOrder, orderId: `sap:${sent + i}` } };
      return { schema: 'SalesOrderEvent', value, topic: busTopic };
    });
    await publisher.publish(events);
    progress('bus publish', sent + BATCH);
  }
  const seconds = (performance.now() - started) / 1000;
  await publisher.close();
  return RECORDS / seconds;
}

const stock = stockKafkajs();
const raw = await rawKafkajsRate({ ...rawRun, progress: (n) => progress('raw kafkajs', n) });
const rawWithHeaders = await rawKafkajsRate({
  ...rawRun,
  headers: busHeaders,
  progress: (n) => progress('raw kafkajs + headers', n),
});
const viaBus = await busPublish();
const result = {
  records: RECORDS,
  batch: BATCH,
  recordBytes,
  stockKafkajsRecordsPerSecond: Math.round(stock),
  rawKafkajsRecordsPerSecond: Math.round(raw),
  rawKafkajsWithBusHeadersRecordsPerSecond: Math.round(rawWithHeaders),
  busRecordsPerSecond: Math.round(viaBus),
  ratio: Number((viaBus / raw).toFixed(3)),
  ratioToStockKafkajs: Number((viaBus / stock).toFixed(3)),
};
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write(
    `${[
      `records: ${RECORDS} x ${recordBytes} bytes, batches of ${BATCH}, acks=all, idempotent`,
      `kafkajs as published (own process): ${result.stockKafkajsRecordsPerSecond} records/s`,
      `raw kafkajs:  ${result.rawKafkajsRecordsPerSecond} records/s (with the bus's exact-size record encoder, the baseline)`,
      `raw + the bus's ${Object.keys(busHeaders).length} CloudEvents headers: ${result.rawKafkajsWithBusHeadersRecordsPerSecond} records/s`,
      `bus publish:  ${result.busRecordsPerSecond} records/s (Avro, CloudEvents headers, cached registry ids)`,
      `ratio:        ${result.ratio} (target >= 0.7); to kafkajs as published: ${result.ratioToStockKafkajs}`,
    ].join('\n')}\n`,
  );
}
const admin = bus.transport.admin();
await admin.connect();
await admin.deleteTopics([rawTopic, busTopic]);
await admin.disconnect();
