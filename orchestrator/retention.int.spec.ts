import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../store/database.ts';
import { testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { defineWorkflow } from './definitions.ts';
import { type Orchestrator, startOrchestrator } from './engine.ts';

/**
 * Retention: `prune` deletes every finished instance past the retention, round after round. It used to delete one
 * round (1,000) an hour, so a hub that finished more than that an hour kept a growing history (a soak of the demo:
 * about 3,600 finished an hour, DBOS's tables at 128 MB after 15 minutes).
 */
const stack = testStack();
const database = unique('eai_orch_retention').replaceAll('-', '_');
let orchestrator: Orchestrator | undefined;

const quick = defineWorkflow<{ n: number }, { n: number }>({
  type: 'retention-drill',
  version: 1,
  description: 'A workflow that ends at once (tests).',
  steps: [],
  graph: 'flowchart TD\n  start --> done',
  topics: [],
  route: () => [],
  workflow: async ({ n }) => ({ n }),
});

beforeAll(async () => {
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'retention-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: `${database}-router`,
    },
    { definitions: [quick], router: false },
  );
});

afterAll(async () => {
  await orchestrator?.stop();
  await dropDatabase(stack.databaseUrl, database);
});

describe('orchestrator retention', () => {
  it('deletes every finished instance past the retention, more than one batch of them, and keeps the newer', async () => {
    const ids = Array.from({ length: 7 }, (_, n) => `retention-drill:${n}`);
    for (const [n, id] of ids.entries()) await orchestrator!.start('retention-drill', id, { n });
    await waitFor(
      'the instances finished',
      async () => (await DBOS.listWorkflows({ status: 'SUCCESS' })).length === ids.length,
    );
    // Nothing is old enough for the default retention (30 days).
    expect(await orchestrator!.prune()).toBe(0);
    // Batches of 3: three rounds (3, 3, 1) in one run; before, one round of 3 and 4 kept until the next hour.
    expect(await orchestrator!.prune(0, 3)).toBe(ids.length);
    expect(await DBOS.listWorkflows({})).toEqual([]);
    const { rows } = await orchestrator!.pool.query(
      'select count(*)::int as n from eai_orchestrator.instance_states where workflow_id = any($1::text[])',
      [ids],
    );
    expect(rows[0].n).toBe(0);
  });
});
