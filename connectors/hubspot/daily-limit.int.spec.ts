import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin } from '../sdk/index.ts';
import { nextMidnight, RESET_MARGIN_MS } from './daily-limit.ts';
import { hubspotUpsertSink } from './index.ts';
import { createHubspotUpsertSink, hubspotUpsertSinkConfig } from './upsert-sink.ts';

const silent = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const ZONE = 'Europe/Paris';

type Effect = { entityId: string; operation: string; detail?: { id?: string } };

/**
 * HubSpot's daily API limit, end to end: the sink's record that meets it waits until midnight in the account's time
 * zone (the clock is moved to 4 s before it, through the plugin), with the runtime's retries bounded (1) and its
 * retry timeout short (1 s): a wait that counted as a failure would dead-letter the record. The simulator lifts the
 * limit meanwhile; the record is applied once, not dead-lettered, and the status said until when it waited.
 */
describe('the HubSpot upsert sink waits out the daily API limit (runtime, real broker)', () => {
  const bus = testBus('/eai/tests/hubspot-daily-limit');
  const sink = unique('hubspot-daily');
  let hs: HubSpotHarness;
  let runtime: ConnectorRuntime;
  /** The sink's clock is this far ahead of the real one. */
  let shift = 0;

  beforeAll(async () => {
    await bus.provisionTopics();
    hs = await startHubSpot();
    const plugins = builtinPlugins.map((plugin) =>
      plugin.type === hubspotUpsertSink.type
        ? definePlugin({
            ...hubspotUpsertSink,
            config: hubspotUpsertSinkConfig,
            createSink: (config, context) =>
              createHubspotUpsertSink(config, context, { now: () => Date.now() + shift }),
          })
        : plugin,
    );
    runtime = new ConnectorRuntime({
      bus,
      plugins,
      logger: silent,
      group: unique('connect-daily'),
      sinkRetry: { retries: 1, initialDelayMs: 50, maxDelayMs: 100 },
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.remove(sink).catch(() => undefined);
    await runtime?.stop();
    await hs?.sim.close();
  });

  it('applies the record once after the wait, never dead-lettered; the status says until when it waits', async () => {
    await hs.json('POST', '/sim/app', { timeZone: ZONE });
    const topic = unique('daily-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    const event = (customerId: string) => ({
      schema: 'CustomerEvent',
      topic,
      value: {
        ...base,
        changeType: 'UPDATED',
        changedFields: ['person.familyName'],
        origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
        customer: {
          ...base.customer,
          customerId,
          sourceIds: [],
          partyType: 'PERSON',
          organizationName: null,
          emails: [],
          person: { title: null, givenName: null, middleName: null, familyName: 'Lovelace' },
        },
      },
    });
    const [first, second] = [`G-${unique('first')}`, `G-${unique('second')}`];
    const metrics = async () => (await runtime.status(sink))?.metrics;
    const effectsOf = async (golden: string) =>
      (await hs.json<{ effects: Effect[] }>('GET', '/sim/effects?entityType=contact')).body.effects.filter(
        (e) => e.detail?.id === golden,
      );

    await runtime.put(
      {
        name: sink,
        type: 'hubspot-upsert-sink',
        topics: [topic],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        retryTimeoutMs: 1000,
        config: {
          baseUrl: hs.sim.url,
          accessToken: hs.app.accessTokens[0]!,
          retry: { retries: 1, initialDelayMs: 20, maxDelayMs: 50 },
        },
      },
      'test',
    );
    // A first record before the limit: the sink reads the account's time zone at its first write.
    const publisher = await bus.publisher();
    await publisher.publish([event(first)]);
    await waitFor('the first record applied', async () => (await metrics())?.recordsOut === 1);

    // The limit is spent; the sink's clock 4 s before midnight in Paris.
    const midnight = nextMidnight(Date.now(), ZONE);
    shift = midnight - 4000 - Date.now();
    await hs.json('POST', '/sim/daily-limit', { reached: true });
    await publisher.publish([event(second)]);
    await publisher.close();
    await waitFor('the sink waiting for the daily limit', async () => (await metrics())?.retrying != null);
    const until = new Date(midnight + RESET_MARGIN_MS).toISOString();
    const retrying = (await metrics())!.retrying!;
    expect(retrying.error).toContain(`waits until ${until}`);
    expect(retrying.error).toContain(`resets at midnight in the account's time zone, ${ZONE}`);
    expect(await effectsOf(second)).toEqual([]);

    await hs.json('POST', '/sim/daily-limit', { reached: false });
    await waitFor('the second record applied', async () => (await metrics())?.recordsOut === 2, 20_000);
    expect((await effectsOf(second)).map((e) => e.operation)).toEqual(['create']);
    const done = (await metrics())!;
    expect([done.recordsFailed, done.retrying]).toEqual([0, null]);
  });
});
