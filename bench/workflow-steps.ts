// Per-step timings of bench:workflows (not a benchmark of its own), read after the run from DBOS's own checkpoint
// records in the orchestrator database (`dbos.operation_outputs`: started / completed per operation, and
// `dbos.workflow_status.created_at`), so the measured run pays nothing for them.

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
  /** Per instance: the time between one operation's completion and the next one's start (checkpoint + scheduling). */
  gapsPerWorkflow: Percentiles;
  /** Per instance: the sum of operation durations. */
  stepsPerWorkflow: Percentiles;
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
      gap += Math.max(0, started - previous);
      sum += completed - started;
      previous = completed;
    }
    gaps.push(gap);
    sums.push(sum);
  }
  // `DBOS.recv` is the first of its name in each instance; keep single ones without an ordinal.
  const named = [...steps].map(([name, values]) =>
    steps.has(`${name}#2`) && !name.includes('#') ? [`${name}#1`, values] : [name, values],
  );
  return {
    start: percentiles(starts),
    steps: Object.fromEntries(named.map(([name, values]) => [name, percentiles(values as number[])])),
    gapsPerWorkflow: percentiles(gaps),
    stepsPerWorkflow: percentiles(sums),
  };
}
