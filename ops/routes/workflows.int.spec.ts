import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../bus/index.ts';
import { withoutValueMarks } from '../../lib/errors.ts';
import {
  type Orchestrator,
  SignalPending,
  SignalRefused,
  signalWorkflow,
  startOrchestrator,
} from '../../orchestrator/index.ts';
import {
  type OrderOutcome,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from '../../orchestrator/workflows/order-to-delivery/index.ts';
import {
  type InstantResponders,
  startInstantResponders,
} from '../../orchestrator/workflows/order-to-delivery/instant-responders.ts';
import {
  provisionTestTopics,
  salesOrderEvent,
  seedCustomers,
} from '../../orchestrator/workflows/order-to-delivery/test-support.ts';
import { startSap } from '../../simulators/sap/test-support.ts';
import { dropDatabase } from '../../store/database.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { resultWhenEnded } from '../../tests/workflow-result.ts';
import { createAdminApi, hashToken, newToken } from '../api/index.ts';
import { startOpsServer } from '../server.ts';
import { postgresBackend } from './postgres.ts';
import { registerWorkflowRoutes } from './workflows.ts';

const tokens = { viewer: newToken(), operator: newToken() };
const stack = testStack();
const database = unique('eai_orch_rest').replaceAll('-', '_');
const bus = testBus();
let sap: Awaited<ReturnType<typeof startSap>>;
let orchestrator: Orchestrator;
let responders: InstantResponders;
let publisher: Publisher & { close(): Promise<void> };
let topics: OrderToDeliveryTopics;
let customers: { good: string; blocked: string };
let server: Awaited<ReturnType<typeof startOpsServer>>;
let document: object;
const silent = new Set<string>();
/** Instances held before their credit-hold step (so signals sent meanwhile stay unread), and their release. */
const held = new Map<
  string,
  { step: string; reached: boolean; release: () => void; released: Promise<void> }
>();
function hold(id: string, step = 'erp-credit-hold') {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entry = { step, reached: false, release, released };
  held.set(id, entry);
  return entry;
}

beforeAll(async () => {
  sap = await startSap();
  customers = await seedCustomers(sap.sim.url);
  topics = await provisionTestTopics(bus, unique('t-rest'));
  orchestrator = await startOrchestrator(
    {
      databaseUrl: stack.databaseUrl,
      database,
      executorId: 'rest-spec',
      brokers: stack.brokers,
      registryUrl: stack.registryUrl,
      routerGroup: unique('rest-router'),
      sapUrl: sap.sim.url,
    },
    // Every shipped version, as a deployment ships them: new instances start on the latest.
    {
      definitions: orderToDeliveryDefinitions(topics),
      stepRetry: { maxAttempts: 2, intervalSeconds: 0.05 },
      beforeStep: async (workflowId, step) => {
        const entry = held.get(workflowId);
        if (entry?.step !== step) return;
        entry.reached = true;
        await entry.released;
      },
    },
  );
  responders = await startInstantResponders(bus, {
    groupId: unique('rest-responders'),
    topics,
    silent: (orderId, answer) => answer === 'asn' && silent.has(orderId),
  });
  publisher = await bus.publisher();
  const api = createAdminApi({
    logger: pino({ level: 'silent' }),
    tokens: [
      { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
      { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
    ],
  });
  registerWorkflowRoutes(api, {
    definitions: orchestrator.definitions,
    database: postgresBackend(stack.databaseUrl, 'the workflows'),
  });
  server = await startOpsServer({ checks: {}, api });
  document = (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
});

afterAll(async () => {
  await server?.close();
  await publisher?.close();
  await responders?.stop();
  await orchestrator?.stop();
  await sap?.close();
  await dropDatabase(stack.databaseUrl, database);
});

async function call(
  method: 'get' | 'post',
  template: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${url}`, {
    method: method.toUpperCase(),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = (await response.json()) as unknown;
  assertConformsToOpenApi(document, { method, path: template, status: response.status, body });
  return { status: response.status, body: body as Record<string, unknown> & unknown[] };
}

const path = (id: string, rest = '') => `/workflows/${encodeURIComponent(id)}${rest}`;

describe('workflow routes of the admin API', () => {
  it('lists instances and shows one with its timeline; needs a token', async () => {
    const orderId = unique('sap:rest-done');
    const id = workflowIdOf(orderId);
    await publisher.publish([
      salesOrderEvent(topics, orderId, customers.good, { correlationId: 'corr-rest' }),
    ]);
    await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000);
    expect((await call('get', '/workflows', '/workflows')).status).toBe(401);
    const list = await call('get', '/workflows', '/workflows?type=order-to-delivery&status=COMPLETED', {
      token: tokens.viewer,
    });
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual(
      expect.objectContaining({
        id,
        type: 'order-to-delivery',
        status: 'COMPLETED',
        correlationId: 'corr-rest',
      }),
    );
    // When it ended is DBOS's record of its end (completed_at), not updatedAt, which its bookkeeping moves.
    const listed = (list.body as Array<{ id: string; startedAt: string; endedAt: string | null }>).find(
      (i) => i.id === id,
    )!;
    const { rows } = await orchestrator.pool.query<{ completed_at: string }>(
      'select completed_at from dbos.workflow_status where workflow_uuid = $1',
      [id],
    );
    expect(listed.endedAt).toBe(new Date(Number(rows[0]!.completed_at)).toISOString());
    expect(Date.parse(listed.endedAt!)).toBeGreaterThanOrEqual(Date.parse(listed.startedAt));
    // A run that finished before DBOS recorded completed_at (an older row) has none: it still has an end, its row's
    // updated_at (written with its outcome), in the list and in show. It used to be null, as if in flight.
    const { rows: older } = await orchestrator.pool.query<{ updated_at: string }>(
      'update dbos.workflow_status set completed_at = null where workflow_uuid = $1 returning updated_at',
      [id],
    );
    const endOfOlder = new Date(Number(older[0]!.updated_at)).toISOString();
    const relisted = await call('get', '/workflows', '/workflows?type=order-to-delivery&status=COMPLETED', {
      token: tokens.viewer,
    });
    expect(
      (relisted.body as Array<{ id: string; endedAt: string | null }>).find((i) => i.id === id)?.endedAt,
    ).toBe(endOfOlder);
    expect((await call('get', '/workflows/{id}', path(id), { token: tokens.viewer })).body.endedAt).toBe(
      endOfOlder,
    );
    const one = await call('get', '/workflows/{id}', path(id), { token: tokens.viewer });
    expect(one.status).toBe(200);
    expect((one.body.timeline as Array<{ name: string }>).map((t) => t.name)).toContain(
      'erp-shipped+crm-status',
    );
    expect(
      (await call('get', '/workflows/{id}', path('order-to-delivery:nope'), { token: tokens.viewer })).status,
    ).toBe(404);
    // A type no definition has (a typo) is refused naming the types, not answered with no instances.
    const typo = await call('get', '/workflows', '/workflows?type=order-to-deliveries', {
      token: tokens.viewer,
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatch(
      /no workflow type "order-to-deliveries" \(the types: .*order-to-delivery/,
    );
  });

  it('a signal from an operator moves a credit hold on; a viewer may not send one', async () => {
    const orderId = unique('sap:rest-hold');
    const id = workflowIdOf(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.status === 'WAITING',
      20_000,
    );
    const template = '/workflows/{id}/signals/{name}';
    const url = path(id, '/signals/approve-credit');
    expect((await call('post', template, url, { token: tokens.viewer, body: {} })).status).toBe(403);
    // A typo is refused with the signals the definition takes, not answered 202 and left unread in the inbox.
    const typo = await call('post', template, path(id, '/signals/aprove-credit'), {
      token: tokens.operator,
      body: {},
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toBe(
      'order-to-delivery@7 takes no signal "aprove-credit" (it takes approve-credit, reject-credit)',
    );
    expect(typo.body.details).toEqual([
      { in: 'params', path: 'name', message: 'one of approve-credit, reject-credit' },
    ]);
    expect((await orchestrator.state(id))?.status).toBe('WAITING');
    const waiting = await call('get', '/workflows/{id}', path(id), { token: tokens.viewer });
    expect(waiting.body.endedAt).toBeNull();
    expect((await call('post', template, url, { token: tokens.operator, body: { by: 'desk' } })).status).toBe(
      202,
    );
    expect((await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).outcome).toBe('COMPLETED');
    // Finished: nothing would read it.
    const late = await call('post', template, url, { token: tokens.operator, body: {} });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe(`workflow ${id} has finished (COMPLETED): no signal is read`);
  });

  it('a wait takes one decision: a second credit signal while the first is unread is refused, naming it', async () => {
    const orderId = unique('sap:rest-twice');
    const id = workflowIdOf(orderId);
    const entry = hold(id);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor('the credit-hold step', async () => entry.reached, 20_000);
    const template = '/workflows/{id}/signals/{name}';
    const approve = path(id, '/signals/approve-credit');
    const reject = path(id, '/signals/reject-credit');
    // Two at once (two hubs, two operators): the check and the send are one decision under a lock, so one wins.
    const both = await Promise.all(
      [approve, reject].map((url) => call('post', template, url, { token: tokens.operator, body: {} })),
    );
    expect(both.map((answer) => answer.status).sort()).toEqual([202, 409]);
    const won = both[0]!.status === 202 ? 'approve-credit' : 'reject-credit';
    // Neither a conflicting decision nor the same one again: the first is not read yet (the instance is held).
    const unread = new RegExp(
      `^workflow .+: ${won} was sent at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z by oncall and is not read yet; await-credit-approval takes one decision, so (reject|approve)-credit is refused`,
    );
    for (const url of [reject, approve]) {
      const second = await call('post', template, url, {
        token: tokens.operator,
        body: { reason: 'overdue' },
      });
      expect(second.status).toBe(409);
      expect(second.body.error).toMatch(unread);
    }
    entry.release();
    const outcome = (await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000)).outcome;
    expect(outcome).toBe(won === 'approve-credit' ? 'COMPLETED' : 'COMPENSATED');
    // Nothing stray: one credit signal was ever received.
    const shown = await call('get', '/workflows/{id}', path(id), { token: tokens.operator });
    const received = (shown.body.timeline as Array<{ name: string; output: unknown }>)
      .filter((t) => t.name === 'DBOS.recv')
      .map((t) => JSON.stringify(t.output));
    expect(received.filter((r) => r.includes('signal.')).length).toBe(1);
  });

  it('a credit signal right after the wait took its decision is refused, while the instance is on its way', async () => {
    const orderId = unique('sap:rest-taken');
    const id = workflowIdOf(orderId);
    const entry = hold(id, 'erp-confirm');
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor(
      'the credit hold',
      async () => (await orchestrator.state(id))?.status === 'WAITING',
      20_000,
    );
    const template = '/workflows/{id}/signals/{name}';
    expect(
      (
        await call('post', template, path(id, '/signals/approve-credit'), {
          token: tokens.operator,
          body: {},
        })
      ).status,
    ).toBe(202);
    // The instance took the approve and is held at the confirmation (RUNNING): a reject now would never be read.
    await waitFor('the confirmation', async () => entry.reached, 20_000);
    const late = await call('post', template, path(id, '/signals/reject-credit'), {
      token: tokens.operator,
      body: { reason: 'overdue' },
    });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatch(
      /^workflow .+: approve-credit was sent at \S+ by oncall and await-credit-approval took it: the wait has its decision, so reject-credit is refused/,
    );
    entry.release();
    expect((await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000)).outcome).toBe('COMPLETED');
  });

  it('signalWorkflow called directly, not through the route, is guarded alike: one decision per wait, none once finished', async () => {
    const orderId = unique('sap:rest-direct');
    const id = workflowIdOf(orderId);
    const entry = hold(id);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
    await waitFor('the credit-hold step', async () => entry.reached, 20_000);
    const send = (name: string, data: unknown = {}) =>
      signalWorkflow(orchestrator.definitions, id, name, data, { signalId: unique('direct'), by: 'script' });
    await send('approve-credit');
    // A second decision for the same wait, unread: refused as the route refuses it (it used to be sent, and lie in
    // the inbox for a later wait).
    const second = await send('reject-credit', { reason: 'overdue' }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(SignalPending);
    expect((second as Error).message).toMatch(
      /^workflow .+: approve-credit was sent at \S+ by script and is not read yet; await-credit-approval takes one decision, so reject-credit is refused/,
    );
    const typo = await send('aprove-credit').catch((error: unknown) => error);
    expect(typo).toMatchObject({ kind: 'not-taken', takes: ['approve-credit', 'reject-credit'] });
    entry.release();
    expect((await resultWhenEnded<OrderOutcome>(orchestrator, id, 30_000)).outcome).toBe('COMPLETED');
    const late = await send('approve-credit').catch((error: unknown) => error);
    expect(late).toBeInstanceOf(SignalRefused);
    expect((late as Error).message).toBe(`workflow ${id} has finished (COMPLETED): no signal is read`);
    const none = await signalWorkflow(
      orchestrator.definitions,
      `${id}-nope`,
      'approve-credit',
      {},
      {
        signalId: unique('direct'),
      },
    ).catch((error: unknown) => error);
    expect(none).toMatchObject({ kind: 'unknown', message: `no workflow ${id}-nope` });
    // One credit signal was ever received.
    const shown = await call('get', '/workflows/{id}', path(id), { token: tokens.operator });
    const received = (shown.body.timeline as Array<{ name: string; output: unknown }>)
      .filter((t) => t.name === 'DBOS.recv')
      .map((t) => JSON.stringify(t.output));
    expect(received.filter((r) => r.includes('signal.')).length).toBe(1);
  });

  it('cancel compensates a waiting instance; a finished one answers 409, as does retry of one not parked', async () => {
    const orderId = unique('sap:rest-cancel');
    const id = workflowIdOf(orderId);
    silent.add(orderId);
    await publisher.publish([salesOrderEvent(topics, orderId, customers.good)]);
    // Version 5 waits for the despatch request's receipt first; no logistics sink answers here.
    await waitFor(
      'the despatch wait',
      async () => (await orchestrator.state(id))?.step === 'await-despatch-receipt',
      20_000,
    );
    // Past the credit wait: an approve-credit would never be read (it was answered 202).
    const unread = await call('post', '/workflows/{id}/signals/{name}', path(id, '/signals/approve-credit'), {
      token: tokens.operator,
      body: {},
    });
    expect(unread.status).toBe(409);
    expect(unread.body.error).toBe(
      `workflow ${id} waits at await-despatch-receipt, which reads no approve-credit (await-credit-approval does): the signal would not be read`,
    );
    expect(
      (await call('post', '/workflows/{id}/retry', path(id, '/retry'), { token: tokens.operator })).status,
    ).toBe(409);
    const cancel = await call('post', '/workflows/{id}/cancel', path(id, '/cancel'), {
      token: tokens.operator,
      body: { reason: 'customer called' },
    });
    expect(cancel.status).toBe(202);
    const cancelled = await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000);
    expect(cancelled).toMatchObject({
      outcome: 'CANCELLED',
      compensated: ['logistics-despatch', 'erp-confirm'],
    });
    // Who cancelled and why, as the operator said it (it read only "interrupted by operator.cancel"); the operator's
    // words are marked as a value: a viewer reads who, not what was said.
    expect(withoutValueMarks(cancelled.reason!)).toBe(
      'interrupted by operator.cancel: customer called (oncall)',
    );
    const shown = await call('get', '/workflows/{id}', path(id), { token: tokens.viewer });
    expect(shown.body.detail).toBe('interrupted by operator.cancel: "…" (oncall)');
    const operatorShown = await call('get', '/workflows/{id}', path(id), { token: tokens.operator });
    expect(operatorShown.body.detail).toBe('interrupted by operator.cancel: customer called (oncall)');
    const again = await call('post', '/workflows/{id}/cancel', path(id, '/cancel'), {
      token: tokens.operator,
      body: {},
    });
    expect(again.status).toBe(409);
  });

  it('a status filter finds instances behind newer ones of another status, up to the limit', async () => {
    const done = workflowIdOf(unique('sap:rest-older'));
    await publisher.publish([
      salesOrderEvent(topics, done.slice('order-to-delivery:'.length), customers.good),
    ]);
    await resultWhenEnded<OrderOutcome>(orchestrator, done, 30_000);
    const held = [unique('sap:rest-newer'), unique('sap:rest-newer')].map(workflowIdOf);
    for (const id of held) {
      await publisher.publish([
        salesOrderEvent(topics, id.slice('order-to-delivery:'.length), customers.blocked),
      ]);
      await waitFor(
        'the credit hold',
        async () => (await orchestrator.state(id))?.status === 'WAITING',
        20_000,
      );
    }
    // The newest instance is WAITING: the newest COMPLETED one is still found (it used to be looked for among the
    // newest `limit` instances only, so an operator's `--status PARKED` missed a parked instance behind newer ones).
    const completed = await call('get', '/workflows', '/workflows?status=COMPLETED&limit=1', {
      token: tokens.viewer,
    });
    expect(completed.body).toEqual([expect.objectContaining({ id: done, status: 'COMPLETED' })]);
    const waiting = await call('get', '/workflows', '/workflows?status=WAITING&limit=2', {
      token: tokens.viewer,
    });
    expect((waiting.body as Array<{ id: string }>).map((i) => i.id)).toEqual([...held].reverse());
  });

  it('retries every parked instance that matches after an outage; a dry run lists them and changes nothing', async () => {
    // SAP's credit check down: each new order parks at it (its system unavailable through the retries).
    await sap.call('POST', '/sim/faults', [{ kind: 'error', status: 503, path: '/sap/credit-check' }]);
    const ids = [unique('sap:rest-outage-1'), unique('sap:rest-outage-2')].map((orderId) => ({
      orderId,
      id: workflowIdOf(orderId),
    }));
    await publisher.publish(ids.map(({ orderId }) => salesOrderEvent(topics, orderId, customers.good)));
    for (const { id } of ids)
      await waitFor(
        'the parked instance',
        async () => (await orchestrator.state(id))?.status === 'PARKED',
        20_000,
      );
    const step = (await orchestrator.state(ids[0]!.id))!.step!;
    const template = '/workflows/retry';
    expect((await call('post', template, template, { token: tokens.viewer, body: {} })).status).toBe(403);
    // A key the bulk retry does not know is refused: dropped, it retried every parked instance.
    const unknown = await call('post', template, template, {
      token: tokens.operator,
      body: { ids: [ids[0]!.id] },
    });
    expect([unknown.status, unknown.body.details]).toEqual([
      400,
      [{ in: 'body', path: 'ids', message: 'unknown key' }],
    ]);
    expect((await orchestrator.state(ids[0]!.id))?.status).toBe('PARKED');
    const dry = await call('post', template, template, {
      token: tokens.operator,
      body: { step, dryRun: true },
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ matched: 2, failed: [], dryRun: true });
    expect([...(dry.body.retried as string[])].sort()).toEqual(ids.map(({ id }) => id).sort());
    expect((await orchestrator.state(ids[0]!.id))?.status).toBe('PARKED');
    const elsewhere = await call('post', template, template, {
      token: tokens.operator,
      body: { step: 'no-such-step' },
    });
    expect(elsewhere.body).toMatchObject({ matched: 0, retried: [] });
    const typo = await call('post', template, template, {
      token: tokens.operator,
      body: { type: 'order-to-deliveries' },
    });
    expect([typo.status, typo.body.details]).toEqual([
      400,
      [expect.objectContaining({ in: 'body', path: 'type' })],
    ]);

    await sap.call('DELETE', '/sim/faults');
    const retry = await call('post', template, template, { token: tokens.operator, body: { step } });
    expect(retry.body).toMatchObject({ matched: 2, failed: [], dryRun: false });
    for (const { id } of ids)
      expect((await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).outcome).toBe('COMPLETED');
  });

  it('a parked instance takes no signal: 409 naming PARKED and what to do; after the retry its wait decides afresh', async () => {
    // SAP's credit check down through the retries: the blocked customer's order parks at the check.
    await sap.call('POST', '/sim/faults', [{ kind: 'error', status: 503, path: '/sap/credit-check' }]);
    const orderId = unique('sap:rest-parked-signal');
    const id = workflowIdOf(orderId);
    try {
      await publisher.publish([salesOrderEvent(topics, orderId, customers.blocked)]);
      await waitFor(
        'the parked instance',
        async () => (await orchestrator.state(id))?.status === 'PARKED',
        20_000,
      );
      const step = (await orchestrator.state(id))!.step!;
      // It used to be answered 202 and kept: the wait after the retry took it, and the order went on approved.
      const late = await call('post', '/workflows/{id}/signals/{name}', path(id, '/signals/approve-credit'), {
        token: tokens.operator,
        body: {},
      });
      expect(late.status).toBe(409);
      expect(late.body.error).toMatch(
        new RegExp(
          `^workflow ${id} is PARKED at ${step.replace(/[+]/g, '\\+')}.*: it reads no signal until it is retried or cancelled, so approve-credit is refused; retry it \\(eai workflows retry ${id}\\) and send approve-credit once it waits at await-credit-approval, or cancel it`,
        ),
      );
      const direct = await signalWorkflow(
        orchestrator.definitions,
        id,
        'reject-credit',
        {},
        {
          signalId: unique('direct'),
        },
      ).catch((error: unknown) => error);
      expect(direct).toMatchObject({ kind: 'not-read', message: expect.stringContaining('is PARKED at') });
      await sap.call('DELETE', '/sim/faults');
      expect(
        (await call('post', '/workflows/{id}/retry', path(id, '/retry'), { token: tokens.operator })).status,
      ).toBe(202);
      // The check runs again and blocks: the instance waits for a decision, none is waiting for it in its inbox.
      await waitFor(
        'the credit hold after the retry',
        async () => (await orchestrator.state(id))?.status === 'WAITING',
        20_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await orchestrator.state(id)).toMatchObject({
        status: 'WAITING',
        step: 'await-credit-approval',
      });
      expect(
        (
          await call('post', '/workflows/{id}/signals/{name}', path(id, '/signals/reject-credit'), {
            token: tokens.operator,
            body: { reason: 'overdue' },
          })
        ).status,
      ).toBe(202);
      expect((await resultWhenEnded<OrderOutcome>(orchestrator, id, 20_000)).outcome).toBe('COMPENSATED');
    } finally {
      await sap.call('DELETE', '/sim/faults');
    }
  });

  it('lists the definitions with their Mermaid graphs', async () => {
    const { status, body } = await call('get', '/workflow-definitions', '/workflow-definitions', {
      token: tokens.viewer,
    });
    expect(status).toBe(200);
    // Every version takes the signals: each declares what its predecessor did (nextVersion).
    expect(body).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((version) =>
        expect.objectContaining({
          name: `order-to-delivery@${version}`,
          version,
          signals: ['approve-credit', 'reject-credit'],
        }),
      ),
    );
    expect((body[0] as { graph: string }).graph).toMatch(/^flowchart TD/);
  });
});
