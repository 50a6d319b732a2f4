import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startSap } from '../simulators/sap/test-support.ts';
import { dropDatabase } from '../store/database.ts';
import { idocFile, uniqueDocnums } from '../tests/idoc-orders.ts';
import { testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { type Hub, startHub } from './hub.ts';

/**
 * A hub's first start with the orchestrator (a fresh router group, which starts at the end of the canonical topics):
 * the orders its own sources read at once are run. The connectors used to start first, so the orders of files
 * already waiting in the drop folder were on canonical.sales-order before the router fixed its start after them:
 * no workflow, no credit check, no shipment (each `eai demo` run lost the SAP simulator's first file, 3 orders).
 */
const stack = testStack();
const database = unique('eai_orch_first').replaceAll('-', '_');
const dir = mkdtempSync(join(tmpdir(), 'eai-first-orders-'));
let hub: Hub | undefined;
let sap: Awaited<ReturnType<typeof startSap>> | undefined;

afterAll(async () => {
  await hub?.close();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
  rmSync(dir, { recursive: true, force: true });
});

describe('the first start of a hub with the orchestrator', () => {
  it('starts a workflow for the orders its sources read at once', async () => {
    sap = await startSap();
    const drop = join(dir, 'drop');
    const deploy = join(dir, 'deploy');
    mkdirSync(drop);
    mkdirSync(deploy);
    const docnums = uniqueDocnums(2);
    writeFileSync(join(drop, 'orders.xml'), idocFile(...docnums));
    const name = unique('first-orders');
    writeFileSync(
      join(deploy, 'sap-orders.yaml'),
      `name: ${name}\ntype: sap-idoc-file-source\nconfig:\n  dir: ${drop}\n  stableMs: 0\n`,
    );
    hub = await startHub({
      ...stack,
      deployDir: deploy,
      group: unique('connect'),
      logger: pino({ level: 'silent' }),
      tokens: [],
      port: 0,
      orchestrator: {
        executorId: 'first-orders-spec',
        database,
        sapUrl: sap.sim.url,
        routerGroup: `${database}-router`,
        routerFromBeginning: false,
      },
    });
    const running = hub;
    // A first start: the router's group had no offsets and starts at the end of the topic.
    expect(running.orchestrator!.routerStart.find((s) => s.topic === 'canonical.sales-order')?.from).toBe(
      'latest',
    );
    await waitFor(
      'the file read',
      async () => (await running.runtime.status(name))?.metrics.recordsOut === docnums.length,
    );
    for (const docnum of docnums) {
      const id = `order-to-delivery:sap:PO-${docnum}`;
      await waitFor(
        `a workflow for ${docnum}`,
        async () => (await running.orchestrator!.state(id)) !== null,
        20_000,
      );
    }
  });
});
