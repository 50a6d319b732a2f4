/**
 * Sync health's "last received" on a real broker and PostgreSQL: when a system's change reached the bus (its Kafka
 * record's timestamp), not when the hub handled it. Events published with old record timestamps (a backlog caught up
 * after a restart) are reported with those times, by the running matcher and, after a restart, from the master data;
 * a replay of older events does not move it back, and neither does a rematch; an unchanged record sent again moves
 * it (it reached the bus). The evaluator's trial: HubSpot showed
 * "last received 03:40:24" (the hub's restart) while its last record on canonical.customer was from 03:27:24.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectorRuntime } from '../connectors/index.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import {
  type CustomerMatcher,
  defaultMdmConfig,
  type MasterDataStore,
  rematch,
  startCustomerMatcher,
} from '../masterdata/index.ts';
import { dropStore, scratchStore } from '../masterdata/test-support.ts';
import type { CustomerEvent } from '../schemas/types.generated.ts';
import { rawKafka } from '../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { type SyncHealth, syncHealth } from './sync-health.ts';

let store: MasterDataStore | undefined;
afterAll(async () => {
  if (store) await dropStore(store);
});

const change = (id: string, organizationName: string): CustomerEvent => ({
  changeType: 'CREATED',
  changedFields: [],
  clearedFields: [],
  mergedIds: [],
  occurredAt: new Date('2026-12-07T03:00:00Z'),
  origin: { system: 'hubspot', documentId: `hubspot-${id}` },
  customer: {
    customerId: `hubspot:${id}`,
    sourceIds: [{ system: 'hubspot', id }],
    partyType: 'ORGANIZATION',
    organizationName,
  },
});

describe('sync health: last received', () => {
  it('is when the change reached the bus, not when the hub handled it, and never moves back', async () => {
    store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'mdm_w3');
    const bus = testBus();
    const topic = unique('w3-received');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const groupId = unique('w3-received-matcher');
    const publisher = await bus.publisher();
    const producer = rawKafka().producer();
    await producer.connect();
    /** Publishes the events as the bus encodes them, each Kafka record stamped with the time given. */
    const publishAt = async (events: Array<[CustomerEvent, number]>) => {
      const records = await publisher.prepare(
        events.map(([value]) => ({ schema: 'CustomerEvent', topic, value })),
      );
      await producer.send({
        topic,
        messages: records.map((r, i) => ({
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: String(events[i]?.[1]),
        })),
      });
    };
    // An hour's backlog, written before the hub (re)started: the last record reached the bus 40 minutes ago.
    const now = Date.now();
    const first = now - 60 * 60_000;
    const last = now - 40 * 60_000;
    const resentAt = now - 5 * 60_000;
    const matcher = await startCustomerMatcher({ bus, store, groupId, topic, fromBeginning: true });
    const health = (m: CustomerMatcher): Promise<SyncHealth> =>
      syncHealth({
        runtime: {
          names: () => [],
          status: async () => undefined,
          sourceOutput: () => undefined,
          sinkInput: () => undefined,
        } as unknown as ConnectorRuntime,
        transport: bus.transport,
        store: store as MasterDataStore,
        matcher: m,
        matcherGroup: groupId,
        customerTopic: topic,
      });
    const inbound = async (m: CustomerMatcher) =>
      (await health(m)).systems.find((s) => s.system === 'hubspot')?.inbound.lastReceivedAt;
    try {
      await matcher.ready();
      await publishAt([
        [change('501', 'Kanzlei Weber'), first],
        [change('502', 'Bäckerei Schulz'), last],
      ]);
      await waitFor('two changes matched', () => matcher.counts.new >= 2, 60_000);
      expect(matcher.received.get('hubspot')?.lastAt).toBe(new Date(last).toISOString());
      expect(await inbound(matcher)).toBe(new Date(last).toISOString());
      const gauge = (
        await metricsRegistry.getSingleMetric('eai_sync_last_received_timestamp_seconds')?.get()
      )?.values.find((v) => v.labels.system === 'hubspot');
      expect(gauge?.value).toBe(last / 1000);

      // A replay of older events, the latest record's changed by it: last received stays where it was.
      await publishAt([
        [change('501', 'Kanzlei Weber'), first - 10 * 60_000],
        [change('502', 'Bäckerei Schulz & Söhne'), first],
      ]);
      await waitFor(
        'the replay handled',
        () => matcher.counts.updated + matcher.counts.unchanged >= 2,
        60_000,
      );
      expect(matcher.received.get('hubspot')?.lastAt).toBe(new Date(last).toISOString());
      expect(await store.sourceRecord('hubspot', '502')).toMatchObject({
        organizationName: 'Bäckerei Schulz & Söhne',
      });

      // The same record sent again, unchanged, five minutes ago: it reached the bus, so it is the last received,
      // for the running matcher and (below) in the master data after a restart.
      const unchangedBefore = matcher.counts.unchanged;
      await publishAt([[change('501', 'Kanzlei Weber'), resentAt]]);
      await waitFor('the resend handled', () => matcher.counts.unchanged > unchangedBefore, 60_000);
      expect(matcher.received.get('hubspot')?.lastAt).toBe(new Date(resentAt).toISOString());
    } finally {
      await matcher.stop();
      await producer.disconnect();
      await publisher.close();
    }
    // After a restart (the matcher's counter empty: its group committed every change), the master data says the
    // same; a rematch receives nothing.
    const restarted = await startCustomerMatcher({ bus, store, groupId, topic, fromBeginning: true });
    try {
      await restarted.ready();
      expect(restarted.received.size).toBe(0);
      expect(await inbound(restarted)).toBe(new Date(resentAt).toISOString());
      await rematch(store, { again: true });
      expect(await inbound(restarted)).toBe(new Date(resentAt).toISOString());
    } finally {
      await restarted.stop();
    }
  }, 120_000);
});
