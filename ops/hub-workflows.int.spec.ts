import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '../store/database.ts';
import { testStack, unique } from '../tests/stack.ts';
import { hashToken, newToken } from './api/index.ts';
import { type Hub, startHub } from './hub.ts';

/** The hub with the orchestrator role: the workflow routes are mounted and readiness lists parked instances. */
const stack = testStack();
const database = unique('eai_orch_hub').replaceAll('-', '_');
const token = newToken();
let hub: Hub;

beforeAll(async () => {
  hub = await startHub({
    ...stack,
    group: unique('connect'),
    logger: pino({ level: 'silent' }),
    tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(token) }],
    port: 0,
    // No router here: a fresh group would replay every order other tests put on canonical.sales-order.
    orchestrator: { executorId: 'hub-spec', database, router: false },
  });
});

afterAll(async () => {
  await hub?.close();
  await dropDatabase(stack.databaseUrl, database);
});

describe('the hub with the orchestrator role', () => {
  it('serves the workflow definitions (complaint-return v1 to v3, order-to-delivery v1 to v6), lists parked workflows in readiness details and counts them in a gauge', async () => {
    const definitions = (await (
      await fetch(`${hub.url}/workflow-definitions`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Array<{ name: string }>;
    expect(definitions.map((d) => d.name)).toEqual([
      'complaint-return@1',
      'complaint-return@2',
      'complaint-return@3',
      'order-to-delivery@1',
      'order-to-delivery@2',
      'order-to-delivery@3',
      'order-to-delivery@4',
      'order-to-delivery@5',
      'order-to-delivery@6',
      'order-to-delivery@7',
    ]);
    const ready = await fetch(`${hub.url}/health/ready`, { headers: { authorization: `Bearer ${token}` } });
    expect(ready.status).toBe(200);
    expect(
      ((await ready.json()) as { details: { parkedWorkflows: string[] } }).details.parkedWorkflows,
    ).toEqual([]);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE eai_workflows_parked gauge$/m);
    // Nothing parked: 0 for each type the hub runs (it had no series, and a dashboard said "no data").
    expect(metrics.split('\n').filter((line) => line.startsWith('eai_workflows_parked{'))).toEqual([
      'eai_workflows_parked{type="complaint-return"} 0',
      'eai_workflows_parked{type="order-to-delivery"} 0',
    ]);
  });
});
