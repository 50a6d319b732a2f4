import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { dropDatabase } from '../store/database.ts';
import { testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { defineWorkflow } from './definitions.ts';
import { type Orchestrator, startOrchestrator } from './engine.ts';
import { showInstance } from './operators.ts';

/**
 * PostgreSQL's refusal of a document's value on DBOS's own connections (its system database pool): a step's SQL that
 * breaks a unique key (`Key (email)=(jane.roe@example.com) already exists.`) reaches the workflow's error, its step's,
 * and the logs with the value marked, as on the hub's own pools (store/pool.ts).
 */
const stack = testStack();
const database = unique('eai_orch_values').replaceAll('-', '_');
const lines: string[] = [];
let orchestrator: Orchestrator | undefined;

/** A step's SQL on DBOS's own pool (the one DBOS was given, as every DBOS query runs on it), failing on a value. */
const drill = defineWorkflow<{ sql: string; value: string }, void>({
  type: 'database-values-drill',
  version: 1,
  description: "A step whose SQL PostgreSQL refuses for a customer's value, on DBOS's pool (tests).",
  steps: ['insert-customer'],
  graph: 'flowchart TD\n  start --> insert',
  topics: [],
  route: () => [],
  workflow: async ({ sql, value }) => {
    await DBOS.runStep(
      async () => {
        await orchestrator!.systemPool.query(sql, [value]);
      },
      { name: 'insert-customer' },
    );
  },
});

/** The error a workflow ended with, once it ended. */
async function failure(id: string, input: { sql: string; value: string }) {
  await orchestrator!.start('database-values-drill', id, input);
  await waitFor('the workflow failed', async () => (await DBOS.getWorkflowStatus(id))?.status === 'ERROR');
  return (await DBOS.getWorkflowStatus(id))!.error as { message: string; detail?: string };
}

beforeAll(async () => {
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'database-values-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: `${database}-router`,
    },
    {
      definitions: [drill],
      router: false,
      logger: createLogger('database-values-spec', 'info', { write: (line: string) => lines.push(line) }),
    },
  );
  await orchestrator.systemPool.query('create table values_drill (email text primary key)');
});

afterAll(async () => {
  await orchestrator?.stop();
  await dropDatabase(stack.databaseUrl, database);
});

describe("PostgreSQL's refusals of a value on DBOS's connections", () => {
  it("marks the value in a step's failing SQL: the workflow's error, its detail, the step's error, the logs", async () => {
    const id = 'database-values-drill:duplicate';
    const error = await failure(id, {
      sql: 'insert into values_drill (email) values ($1), ($1)',
      value: 'jane.roe@example.com',
    });
    expect(error.message).toBe('duplicate key value violates unique constraint "values_drill_pkey"');
    expect(withoutDocumentValues(error.detail ?? '')).toBe('Key (email)=("…") already exists.');
    expect(withoutValueMarks(error.detail ?? '')).toBe('Key (email)=(jane.roe@example.com) already exists.');

    const cast = await failure('database-values-drill:integer', {
      sql: 'select $1::int',
      value: 'Jane Roe',
    });
    expect(withoutDocumentValues(cast.message)).toBe('invalid input syntax for type integer: "…"');
    // What GET /workflows/{id} serves from (ops/api/roles.ts messageFor): a viewer reads "…", an operator the value.
    const instance = (await showInstance('database-values-drill:integer'))!;
    expect(instance.status).toBe('FAILED');
    expect(withoutDocumentValues(instance.error!)).toBe('invalid input syntax for type integer: "…"');
    expect(instance.timeline.map((step) => [step.name, withoutDocumentValues(step.error!)])).toEqual([
      ['insert-customer', 'invalid input syntax for type integer: "…"'],
    ]);
    expect(withoutValueMarks(instance.error!)).toBe('invalid input syntax for type integer: "Jane Roe"');
    // DBOS logs the step's error through the hub's logger, which shows the marked value as "…".
    const logged = lines.filter((line) => line.includes('invalid input syntax'));
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toMatch(/jane\.roe|Jane Roe/);
  });
});
