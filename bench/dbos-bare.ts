// Bare DBOS on its own, as PLATFORM-FACTS.md "Durable workflows" measured it: a workflow of six steps that each return
// a small object, direct start (`DBOS.startWorkflow` + `handle.getResult()`), DBOS's defaults, on a fresh database of
// the stack's PostgreSQL, nothing else in the process. The yardstick for bench:workflows' "bare DBOS" contender, which
// runs the same workflow inside the orchestrator (its DBOS config, heartbeats, router, responders): run both in turn
// and compare CPU per workflow (Node process.cpuUsage + the database's PostgreSQL backends, from /proc) and
// PostgreSQL transactions per workflow (pg_stat_database).
// Flags add the orchestrator's pieces one at a time, to find which one costs what:
//   --pool N              systemDatabasePoolSize (DBOS default 10)
//   --orchestrator-config the orchestrator's DBOS config (URL options, pinned version, executor id, log level warn)
//   --orchestrator        DBOS launched by startOrchestrator (heartbeats, takeover, bus producer), no router
//   --router              … with its event router (idle consumers of the order topics)
//   --prepared            DBOS on the orchestrator's pool of prepared statements (orchestrator/system-pool.ts);
//                         the two orchestrator setups above run without it unless given
//   --custom-plans        … with plan_cache_mode=force_custom_plan (parsed once, planned every time)
//   --server URL          another PostgreSQL server (postgres://user:pw@host:port/db) instead of the stack's
// Usage: node bench/dbos-bare.ts [--workflows 1000 --inflight 200 --warmup 50 --json]

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { pino } from 'pino';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { startOrchestrator, withIdleTransactionTimeout } from '../orchestrator/engine.ts';
import { createSystemPool } from '../orchestrator/system-pool.ts';
import { orderToDeliveryV1 } from '../orchestrator/workflows/order-to-delivery/index.ts';
import { stackUp } from '../stack/stack.ts';
import { databaseUrlFor, dropDatabase, ensureDatabase } from '../store/database.ts';
import { percentiles, pgTransactions, postgresBackendCpu, postgresCpuBetween } from './workflow-steps.ts';

quietKnownWarnings();
const { values: args } = parseArgs({
  options: {
    workflows: { type: 'string', default: '1000' },
    inflight: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '50' },
    pool: { type: 'string' },
    'orchestrator-config': { type: 'boolean' },
    orchestrator: { type: 'boolean' },
    router: { type: 'boolean' },
    server: { type: 'string' },
    prepared: { type: 'boolean' },
    'custom-plans': { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const TOTAL = Number(args.workflows);
const IN_FLIGHT = Number(args.inflight);
const WARMUP = Number(args.warmup);
const say = (line: string) => process.stderr.write(`${line}\n`);

const step = (n: number) => async () => ({ step: n, at: 'instant' });
const sixSteps = DBOS.registerWorkflow(
  async (id: string) => {
    let last: unknown;
    for (let n = 1; n <= 6; n++) last = await DBOS.runStep(step(n), { name: `step-${n}` });
    return { id, last };
  },
  { name: 'bench-bare-six-steps' },
);

const stack = await stackUp(say);
const serverUrl = args.server ?? stack.databaseUrl;
const run = randomUUID().slice(0, 8);
const database = `eai_bench_dbos_bare_${run}`;
const url = databaseUrlFor(serverUrl, database);
const pool = args.pool === undefined ? undefined : Number(args.pool);
let stop: () => Promise<void>;
if (args.orchestrator || args.router) {
  const orchestrator = await startOrchestrator(
    {
      databaseUrl: serverUrl,
      database,
      executorId: `bench-${run}`,
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: `bench-${run}-router`,
      routerFromBeginning: false,
      databasePreparedStatements: Boolean(args.prepared),
      ...(pool === undefined ? {} : { databasePoolSize: pool }),
    },
    { definitions: [orderToDeliveryV1()], logger: pino({ level: 'warn' }), router: Boolean(args.router) },
  );
  stop = () => orchestrator.stop();
} else {
  await ensureDatabase(serverUrl, database);
  const systemDatabasePool = args.prepared
    ? createSystemPool({
        url: args['custom-plans'] ? withOptions(url, '-c plan_cache_mode=force_custom_plan') : url,
        size: pool ?? 10,
        applicationName: 'dbos-bare',
        prepared: true,
        onError: () => undefined,
      })
    : undefined;
  DBOS.setConfig({
    ...(systemDatabasePool ? { systemDatabasePool } : {}),
    name: 'dbos-bare',
    systemDatabaseUrl: args['orchestrator-config'] ? withIdleTransactionTimeout(url) : url,
    ...(pool === undefined ? {} : { systemDatabasePoolSize: pool }),
    ...(args['orchestrator-config']
      ? { applicationVersion: 'eai-orchestrator-1', executorID: `bench-${run}`, logLevel: 'warn' }
      : {}),
  });
  await DBOS.launch();
  stop = async () => {
    await DBOS.shutdown();
    await systemDatabasePool?.end();
  };
}
function withOptions(url: string, options: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', options);
  return parsed.toString();
}

const probe = new pg.Pool({ connectionString: url, max: 1 });

/** System CPU ms of the database's PostgreSQL backends so far (of the total postgresBackendCpu counts): WAL flushes. */
async function backendSystemMs(): Promise<number> {
  const { rows } = await probe.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database()',
  );
  let ms = 0;
  for (const { pid } of rows) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      ms += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) * 10;
    } catch {}
  }
  return ms;
}

async function drive(prefix: string, total: number, inFlight: number) {
  const latencies: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const id = `${prefix}-${next++}`;
      const t0 = performance.now();
      const handle = await DBOS.startWorkflow(sixSteps, { workflowID: id })(id);
      await handle.getResult();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  return latencies;
}

try {
  if (WARMUP > 0) await drive(`warm-${run}`, WARMUP, WARMUP);
  const txBefore = await pgTransactions(probe);
  const pgBefore = await postgresBackendCpu(probe);
  const sysBefore = await backendSystemMs();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const latencies = await drive(`run-${run}`, TOTAL, IN_FLIGHT);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const pgMs = postgresCpuBetween(pgBefore, await postgresBackendCpu(probe));
  const sysMs = (await backendSystemMs()) - sysBefore;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const tx = (await pgTransactions(probe)) - txBefore;
  const { p50Ms, p99Ms } = percentiles(latencies);
  const report = {
    setup: args.router
      ? 'orchestrator + router'
      : args.orchestrator
        ? 'orchestrator, no router'
        : args.prepared
          ? `plain DBOS, prepared statements${args['custom-plans'] ? ', custom plans' : ''}`
          : args['orchestrator-config']
            ? "plain DBOS, the orchestrator's config"
            : 'plain DBOS, defaults',
    pool: pool ?? 10,
    workflows: TOTAL,
    inFlight: IN_FLIGHT,
    workflowsPerSecond: Number((TOTAL / seconds).toFixed(1)),
    p50Ms,
    p99Ms,
    nodeCpuMsPerWorkflow: Number(((used.user + used.system) / 1000 / TOTAL).toFixed(2)),
    postgresCpuMsPerWorkflow: pgMs === undefined ? undefined : Number((pgMs / TOTAL).toFixed(2)),
    postgresSystemCpuMsPerWorkflow: Number((sysMs / TOTAL).toFixed(2)),
    pgTransactionsPerWorkflow: Number((tx / TOTAL).toFixed(1)),
    load,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else
    process.stdout.write(
      `${report.setup} (pool ${report.pool}): ${report.workflowsPerSecond} workflows/s, p50 ${p50Ms} ms, p99 ${p99Ms} ms, ` +
        `CPU ${report.nodeCpuMsPerWorkflow} ms Node + ${report.postgresCpuMsPerWorkflow} ms PostgreSQL per workflow (system ${report.postgresSystemCpuMsPerWorkflow}), ` +
        `${report.pgTransactionsPerWorkflow} PostgreSQL transactions per workflow, load ${load}\n`,
    );
} finally {
  await probe.end();
  await stop();
  await dropDatabase(serverUrl, database);
}
