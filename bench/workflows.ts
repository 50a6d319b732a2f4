// Durable workflows: order-to-delivery on the orchestrator (DBOS on the stack's PostgreSQL) with instant responders
// on the bus in place of logistics (despatch → ASN, CRM status → delivery), started by SalesOrder events through the
// event router, against two baselines in the same run: the engine's own ceiling in the same DBOS (a bare six-step
// workflow with instant steps) and plain Kafka request → reply round trips moving the same records with the same
// bus and serde (bench/kafka-round-trips.ts). Workflows/s and end-to-end p50 / p99 at a fixed number in flight,
// per-step p50 / p99 of order-to-delivery from DBOS's checkpoint records, ratios between the contenders.
// Progress on stderr once a second.
// Completion is pushed, never polled: bare DBOS awaits the handle of a workflow started in this process (DBOS's
// InvokedHandle awaits the workflow's own promise), order-to-delivery's instances tell `onFinished` as they end, the
// Kafka baseline resolves on the last reply consumed. CPU is counted twice over: this process and its orchestrator
// workers, and (since 2026-12-02, the column's "+ PostgreSQL") the PostgreSQL backends serving the orchestrator
// database, from /proc: on this machine they use more CPU per workflow than Node does, so the Node column alone made
// the run look latency-bound when it was CPU-bound. The Node column is the same figure as before.
// --processes N runs order-to-delivery in N orchestrator processes sharing the database and the router group (each its
// own DBOS executor id; tests/orchestrator-worker.ts), the driver, responders and baselines in this one; CPU counts
// them all. --apart with --processes 1 (the default) runs the one orchestrator in a process of its own too, as a
// deployment does, instead of beside the driver and the responders. --partitions sets the order and shipment topics' partitions (3; use at least 3 × N with N processes).
// --unprepared runs DBOS as before 2026-12-03: its statements sent unnamed, parsed and planned every time, instead of
// prepared once per connection of the orchestrator's pool (orchestrator/system-pool.ts), for figures comparable with
// earlier ones.
// --begin-with-statement sends DBOS's bare BEGIN in one write and round trip with the statement after it
// (orchestrator/system-pool.ts, `databaseBeginWithStatement`, off by default), instead of alone.
// --db-pool N and --db-polling N set the orchestrator's DBOS pool and the part of it DBOS's waits may use
// (`databasePoolSize`, `databasePollingConcurrency`; by default the orchestrator's defaults: 30, the whole pool).
// --uncoalesced sends DBOS's point reads outside its transactions one statement each, as before 2026-12-04, instead
// of coalesced across instances into one statement per event-loop turn (orchestrator/coalesced-reads.ts).
// --o2d-version N ships order-to-delivery's versions 1 to N, so new instances start on version N: 1 (every figure
// before 2026-12-03's fifth round), 2 (the ERP also gets SHIPPED: one step more), 3 (version 2 with the approved
// credit check in the confirm-and-despatch checkpoint: one checkpointed operation fewer than 2); by default the
// latest, as a deployment ships them.
// Usage: npm run bench:workflows [-- --workflows 1000 --inflight 200 --only bare,kafka,o2d --db-pool 30 --db-polling 30
//   --processes 1 --apart --partitions 3 --unprepared --begin-with-statement --uncoalesced --o2d-version 1 --json]

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DBOS } from '@dbos-inc/dbos-sdk';
import type pg from 'pg';
import { pino } from 'pino';
import { createBus } from '../bus/index.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { parseOrchestratorConfig, startOrchestrator } from '../orchestrator/index.ts';
import {
  orderToDeliveryDefinitions,
  workflowIdOf,
} from '../orchestrator/workflows/order-to-delivery/index.ts';
import { startInstantResponders } from '../orchestrator/workflows/order-to-delivery/instant-responders.ts';
import {
  provisionTestTopics,
  salesOrderEvent,
  seedCustomers,
} from '../orchestrator/workflows/order-to-delivery/test-support.ts';
import { startSap } from '../simulators/sap/test-support.ts';
import { stackUp } from '../stack/stack.ts';
import { dropDatabase } from '../store/database.ts';
import type { OrchestratorWorkerSpec } from '../tests/orchestrator-worker.ts';
import { startScript, type WorkerProcess } from '../tests/worker-process.ts';
import { benchArgs } from './args.ts';
import { startKafkaRoundTrips } from './kafka-round-trips.ts';
import { processCpuSeconds } from './process-cpu.ts';
import {
  type Percentiles,
  percentiles,
  pgTransactions,
  postgresBackendCpu,
  postgresCpuBetween,
  type StepTimings,
  stepTimings,
} from './workflow-steps.ts';

quietKnownWarnings();
const CONTENDERS = ['bare', 'kafka', 'o2d'] as const;
type Contender = (typeof CONTENDERS)[number];
const { values: args } = benchArgs('npm run bench:workflows --', {
  options: {
    workflows: { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    only: { type: 'string', default: CONTENDERS.join(',') },
    json: { type: 'boolean' },
    'db-pool': { type: 'string' },
    'db-polling': { type: 'string' },
    processes: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '3' },
    unprepared: { type: 'boolean' },
    'begin-with-statement': { type: 'boolean' },
    uncoalesced: { type: 'boolean' },
    apart: { type: 'boolean' },
    'o2d-version': { type: 'string', default: 'latest' },
  },
});
const TOTAL = Number(args.workflows);
const IN_FLIGHT = Number(args.inflight);
const WARMUP = Number(args.warmup);
const PROCESSES = Number(args.processes);
/** The orchestrator in processes of its own (always with --processes N > 1; with 1, --apart). */
const APART = PROCESSES > 1 || Boolean(args.apart);
const PARTITIONS = Number(args.partitions);
const O2D_LATEST = orderToDeliveryDefinitions().length;
const O2D_VERSION = args['o2d-version'] === 'latest' ? O2D_LATEST : Number(args['o2d-version']);
if (!(Number.isInteger(O2D_VERSION) && O2D_VERSION >= 1 && O2D_VERSION <= O2D_LATEST)) {
  throw new Error(`--o2d-version: 1 to ${O2D_LATEST}, or latest`);
}
const only = new Set(args.only!.split(',').map((s) => s.trim()));
for (const name of only) {
  if (!CONTENDERS.includes(name as Contender)) {
    throw new Error(`--only: unknown contender "${name}"; use a comma list of ${CONTENDERS.join(', ')}`);
  }
}
if (!(TOTAL > 0) || !(IN_FLIGHT > 0) || !(WARMUP >= 0) || !(PROCESSES >= 1) || !(PARTITIONS >= 1)) {
  throw new Error(
    '--workflows, --inflight, --processes and --partitions must be positive numbers, --warmup zero or more',
  );
}
const runs = (c: Contender) => only.has(c);
const say = (line: string) => process.stderr.write(`${line}\n`);

interface Run {
  workflows: number;
  seconds: number;
  workflowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) per workflow of this process and the orchestrator processes (--processes). */
  cpuMsPerWorkflow: number;
  /** CPU time per workflow of the PostgreSQL backends serving the orchestrator database (none for plain Kafka). */
  postgresCpuMsPerWorkflow?: number;
  /** CPU time per workflow of the Kafka broker (all its threads; it serves nothing else during a run). */
  brokerCpuMsPerWorkflow?: number;
}

/** CPU ms (user + system) a process has used so far; 0 without a pid. */
function cpuMsOf(pid: number | undefined): number {
  return (processCpuSeconds(pid) ?? 0) * 1000;
}

/** Runs `total` jobs with at most `inFlight` at once, reporting progress once a second; each job resolves when done. */
async function drive(
  label: string,
  total: number,
  inFlight: number,
  job: (i: number) => Promise<void>,
  database?: pg.Pool,
): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  let lastDone = 0;
  const started = performance.now();
  const postgresBefore = database && (await postgresBackendCpu(database));
  const cpu = process.cpuUsage();
  const childCpu = workerCpuMs();
  const brokerCpu = cpuMsOf(stack.pids.kafka);
  const progress = setInterval(() => {
    const done = latencies.length;
    const seconds = (performance.now() - started) / 1000;
    say(
      `  ${label}: ${done}/${total} done, ${done - lastDone}/s now, ${(done / seconds).toFixed(1)}/s overall, ` +
        `${next - done} in flight, ${seconds.toFixed(0)} s`,
    );
    lastDone = done;
  }, 1000);
  async function lane() {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await job(i);
      latencies.push(performance.now() - t0);
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const childUsedMs = workerCpuMs() - childCpu;
  const brokerUsedMs = cpuMsOf(stack.pids.kafka) - brokerCpu;
  const postgresMs =
    database && postgresCpuBetween(postgresBefore ?? null, await postgresBackendCpu(database));
  const { p50Ms, p99Ms } = percentiles(latencies);
  return {
    workflows: latencies.length,
    seconds: Number(seconds.toFixed(2)),
    workflowsPerSecond: Number((latencies.length / seconds).toFixed(1)),
    p50Ms,
    p99Ms,
    cpuMsPerWorkflow: Number(
      (((used.user + used.system) / 1000 + childUsedMs) / latencies.length).toFixed(2),
    ),
    postgresCpuMsPerWorkflow:
      postgresMs === undefined ? undefined : Number((postgresMs / latencies.length).toFixed(2)),
    brokerCpuMsPerWorkflow: stack.pids.kafka
      ? Number((brokerUsedMs / latencies.length).toFixed(2))
      : undefined,
  };
}

// The engine's ceiling: six instant steps, registered before launch.
const step = (n: number) => async () => ({ step: n, at: 'instant' });
const bareSixSteps = DBOS.registerWorkflow(
  async (id: string) => {
    let last: unknown;
    for (let n = 1; n <= 6; n++) last = await DBOS.runStep(step(n), { name: `step-${n}` });
    return { id, last };
  },
  { name: 'bench-bare-six-steps' },
);

const ROUTER_CONSUMERS = 3;
// Events each consumer hands over at once, one key's in order: the router's (its default), the responders' and the
// Kafka baseline's coordinator alike.
const ROUTER_CONCURRENCY = 32;
const stack = await stackUp(say);
const run = randomUUID().slice(0, 8);
const database = `eai_bench_workflows_${run}`;
const logger = pino({ level: 'warn' });
const bus = createBus({
  brokers: stack.brokers,
  registryUrl: stack.registryUrl,
  clientId: `bench-${run}`,
  logger,
});
const topics = await provisionTestTopics(bus, `bench-${run}`, PARTITIONS);
const sap = await startSap();
const customers = await seedCustomers(sap.sim.url);

const finished = new Map<string, () => void>();
// DBOS's pool as given, else the orchestrator's defaults (parsed here only to name them in the report).
const poolOptions = {
  ...(args['db-pool'] === undefined ? {} : { databasePoolSize: Number(args['db-pool']) }),
  ...(args['db-polling'] === undefined ? {} : { databasePollingConcurrency: Number(args['db-polling']) }),
};
const defaults = parseOrchestratorConfig({
  databaseUrl: stack.databaseUrl,
  executorId: 'defaults',
  brokers: stack.brokers,
  registryUrl: stack.registryUrl,
  ...poolOptions,
});
const poolLabel = `${defaults.databasePoolSize} (waits ${defaults.databasePollingConcurrency ?? defaults.databasePoolSize})${args.uncoalesced ? ', reads uncoalesced' : ''}`;
const config = {
  databaseUrl: stack.databaseUrl,
  database,
  executorId: `bench-${run}`,
  brokers: stack.brokers,
  registryUrl: stack.registryUrl,
  routerGroup: `bench-${run}-router`,
  routerConsumers: ROUTER_CONSUMERS,
  routerConcurrency: ROUTER_CONCURRENCY,
  ...poolOptions,
  databasePreparedStatements: !args.unprepared,
  databaseBeginWithStatement: Boolean(args['begin-with-statement']),
  databaseCoalescedReads: !args.uncoalesced,
  sapUrl: sap.sim.url,
};
// With --processes N this one runs no router (its DBOS runs the bare baseline); the workers route and run the instances.
const orchestrator = await startOrchestrator(config, {
  definitions: orderToDeliveryDefinitions(topics).slice(0, O2D_VERSION),
  logger,
  router: !APART,
  // Completion is told by the workflow as it ends, so the driver does not poll PostgreSQL.
  onFinished: (workflowId) => finished.get(workflowId)?.(),
});
const workers: WorkerProcess[] = [];
function workerCpuMs(): number {
  return workers.reduce((ms, w) => ms + cpuMsOf(w.ready.pid), 0);
}
if (APART) {
  // The workers log at warn, as this process's orchestrator does (no line per instance started).
  process.env.EAI_LOG_LEVEL ??= 'warn';
  for (let k = 0; k < PROCESSES; k++) {
    const spec: OrchestratorWorkerSpec = {
      workerId: `w${k}`,
      config: { ...config, executorId: `bench-${run}-w${k}` },
      topics,
      version: O2D_VERSION,
      router: true,
      reportFinished: true,
    };
    const worker = await startScript(
      new URL('../tests/orchestrator-worker.ts', import.meta.url),
      spec,
      `w${k}`,
    );
    let pending = '';
    worker.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('{"finished":'))
          finished.get((JSON.parse(line) as { finished: string }).finished)?.();
      }
    });
    workers.push(worker);
  }
}
const responders = await startInstantResponders(bus, {
  groupId: `bench-${run}-responders`,
  topics,
  consumers: ROUTER_CONSUMERS,
  concurrency: ROUTER_CONCURRENCY,
});
const kafka = runs('kafka')
  ? await startKafkaRoundTrips(bus, {
      prefix: `bench-${run}-kafka`,
      consumers: ROUTER_CONSUMERS,
      concurrency: ROUTER_CONCURRENCY,
    })
  : undefined;
const publisher = await bus.publisher();

const publishedAt = new Map<string, number>();
async function orderToDelivery(i: number): Promise<void> {
  const orderId = `bench:${run}:${i}`;
  const id = workflowIdOf(orderId);
  const done = new Promise<void>((resolve) => finished.set(id, resolve));
  publishedAt.set(id, Date.now());
  await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
  await done;
  finished.delete(id);
}

async function kafkaRoundTrips(i: number): Promise<void> {
  const orderId = `bench:${run}:kafka:${i}`;
  const done = kafka!.completion(orderId);
  await publisher.publish([salesOrderEvent(kafka!.topics, orderId, customers.good)]);
  await done;
}

async function bare(prefix: string, i: number): Promise<void> {
  const handle = await DBOS.startWorkflow(bareSixSteps, { workflowID: `${prefix}-${i}` })(`${prefix}-${i}`);
  await handle.getResult();
}

const ratio = (a?: Run, b?: Run) =>
  a && b ? Number((a.workflowsPerSecond / b.workflowsPerSecond).toFixed(3)) : undefined;

try {
  if (WARMUP > 0) {
    say(`warming up (${WARMUP} of each)…`);
    if (runs('bare')) await drive('warm-up bare', WARMUP, WARMUP, (i) => bare(`warm-${run}`, i));
    if (runs('kafka')) await drive('warm-up kafka', WARMUP, WARMUP, (i) => kafkaRoundTrips(TOTAL + i));
    if (runs('o2d')) await drive('warm-up o2d', WARMUP, WARMUP, (i) => orderToDelivery(TOTAL + i));
  }
  let bareRun: Run | undefined;
  let kafkaRun: Run | undefined;
  let o2dRun: Run | undefined;
  let o2dSteps: StepTimings | undefined;
  /** Instances per DBOS executor (process) that ran them. */
  let o2dExecutors: Record<string, number> | undefined;
  let barePg: number | undefined;
  let o2dPg: number | undefined;
  const perWorkflow = (before: number, after: number) => Number(((after - before) / TOTAL).toFixed(1));
  if (runs('bare')) {
    say(`bare DBOS, six instant steps, ${TOTAL} workflows, ${IN_FLIGHT} in flight…`);
    const before = await pgTransactions(orchestrator.pool);
    bareRun = await drive('bare', TOTAL, IN_FLIGHT, (i) => bare(`bare-${run}`, i), orchestrator.pool);
    barePg = perWorkflow(before, await pgTransactions(orchestrator.pool));
  }
  if (runs('kafka')) {
    say(`plain Kafka request → reply, ${TOTAL} workflow-equivalents, ${IN_FLIGHT} in flight…`);
    kafkaRun = await drive('kafka', TOTAL, IN_FLIGHT, kafkaRoundTrips);
  }
  if (runs('o2d')) {
    say(`order-to-delivery with instant responders, ${TOTAL} workflows, ${IN_FLIGHT} in flight…`);
    const before = await pgTransactions(orchestrator.pool);
    o2dRun = await drive('o2d', TOTAL, IN_FLIGHT, orderToDelivery, orchestrator.pool);
    o2dPg = perWorkflow(before, await pgTransactions(orchestrator.pool));
    const ids = Array.from({ length: TOTAL }, (_, i) => workflowIdOf(`bench:${run}:${i}`));
    o2dSteps = await stepTimings(orchestrator.pool, ids, publishedAt);
    const { rows } = await orchestrator.pool.query<{ executor: string; n: string }>(
      'select executor_id as executor, count(*) as n from dbos.workflow_status where workflow_uuid = any($1) group by 1',
      [ids],
    );
    o2dExecutors = Object.fromEntries(rows.map((r) => [r.executor, Number(r.n)]));
  }
  const report = {
    workflows: TOTAL,
    inFlight: IN_FLIGHT,
    orchestratorProcesses: PROCESSES,
    bareDbosSixSteps: bareRun,
    kafkaRoundTrips: kafkaRun,
    orderToDelivery: o2dRun,
    ratios: {
      orderToDeliveryOverBare: ratio(o2dRun, bareRun),
      orderToDeliveryOverKafka: ratio(o2dRun, kafkaRun),
      bareOverKafka: ratio(bareRun, kafkaRun),
    },
    /** Commits + rollbacks in the orchestrator database during each run (pg_stat_database), per workflow. */
    pgTransactionsPerWorkflow: { bare: barePg, orderToDelivery: o2dPg },
    orderToDeliverySteps: o2dSteps,
    orderToDeliveryExecutors: o2dExecutors,
    /** The machine's 1, 5 and 15 minute load averages at the end of the run (2 cores: above 2 means CPU queueing). */
    loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    target: o2dRun && {
      workflowsPerSecond: 150,
      p99Ms: 2000,
      met: o2dRun.workflowsPerSecond >= 150 && o2dRun.p99Ms <= 2000,
    },
  };
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const row = (label: string, r?: Run) =>
      r
        ? `${label.padEnd(46)} ${String(r.workflowsPerSecond).padStart(6)} workflows/s   p50 ${String(r.p50Ms).padStart(6)} ms   p99 ${String(r.p99Ms).padStart(6)} ms   CPU ${String(r.cpuMsPerWorkflow).padStart(5)} ms/workflow${r.postgresCpuMsPerWorkflow === undefined ? '' : ` + PostgreSQL ${r.postgresCpuMsPerWorkflow} ms`}${r.brokerCpuMsPerWorkflow === undefined ? '' : ` + Kafka ${r.brokerCpuMsPerWorkflow} ms`}`
        : undefined;
    const ratioLine = (label: string, value?: number) =>
      value === undefined ? undefined : `  ${label}: ${value}`;
    const cells = (p?: Percentiles) =>
      p
        ? `${String(p.p50Ms).padStart(7)} ${String(p.p99Ms).padStart(7)} ${String(p.meanMs).padStart(8)}`
        : '';
    const stepLine = (name: string, p: Percentiles, gap?: Percentiles) =>
      `    ${name.padEnd(34)} ${cells(p)}   ${gap ? `${String(gap.p50Ms).padStart(7)} ${String(gap.p99Ms).padStart(7)}` : ''}`;
    const stepLines = o2dSteps
      ? [
          '  order-to-delivery per operation (DBOS checkpoint records; ms):',
          `    ${'operation'.padEnd(34)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'mean'.padStart(8)}   gap before p50 / p99`,
          stepLine('published → workflow created', o2dSteps.start),
          ...Object.entries(o2dSteps.steps).map(([name, p]) => stepLine(name, p, o2dSteps?.gapsBefore[name])),
          stepLine('sum of operations per instance', o2dSteps.stepsPerWorkflow),
          stepLine('sum of gaps per instance', o2dSteps.gapsPerWorkflow),
          ...Object.entries(o2dSteps.receives).flatMap(([name, { arrived, woken }]) => [
            stepLine(`${name}: until the message arrived`, arrived),
            stepLine(`${name}: from its arrival to the end`, woken),
          ]),
        ]
      : [];
    const pgLine = (label: string, n?: number) =>
      n === undefined ? undefined : `  PostgreSQL transactions per workflow, ${label}: ${n}`;
    process.stdout.write(
      [
        `durable workflows, ${TOTAL} per contender, ${IN_FLIGHT} in flight, ${PROCESSES} orchestrator process(es), order-to-delivery v${O2D_VERSION}, DBOS pool ${poolLabel}`,
        row('bare DBOS, six instant steps', bareRun),
        row('plain Kafka request → reply (same hops)', kafkaRun),
        row('order-to-delivery, instant responders (bus)', o2dRun),
        ratioLine('ratio order-to-delivery / bare DBOS', report.ratios.orderToDeliveryOverBare),
        ratioLine('ratio order-to-delivery / plain Kafka', report.ratios.orderToDeliveryOverKafka),
        ratioLine('ratio bare DBOS / plain Kafka', report.ratios.bareOverKafka),
        pgLine('bare DBOS', report.pgTransactionsPerWorkflow.bare),
        pgLine('order-to-delivery', report.pgTransactionsPerWorkflow.orderToDelivery),
        o2dExecutors && `  order-to-delivery instances per executor: ${JSON.stringify(o2dExecutors)}`,
        ...stepLines,
        `  load average at the end: ${report.loadAverage}`,
        report.target && `  target ≥ 150 workflows/s and p99 ≤ 2 s: ${report.target.met ? 'met' : 'not met'}`,
        '',
      ]
        .filter((line) => line !== undefined)
        .join('\n'),
    );
  }
} finally {
  await publisher.close();
  await kafka?.stop();
  await responders.stop();
  await Promise.all(workers.map((w) => w.kill()));
  await orchestrator.stop();
  await sap.close();
  await dropDatabase(stack.databaseUrl, database);
}
