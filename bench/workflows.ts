// Durable workflows: order-to-delivery on the orchestrator (DBOS on the stack's PostgreSQL) with instant responders
// on the bus in place of logistics (despatch → ASN, CRM status → delivery), started by SalesOrder events through the
// event router, against the engine's own ceiling in the same run and the same DBOS: a bare six-step workflow with
// instant steps. Workflows/s and end-to-end p50 / p99 at a fixed number in flight.
// Usage: npm run bench:workflows [-- --workflows 1000 --inflight 200 --json]

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { pino } from 'pino';
import { createBus } from '../bus/index.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { startOrchestrator } from '../orchestrator/index.ts';
import { orchestratorMetrics } from '../orchestrator/metrics.ts';
import { orderToDeliveryV1, workflowIdOf } from '../orchestrator/workflows/order-to-delivery/index.ts';
import { startInstantResponders } from '../orchestrator/workflows/order-to-delivery/instant-responders.ts';
import {
  provisionTestTopics,
  salesOrderEvent,
  seedCustomers,
} from '../orchestrator/workflows/order-to-delivery/test-support.ts';
import { startSap } from '../simulators/sap/test-support.ts';
import { stackUp } from '../stack/stack.ts';
import { dropDatabase } from '../store/database.ts';

quietKnownWarnings();
const { values: args } = parseArgs({
  options: {
    workflows: { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '200' },
    json: { type: 'boolean' },
  },
});
const TOTAL = Number(args.workflows);
const IN_FLIGHT = Number(args.inflight);
const say = (line: string) => process.stderr.write(`${line}\n`);

interface Run {
  workflows: number;
  seconds: number;
  workflowsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function summarise(latencies: number[], seconds: number): Run {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return {
    workflows: sorted.length,
    seconds: Number(seconds.toFixed(2)),
    workflowsPerSecond: Math.round(sorted.length / seconds),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/** Runs `total` jobs with at most `inFlight` at once; each job resolves when its workflow completed. */
async function drive(total: number, inFlight: number, job: (i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  async function lane() {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await job(i);
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return summarise(latencies, (performance.now() - started) / 1000);
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
const topics = await provisionTestTopics(bus, `bench-${run}`);
const sap = await startSap();
const customers = await seedCustomers(sap.sim.url);

const finished = new Map<string, () => void>();
const orchestrator = await startOrchestrator(
  {
    databaseUrl: stack.databaseUrl,
    database,
    executorId: `bench-${run}`,
    brokers: stack.brokers,
    registryUrl: stack.registryUrl,
    routerGroup: `bench-${run}-router`,
    sapUrl: sap.sim.url,
  },
  {
    definitions: [orderToDeliveryV1(topics)],
    logger,
    // Completion is told by the workflow's last step, so the driver does not poll PostgreSQL.
    beforeStep: (workflowId, name) => {
      if (name === 'finish') finished.get(workflowId)?.();
    },
  },
);
const responders = await startInstantResponders(bus, {
  groupId: `bench-${run}-responders`,
  topics,
  consumers: 3,
});
const publisher = await bus.publisher();

async function orderToDelivery(i: number): Promise<void> {
  const orderId = `bench:${run}:${i}`;
  const done = new Promise<void>((resolve) => finished.set(workflowIdOf(orderId), resolve));
  await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
  await done;
  finished.delete(workflowIdOf(orderId));
}

async function bare(prefix: string, i: number): Promise<void> {
  const handle = await DBOS.startWorkflow(bareSixSteps, { workflowID: `${prefix}-${i}` })(`${prefix}-${i}`);
  await handle.getResult();
}

try {
  say('warming up (50 of each)…');
  await drive(50, 50, (i) => bare(`warm-${run}`, i));
  await drive(50, 50, (i) => orderToDelivery(TOTAL + i));
  say(`bare DBOS, six instant steps, ${TOTAL} workflows, ${IN_FLIGHT} in flight…`);
  const bareRun = await drive(TOTAL, IN_FLIGHT, (i) => bare(`bare-${run}`, i));
  say(`order-to-delivery with instant responders, ${TOTAL} workflows, ${IN_FLIGHT} in flight…`);
  const o2dRun = await drive(TOTAL, IN_FLIGHT, orderToDelivery);
  const steps = (await orchestratorMetrics.stepSeconds.get()).values
    .filter((v) => v.metricName?.endsWith('_sum') || v.metricName?.endsWith('_count'))
    .reduce<Record<string, { sum?: number; count?: number }>>((acc, v) => {
      const key = String(v.labels.step);
      acc[key] ??= {};
      if (v.metricName!.endsWith('_sum')) acc[key].sum = v.value;
      else acc[key].count = v.value;
      return acc;
    }, {});
  const meanStepMs = Object.fromEntries(
    Object.entries(steps).map(([k, v]) => [k, Number((((v.sum ?? 0) / (v.count || 1)) * 1000).toFixed(2))]),
  );
  const report = {
    workflows: TOTAL,
    inFlight: IN_FLIGHT,
    bareDbosSixSteps: bareRun,
    orderToDelivery: o2dRun,
    ratio: Number((o2dRun.workflowsPerSecond / bareRun.workflowsPerSecond).toFixed(3)),
    meanStepBodyMs: meanStepMs,
    target: {
      workflowsPerSecond: 150,
      p99Ms: 2000,
      met: o2dRun.workflowsPerSecond >= 150 && o2dRun.p99Ms <= 2000,
    },
  };
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const row = (label: string, r: Run) =>
      `${label.padEnd(44)} ${String(r.workflowsPerSecond).padStart(5)} workflows/s   p50 ${String(r.p50Ms).padStart(5)} ms   p99 ${String(r.p99Ms).padStart(5)} ms`;
    process.stdout.write(
      [
        `durable workflows, ${TOTAL} per contender, ${IN_FLIGHT} in flight, one orchestrator instance`,
        row('bare DBOS, six instant steps', bareRun),
        row('order-to-delivery, instant responders (bus)', o2dRun),
        `  ratio order-to-delivery / bare: ${report.ratio}`,
        `  mean step body (ms): ${JSON.stringify(meanStepMs)}`,
        `  target ≥ 150 workflows/s and p99 ≤ 2 s: ${report.target.met ? 'met' : 'not met'}`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await publisher.close();
  await responders.stop();
  await orchestrator.stop();
  await sap.close();
  await dropDatabase(stack.databaseUrl, database);
}
