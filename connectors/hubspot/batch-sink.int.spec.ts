import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startRuntime } from '../runtime/test-support.ts';
import { BATCH_UPSERT_PATH } from './upsert-sink.ts';

type Effect = { path: string; entityId: string; idempotencyKey?: string; detail?: { id?: string } };
type Listed = {
  results: Array<{ properties: Record<string, string | null> }>;
  paging?: { next?: { after: string } };
};

/**
 * The HubSpot upsert sink on the real stack, writing in batches (`batchSize`): the runtime hands it the records of
 * different keys together (its `concurrency`), and it writes them in ceil(N / batchSize) batch calls, each record
 * once; a record HubSpot refuses goes to `dlq.sink` with HubSpot's reason while the rest of its batch is written; one
 * customer's versions are written in order, the last one winning.
 */
describe('HubSpot upsert sink in batches (real stack)', () => {
  let hs: HubSpotHarness;
  let started: Awaited<ReturnType<typeof startRuntime>>;
  const names: string[] = [];

  beforeAll(async () => {
    hs = await startHubSpot();
    started = await startRuntime('/eai/tests/hubspot-batches');
  });
  afterAll(async () => {
    for (const name of names) await started?.runtime.remove(name).catch(() => undefined);
    await started?.runtime.stop();
    await hs?.sim.close();
  });

  const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
  const person = (topic: string, customerId: string, familyName: string, sourceIds: unknown[] = []) => ({
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
        sourceIds,
        partyType: 'PERSON',
        organizationName: null,
        person: { title: null, givenName: null, middleName: null, familyName },
      },
    },
  });

  async function run(topic: string, events: ReturnType<typeof person>[], expected: number) {
    const publisher = await started.bus.publisher();
    const sent = await publisher.publish(events);
    await publisher.close();
    const name = unique('hubspot-batches');
    names.push(name);
    await started.runtime.put(
      {
        name,
        type: 'hubspot-upsert-sink',
        topics: [topic],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        config: {
          baseUrl: hs.sim.url,
          accessToken: hs.app.accessTokens[0]!,
          retry: { retries: 1, initialDelayMs: 20, maxDelayMs: 100 },
          batchSize: 100,
          batchWaitMs: 500,
        },
      },
      'test',
    );
    const metrics = async () => (await started.runtime.status(name))?.metrics;
    await waitFor(`${expected} records handled`, async () => {
      const m = await metrics();
      return (m?.recordsOut ?? 0) + (m?.recordsFailed ?? 0) >= expected;
    });
    return { sent, metrics: (await metrics())! };
  }

  /** The sink's write requests, by their idempotency key (one per request), each with the records it wrote. */
  async function requests(goldenPrefix: string): Promise<Effect[][]> {
    const { effects } = (await hs.json<{ effects: Effect[] }>('GET', '/sim/effects?entityType=contact')).body;
    const byKey = new Map<string, Effect[]>();
    for (const effect of effects.filter((e) => e.detail?.id?.startsWith(goldenPrefix)))
      byKey.set(effect.idempotencyKey!, [...(byKey.get(effect.idempotencyKey!) ?? []), effect]);
    return [...byKey.values()];
  }

  async function familyNames(prefix: string): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    let after: string | undefined = '';
    while (after !== undefined) {
      const page: Listed = (
        await hs.json<Listed>(
          'GET',
          `/crm/v3/objects/contacts?limit=100&properties=lastname,eai_golden_id${after ? `&after=${after}` : ''}`,
        )
      ).body;
      for (const c of page.results) {
        const golden = c.properties.eai_golden_id;
        if (golden?.startsWith(prefix)) found.set(golden, c.properties.lastname ?? null);
      }
      after = page.paging?.next?.after;
    }
    return found;
  }

  it('writes 250 records in ceil(250 / 100) = 3 batch upserts, each record once', async () => {
    const topic = unique('hubspot-batch-customers');
    await started.bus.provisionTopics([{ topic, partitions: 1 }]);
    const prefix = `G-${unique('hb')}-`;
    const { metrics } = await run(
      topic,
      Array.from({ length: 250 }, (_, i) => person(topic, `${prefix}${i}`, `Family ${i}`)),
      250,
    );
    expect([metrics.recordsOut, metrics.recordsFailed]).toEqual([250, 0]);
    const sent = await requests(prefix);
    expect(sent.map((effects) => effects.length)).toEqual([100, 100, 50]);
    expect(sent.flat().every((e) => e.path === BATCH_UPSERT_PATH)).toBe(true);
    const written = await familyNames(prefix);
    expect(written.size).toBe(250);
    expect(written.get(`${prefix}249`)).toBe('Family 249');
  });

  it('dead-letters the records HubSpot refuses with its reason, writes the rest, and the last version of a key wins', async () => {
    const topic = unique('hubspot-batch-mixed');
    await started.bus.provisionTopics([{ topic, partitions: 3 }]);
    const prefix = `G-${unique('hm')}-`;
    // Keyed by a property HubSpot holds as not unique: it refuses a batch holding one with 400, as a whole.
    const bad = (n: number) =>
      person(topic, `hubspot:phone-${prefix}${n}`, `Bad ${n}`, [
        { system: 'hubspot', id: `+49 30 ${n}`, idType: 'phone' },
      ]);
    const events = [
      ...Array.from({ length: 60 }, (_, i) => person(topic, `${prefix}${i}`, `Family ${i}`)),
      bad(1),
      person(topic, `${prefix}dup`, 'Version 1'),
      ...Array.from({ length: 60 }, (_, i) => person(topic, `${prefix}${i + 60}`, `Family ${i + 60}`)),
      person(topic, `${prefix}dup`, 'Version 2'),
      bad(2),
      person(topic, `${prefix}dup`, 'Version 3'),
    ];
    const { sent, metrics } = await run(topic, events, events.length);
    expect([metrics.recordsOut, metrics.recordsFailed]).toEqual([events.length - 2, 2]);
    const written = await familyNames(prefix);
    expect(written.size).toBe(121);
    expect(written.get(`${prefix}dup`)).toBe('Version 3');
    expect(written.get(`${prefix}119`)).toBe('Family 119');

    const { entries } = await listDeadLetters(started.bus.transport, {
      topic: 'dlq.sink',
      filter: { originalTopic: topic },
    });
    const badIds = [sent[60]!.id, sent[123]!.id];
    expect(entries.map((e) => e.ceId).sort()).toEqual([...badIds].sort());
    for (const letter of entries) {
      expect(letter.exceptionClass).toBe('HttpRefusedError');
      expect(letter.message).toContain('refused with HTTP 400');
      expect(letter.message).toContain('Property phone is not a unique identifier property of contacts');
    }
  });
});
