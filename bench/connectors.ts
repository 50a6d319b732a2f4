// Connectors benchmark: a file of JSON lines (one Shopify order of about 1 KB per line, made by the bench from a fixed
// seed) into the same Kafka broker twice, side by side in one run:
//   (a) the baseline, Kafka Connect standalone (4.3.1: see bench/kafka-connect.ts) with its FileStreamSource and
//       StringConverter: each line sent as it is, nothing parsed (Connect's cheapest pipeline);
//   (b) the hub: a file-source connector (split json-lines) reading the shopify-order format, mapping each order to a
//       canonical SalesOrderEvent (mappings/shopify/order.to-canonical.yaml), Avro-encoded against the real registry
//       (Confluent wire format), written with its source positions in Kafka transactions.
// Each rate is records/s from the first to the last record landing on its topic, read from the topic's end offsets.
// Target (issue 14): hub >= 0.7 x Connect's raw rate. Progress on stderr once a second; --json prints one JSON object.
// --mapping-threads N: the hub maps in N threads (HubOptions.mappingThreads; 0: in its own one); default auto, as
// `eai up` runs it (connectors/runtime/mapping-pool.ts defaultMappingThreads: one a core, at most 8).
// --verify: the hub's topic read back (read_committed) once it is measured: every value decodes against the registry,
// its key is the order's business key, keys and CloudEvents ids all distinct, one record per order.
// Usage: npm run bench:connectors [-- --records 500000 --seed 14 --batch 2000 --mapping-threads auto --json
//        --skip-connect --skip-hub --verify]
import { once } from 'node:events';
import { createWriteStream, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { createRegistryClient } from '../bus/registry.ts';
import { AvroSerde } from '../bus/serde.ts';
import { connectTopics } from '../bus/topics.ts';
import { createTransport, type TransportAdmin } from '../bus/transport/index.ts';
import { connectorMetrics } from '../connectors/runtime/connector-metrics.ts';
import { defaultMappingThreads } from '../connectors/runtime/mapping-pool.ts';
import { makeOrderLine, seededRandom } from '../formats/shopify-order/fixtures/large.ts';
import { errorMessage } from '../lib/errors.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { withRetry } from '../lib/retry.ts';
import { hashToken } from '../ops/api/index.ts';
import { startHub } from '../ops/hub.ts';
import { findSchema } from '../schemas/catalog.ts';
import { KAFKA_VERSION } from '../stack/kafka.ts';
import { stackUp } from '../stack/stack.ts';
import { benchArgs } from './args.ts';
import { CONNECT_VERSION, startFileStreamSource } from './kafka-connect.ts';
import { processCpuSeconds } from './process-cpu.ts';

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench:connectors --', {
  options: {
    records: { type: 'string', default: '500000' },
    seed: { type: 'string', default: '14' },
    batch: { type: 'string', default: '2000' },
    'mapping-threads': { type: 'string', default: 'auto' },
    json: { type: 'boolean' },
    'skip-connect': { type: 'boolean' },
    'skip-hub': { type: 'boolean' },
    verify: { type: 'boolean' },
  },
});
const RECORDS = Number(args.records);
const SEED = Number(args.seed);
const BATCH = Number(args.batch);
const MAPPING_THREADS =
  args['mapping-threads'] === 'auto' ? defaultMappingThreads() : Number(args['mapping-threads']);
if (!Number.isSafeInteger(RECORDS) || RECORDS < 1) throw new Error('--records: a whole number of at least 1');
if (!Number.isSafeInteger(BATCH) || BATCH < 1 || BATCH > 10_000) throw new Error('--batch: 1 to 10000');
if (!Number.isSafeInteger(MAPPING_THREADS) || MAPPING_THREADS < 0 || MAPPING_THREADS > 16)
  throw new Error('--mapping-threads: auto or 0 to 16');
const say = (line: string) => process.stderr.write(`${line}\n`);
const run = Math.random().toString(36).slice(2, 10);

interface Rate {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** The machine's 1-minute load average when the records started and stopped landing (a shared machine). */
  load: [number, number];
  /**
   * CPU time per record while the records landed, of the system measured (all its threads) and of the broker:
   * on a shared machine the rate says how much CPU the system got, this what each record cost it. `thread`: the
   * hub's own thread alone (reading the file, the Kafka transactions; and mapping, without mapping threads).
   */
  cpuMicrosPerRecord: { system: number; broker: number | undefined; thread?: number };
}

const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** CPU seconds of this process's main thread only: the hub's own thread, its mapping threads apart. */
const mainThreadCpuSeconds = () => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1e6;
};

/** A topic's end offsets summed; right after the topic is made the broker may answer NOT_LEADER once: asked again. */
const offsetSum = async (admin: TransportAdmin, topic: string) =>
  (
    await withRetry(() => admin.topicOffsets(topic), {
      retries: 5,
      initialDelayMs: 100,
      shouldRetry: () => true,
    })
  ).reduce((sum, p) => sum + Number(p.high), 0);

/**
 * Watches a topic's end offsets every 50 ms from `baseline` on until `done` says so, and gives records/s from the
 * first poll that saw records land to the last one that saw more. End offsets of a transactional producer also count
 * its commit markers: the rate is scaled by `records` / offsets landed, so it counts records only.
 */
async function measure(
  label: string,
  admin: TransportAdmin,
  topic: string,
  options: {
    baseline: number;
    done: (landed: number) => Promise<boolean>;
    started?: () => boolean;
    /** CPU seconds the system measured has used so far. */
    cpu: () => number | undefined;
    /** CPU seconds its main thread has used so far, when it has threads of its own (the hub's mapping threads). */
    threadCpu?: () => number;
  },
): Promise<Rate> {
  const cpu = () => ({
    system: options.cpu(),
    broker: processCpuSeconds(stack.pids.kafka),
    thread: options.threadCpu?.(),
  });
  let first: { t: number; landed: number; cpu: ReturnType<typeof cpu> } | undefined;
  let loadAtFirst = 0;
  let last = { t: 0, landed: 0, cpu: cpu() };
  let lastProgress = performance.now();
  let lastChange = performance.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const landed = (await offsetSum(admin, topic)) - options.baseline;
    const now = performance.now();
    if (!first && landed > 0 && (options.started?.() ?? true)) {
      first = { t: now, landed, cpu: cpu() };
      loadAtFirst = Number(loadavg()[0]!.toFixed(2));
    }
    if (landed > last.landed) {
      last = { t: now, landed, cpu: cpu() };
      lastChange = now;
    }
    if (now - lastProgress >= 1000) {
      const seconds = first ? (last.t - first.t) / 1000 : 0;
      const rate = first && seconds > 0 ? Math.round((last.landed - first.landed) / seconds) : 0;
      say(
        `${label}: ${landed.toLocaleString('en')} / ${RECORDS.toLocaleString('en')} on ${topic}, ${rate.toLocaleString('en')}/s`,
      );
      lastProgress = now;
    }
    if (await options.done(landed)) break;
    if (now - lastChange > 120_000) throw new Error(`${label}: nothing landed on ${topic} for 120 s`);
  }
  if (!first) throw new Error(`${label}: no record landed on ${topic}`);
  const seconds = (last.t - first.t) / 1000;
  const share = (last.landed - first.landed) / last.landed;
  const measured = RECORDS * share;
  const perRecord = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? undefined : Math.round(((to - from) * 1e6) / measured);
  return {
    records: RECORDS,
    seconds,
    recordsPerSecond: Math.round(measured / seconds),
    load: [loadAtFirst, Number(loadavg()[0]!.toFixed(2))],
    cpuMicrosPerRecord: {
      system: perRecord(first.cpu.system, last.cpu.system) ?? 0,
      broker: perRecord(first.cpu.broker, last.cpu.broker),
      thread: perRecord(first.cpu.thread, last.cpu.thread),
    },
  };
}

/** Deletes a subject of the run's from the registry (soft, then for good); a failure is only said. */
async function deleteSubject(registryUrl: string, subject: string): Promise<void> {
  for (const query of ['', '?permanent=true']) {
    const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}${query}`, {
      method: 'DELETE',
    }).catch((error: unknown) => error as Error);
    if (response instanceof Error || (!response.ok && response.status !== 404)) {
      say(
        `could not delete subject ${subject}: ${response instanceof Error ? response.message : response.status}`,
      );
      return;
    }
  }
}

const stack = await stackUp(say);

/**
 * The hub's output read back (--verify): each record's value decoded with its registry schema, its key the value's
 * business key, keys and ce_id headers distinct, RECORDS of them. Throws what it found otherwise.
 */
async function verifyHubOutput(topic: string): Promise<string> {
  const serde = new AvroSerde(createRegistryClient(stack.registryUrl));
  const schema = findSchema('SalesOrderEvent');
  const kafka = new Kafka({
    brokers: stack.brokers.split(','),
    clientId: 'eai-bench-verify',
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `eai-bench-verify-${run}`, readUncommitted: false });
  const keys = new Set<string>();
  const ids = new Set<string>();
  let records = 0;
  const problems: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`--verify: ${records} of ${RECORDS} read in 120 s`)),
        120_000,
      );
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            records++;
            const key = message.key?.toString() ?? '';
            const id = message.headers?.ce_id?.toString() ?? '';
            keys.add(key);
            ids.add(id);
            const { value } = await serde.decode(message.value);
            const expected = schema.key(value as Record<string, unknown>);
            if (expected !== key && problems.length < 5)
              problems.push(`key ${key} for a value of ${expected}`);
          }
          if (records >= RECORDS) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  if (records !== RECORDS || keys.size !== RECORDS || ids.size !== RECORDS) {
    problems.push(
      `${records} records, ${keys.size} distinct keys, ${ids.size} distinct ids (${RECORDS} orders)`,
    );
  }
  if (problems.length > 0) throw new Error(`--verify: ${problems.join('; ')}`);
  return `verified: ${records} records, each decoded, its key its value's, keys and ids distinct`;
}
const transport = createTransport({ brokers: stack.brokers.split(','), clientId: 'eai-bench-connectors' });
const admin = transport.admin();
await admin.connect();

const workDir = mkdtempSync(join(tmpdir(), 'eai-bench-connectors-'));
const dataFile = join(workDir, 'orders.jsonl');
say(`writing ${RECORDS.toLocaleString('en')} Shopify orders (seed ${SEED}) to ${dataFile}…`);
{
  const random = seededRandom(SEED);
  const out = createWriteStream(dataFile);
  for (let seq = 1; seq <= RECORDS; seq++) {
    if (!out.write(`${makeOrderLine(random, seq)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
const fileBytes = statSync(dataFile).size;

let connect: Rate | undefined;
let hub: (Rate & { transactions: number; deadLettered: number }) | undefined;
try {
  if (!args['skip-connect']) {
    const topic = `bench.connect-raw.${run}`;
    await admin.createTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    const connectDir = join(workDir, 'connect');
    mkdirSync(connectDir);
    say(
      `Kafka Connect ${CONNECT_VERSION} standalone, FileStreamSource → ${topic} (broker ${KAFKA_VERSION})…`,
    );
    const worker = await startFileStreamSource({
      brokers: stack.brokers,
      file: dataFile,
      topic,
      workDir: connectDir,
    });
    try {
      connect = await measure('connect', admin, topic, {
        baseline: 0,
        cpu: () => processCpuSeconds(worker.process.pid),
        done: async (landed) => {
          if (worker.process.exitCode !== null)
            throw new Error(
              `Kafka Connect exited with ${worker.process.exitCode}: ${readFileSync(worker.log, 'utf8').slice(-3000)}`,
            );
          return landed >= RECORDS;
        },
      });
    } finally {
      await worker.stop();
      await admin.deleteTopics([topic]).catch(() => undefined);
    }
  }

  if (!args['skip-hub']) {
    const group = `eai-bench-connectors-${run}`;
    const hubInstance = await startHub({
      ...stack,
      group,
      logger: pino({ level: 'warn' }),
      tokens: [{ name: 'bench', role: 'admin', sha256: hashToken(run) }],
      port: 0,
      mappingThreads: MAPPING_THREADS,
    });
    // A topic of its own: half a million records on the shared canonical topic would slow every consumer that
    // reads it from the beginning.
    const topic = `bench.sales-order.${run}`;
    await admin.createTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    const dropDir = join(workDir, 'drop');
    mkdirSync(dropDir);
    const name = `bench-shopify-${run}`;
    try {
      const baseline = await offsetSum(admin, topic);
      // The same bytes: a hard link, so the drop folder's move to done/ leaves the data file alone.
      linkSync(dataFile, join(dropDir, 'orders.jsonl'));
      say(`hub: file-source (json-lines, shopify-order → SalesOrderEvent, Avro) → ${topic}…`);
      await hubInstance.runtime.put(
        {
          name,
          type: 'file-source',
          format: 'shopify-order',
          mapping: 'shopify/order.to-canonical.yaml',
          outputTopics: { 'eai.canonical.SalesOrderEvent': topic },
          config: { dir: dropDir, split: 'json-lines', splitAboveBytes: 0, stableMs: 0, batchSize: BATCH },
        },
        'bench',
      );
      // The connector's Prometheus counters, read in this process: its status would probe Kafka at every call (a new
      // client, its connection and metadata), five times a second at this poll's pace, on the hub's thread and the
      // broker that the run measures.
      const counted = async (metric: (typeof connectorMetrics)['recordsIn']) =>
        (await metric.get()).values.find((value) => value.labels.connector === name)?.value ?? 0;
      const counts = async () => ({
        recordsIn: await counted(connectorMetrics.recordsIn),
        recordsOut: await counted(connectorMetrics.recordsOut),
        recordsFailed: await counted(connectorMetrics.recordsFailed),
      });
      let polled = false;
      const rate = await measure('hub', admin, topic, {
        baseline,
        // The hub runs in this process: its CPU is the process's, the bench's own polling included (a little).
        cpu: ownCpuSeconds,
        threadCpu: mainThreadCpuSeconds,
        started: () => polled,
        done: async () => {
          const metrics = await counts();
          polled ||= metrics.recordsIn > 0;
          return metrics.recordsOut + metrics.recordsFailed >= RECORDS;
        },
      });
      if (args.verify) say(await verifyHubOutput(topic));
      const metrics = await counts();
      hub = {
        ...rate,
        transactions: Math.ceil(RECORDS / BATCH),
        deadLettered: metrics.recordsFailed,
      };
    } finally {
      await hubInstance.runtime.remove(name).catch(() => undefined);
      await hubInstance.close();
      // The run's own topics: its output, and the state topics of its connect group (configs, status, offsets,
      // assignments); and the output's subject in the registry.
      await admin
        .deleteTopics([topic, ...Object.values(connectTopics(group))])
        .catch((error) => say(`could not delete the run's topics: ${errorMessage(error)}`));
      await deleteSubject(stack.registryUrl, `${topic}-value`);
    }
  }
} finally {
  await admin.disconnect();
  rmSync(workDir, { recursive: true, force: true });
}

const ratio =
  connect && hub ? Number((hub.recordsPerSecond / connect.recordsPerSecond).toFixed(3)) : undefined;
/** What the hub spends on a record against what Connect does (each process's own CPU, the broker's apart). */
const cpuPerRecordRatio =
  connect && hub && connect.cpuMicrosPerRecord.system > 0
    ? Number((hub.cpuMicrosPerRecord.system / connect.cpuMicrosPerRecord.system).toFixed(2))
    : undefined;
const report = {
  records: RECORDS,
  seed: SEED,
  fileBytes,
  bytesPerRecord: Math.round(fileBytes / RECORDS),
  connect: connect && { ...connect, version: CONNECT_VERSION, broker: KAFKA_VERSION },
  hub: hub && { ...hub, batchSize: BATCH, mappingThreads: MAPPING_THREADS },
  ratio,
  cpuPerRecordRatio,
  target: { ratio: 0.7, met: ratio === undefined ? undefined : ratio >= 0.7 },
  machine: { cpus: cpus().length, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
};
if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const row = (label: string, r: Rate | undefined) =>
    r
      ? `${label.padEnd(58)} ${String(r.recordsPerSecond).padStart(7)} records/s  (${r.seconds.toFixed(1)} s, load ${r.load.join(' → ')}; CPU per record ${r.cpuMicrosPerRecord.system} µs${r.cpuMicrosPerRecord.thread === undefined ? '' : ` (its own thread ${r.cpuMicrosPerRecord.thread} µs)`}, broker ${r.cpuMicrosPerRecord.broker ?? '-'} µs)`
      : `${label.padEnd(58)} skipped`;
  process.stdout.write(
    [
      `${RECORDS.toLocaleString('en')} Shopify orders as JSON lines, ${report.bytesPerRecord} bytes each on average`,
      row(`Kafka Connect ${CONNECT_VERSION} FileStreamSource, StringConverter`, connect),
      row(
        `hub file-source: parse, map, Avro (registry), transactions${MAPPING_THREADS ? `, ${MAPPING_THREADS} mapping threads` : ''}`,
        hub,
      ),
      `  ratio hub / Connect: ${ratio ?? '-'} (target >= 0.7: ${report.target.met === undefined ? '-' : report.target.met ? 'met' : 'NOT met'})`,
      `  CPU per record hub / Connect: ${cpuPerRecordRatio ?? '-'}× (on a quiet machine the rate ratio tends to its inverse while each has a core to itself)`,
      `  load average ${report.machine.loadAverage.join(' ')} on ${report.machine.cpus} CPUs`,
      '',
    ].join('\n'),
  );
}
