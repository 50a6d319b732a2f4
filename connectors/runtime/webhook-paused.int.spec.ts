import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';

/**
 * A webhook source an operator paused or stopped answers its senders 503 with Retry-After at once, saying it is paused
 * or stopped, not "has no running instance right now" after waiting 2 s for a status (an outage, read so by the
 * sender's and the hub's operators alike).
 */
describe('a paused or stopped webhook source', () => {
  const bus = testBus('/eai/tests/webhook-paused');
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    await bus.provisionTopics();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: pino({ level: 'silent' }),
      group: unique('connect-webhook-paused'),
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('answers 503 at once, saying it is paused, then stopped; once resumed it takes deliveries again', async () => {
    const name = unique('hook-paused');
    await runtime.put(
      {
        name,
        type: 'webhook-source',
        format: 'sap-idoc-orders05',
        mapping: 'sap/idoc-orders05.to-canonical.yaml',
        config: { signature: { scheme: 'none' } },
      },
      'test',
    );
    const request = {
      method: 'POST',
      path: '/',
      url: `http://127.0.0.1/webhooks/${name}`,
      headers: { 'content-type': 'application/xml' },
      rawBody: Buffer.from('<not-an-idoc/>'),
    };
    await waitFor('the source running', async () => (await runtime.status(name))?.state === 'RUNNING');
    for (const state of ['PAUSED', 'STOPPED'] as const) {
      await runtime.setTargetState(name, state);
      await waitFor(`the source ${state}`, async () => (await runtime.status(name))?.state === state);
      const started = Date.now();
      const answer = await runtime.webhook(name, request);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(answer).toMatchObject({
        status: 503,
        headers: { 'Retry-After': '5' },
        body: {
          error: `connector ${name} is ${state.toLowerCase()}: it takes no deliveries until it is resumed, retry later`,
        },
      });
    }
    await runtime.setTargetState(name, 'RUNNING');
    await waitFor('the source running again', async () => (await runtime.status(name))?.state === 'RUNNING');
    // Taken (and dead-lettered, as it is no IDoc): no longer the operator's 503.
    expect((await runtime.webhook(name, request)).status).not.toBe(503);
  }, 60_000);
});
