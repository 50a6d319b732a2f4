// Per-step timings of bench:workflows (not a benchmark of its own), read after the run from DBOS's own checkpoint
// records in the orchestrator database (`dbos.operation_outputs`: started / completed per operation, and
// `dbos.workflow_status.created_at`), so the measured run pays nothing for them.

import { readFileSync } from 'node:fs';
import type pg from 'pg';

export interface Percentiles {
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface StepTimings {
  /** Event published → workflow row created (bus, router, DBOS start). */
  start: Percentiles;
  /**
   * Per operation, completed − started. Names are DBOS's (`credit-check`, `DBOS.recv`, `DBOS.setEvent`…);
   * repeated names get their ordinal (`DBOS.recv#2`), so in order-to-delivery `DBOS.recv#1` is await-asn and
   * `DBOS.recv#2` await-delivery.
   */
  steps: Record<string, Percentiles>;
  /** Per operation, the time from the previous one's completion (or the workflow's creation) to its start: the
   * previous checkpoint write, DBOS's pre-step reads and the event loop's queue. Same names as `steps`. */
  gapsBefore: Record<string, Percentiles>;
  /** Per instance: the time between one operation's completion and the next one's start (checkpoint + scheduling). */
  gapsPerWorkflow: Percentiles;
  /** Per instance: the sum of operation durations. */
  stepsPerWorkflow: Percentiles;
  /**
   * Per receive that got a message (`DBOS.recv#n`), split at the message's insert (`notifications.created_at_epoch_ms`,
   * the router's `DBOS.send`): `arrived` from the receive's start to the insert (the command's and the answer's way
   * over the bus and through the router; 0 when it was there first), `woken` from the insert to the receive's end
   * (DBOS's notification, its polling limiter and the consuming transaction).
   */
  receives: Record<string, { arrived: Percentiles; woken: Percentiles }>;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { count: 0, p50Ms: 0, p99Ms: 0, meanMs: 0 };
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), meanMs: Number(mean.toFixed(1)) };
}

interface Row {
  workflow_uuid: string;
  function_name: string;
  started: string | null;
  completed: string | null;
  created: string;
}

/**
 * Timings of the given instances. `publishedAt` (epoch ms per workflow id) gives the start latency; instances
 * without it are left out of `start`.
 */
export async function stepTimings(
  pool: pg.Pool,
  workflowIds: string[],
  publishedAt: Map<string, number>,
): Promise<StepTimings> {
  const received = await pool.query<{
    workflow_uuid: string;
    function_id: number;
    created: string;
    started: string;
    completed: string;
  }>(
    `select n.destination_uuid as workflow_uuid, n.consumed_by_function_id as function_id,
            n.created_at_epoch_ms as created, o.started_at_epoch_ms as started, o.completed_at_epoch_ms as completed
       from dbos.notifications n
       join dbos.operation_outputs o
         on o.workflow_uuid = n.destination_uuid and o.function_id = n.consumed_by_function_id
      where n.destination_uuid = any($1) and n.consumed
      order by n.destination_uuid, n.consumed_by_function_id`,
    [workflowIds],
  );
  const arrived = new Map<string, number[]>();
  const woken = new Map<string, number[]>();
  let previousWorkflow = '';
  let ordinal = 0;
  for (const row of received.rows) {
    ordinal = row.workflow_uuid === previousWorkflow ? ordinal + 1 : 1;
    previousWorkflow = row.workflow_uuid;
    const name = `DBOS.recv#${ordinal}`;
    const [created, started, completed] = [Number(row.created), Number(row.started), Number(row.completed)];
    arrived.set(name, [...(arrived.get(name) ?? []), Math.max(0, created - started)]);
    woken.set(name, [...(woken.get(name) ?? []), completed - Math.max(created, started)]);
  }
  const receives = Object.fromEntries(
    [...arrived].map(([name, values]) => [
      name,
      { arrived: percentiles(values), woken: percentiles(woken.get(name) ?? []) },
    ]),
  );
  const { rows } = await pool.query<Row>(
    `select o.workflow_uuid, o.function_name, o.started_at_epoch_ms as started,
            o.completed_at_epoch_ms as completed, s.created_at as created
       from dbos.operation_outputs o join dbos.workflow_status s using (workflow_uuid)
      where o.workflow_uuid = any($1)
      order by o.workflow_uuid, o.function_id`,
    [workflowIds],
  );
  const byWorkflow = new Map<string, Row[]>();
  for (const row of rows) {
    const list = byWorkflow.get(row.workflow_uuid) ?? [];
    list.push(row);
    byWorkflow.set(row.workflow_uuid, list);
  }
  const steps = new Map<string, number[]>();
  const gapsBefore = new Map<string, number[]>();
  const gaps: number[] = [];
  const sums: number[] = [];
  const starts: number[] = [];
  for (const [id, ops] of byWorkflow) {
    const created = Number(ops[0]!.created);
    const published = publishedAt.get(id);
    if (published !== undefined) starts.push(created - published);
    const seen = new Map<string, number>();
    let previous = created;
    let gap = 0;
    let sum = 0;
    for (const op of ops) {
      if (op.started === null || op.completed === null) continue;
      const n = (seen.get(op.function_name) ?? 0) + 1;
      seen.set(op.function_name, n);
      const name = n === 1 ? op.function_name : `${op.function_name}#${n}`;
      const started = Number(op.started);
      const completed = Number(op.completed);
      const list = steps.get(name) ?? [];
      list.push(completed - started);
      steps.set(name, list);
      const before = gapsBefore.get(name) ?? [];
      before.push(Math.max(0, started - previous));
      gapsBefore.set(name, before);
      gap += Math.max(0, started - previous);
      sum += completed - started;
      previous = Math.max(previous, completed);
    }
    gaps.push(gap);
    sums.push(sum);
  }
  // `DBOS.recv` is the first of its name in each instance; keep single ones without an ordinal.
  const named = (map: Map<string, number[]>) =>
    Object.fromEntries(
      [...map].map(([name, values]) => [
        steps.has(`${name}#2`) && !name.includes('#') ? `${name}#1` : name,
        percentiles(values),
      ]),
    );
  return {
    start: percentiles(starts),
    steps: named(steps),
    gapsBefore: named(gapsBefore),
    gapsPerWorkflow: percentiles(gaps),
    stepsPerWorkflow: percentiles(sums),
    receives,
  };
}

/**
 * Transactions committed or rolled back in the pool's database so far (pg_stat_database). Backends report their
 * counts when idle (at most every second, at least every 10 s), so this waits until two reads a second apart agree.
 */
export async function pgTransactions(pool: pg.Pool): Promise<number> {
  const read = async () => {
    const client = await pool.connect();
    try {
      await client.query('select pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ n: string }>(
        'select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()',
      );
      return Number(rows[0]?.n ?? 0);
    } finally {
      client.release();
    }
  };
  let last = await read();
  for (let i = 0; i < 12; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await read();
    if (now - last <= 5) return now;
    last = now;
  }
  return last;
}

/**
 * CPU ms (user + system) used so far by each PostgreSQL backend serving the pool's database, by pid, from /proc
 * (the stack's PostgreSQL runs on this machine); null where /proc shows none of them (a remote database). Every
 * connection to the database is counted (DBOS's pool, the orchestrator's, the LISTEN connection): the database is the
 * run's own. A backend that ended between the listing and the read is skipped.
 */
export async function postgresBackendCpu(pool: pg.Pool): Promise<Map<number, number> | null> {
  const { rows } = await pool.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database()',
  );
  const byPid = new Map<number, number>();
  for (const { pid } of rows) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command in parentheses, then: utime is field 14 and stime 15 (clock ticks, 100 per second).
    if (!stat.includes('(postgres)')) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
  }
  return byPid.size ? byPid : null;
}

/** CPU ms the backends used between two reads of `postgresBackendCpu` (a backend that left in between is lost). */
export function postgresCpuBetween(
  before: Map<number, number> | null,
  after: Map<number, number> | null,
): number | undefined {
  if (!before || !after) return undefined;
  let ms = 0;
  for (const [pid, used] of after) ms += used - (before.get(pid) ?? 0);
  return ms;
}
