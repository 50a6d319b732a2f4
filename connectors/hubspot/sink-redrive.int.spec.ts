import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, redriveDeadLetters } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { readRawMessages } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey, sinkGroupId } from '../index.ts';

const silent = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

type Effect = { entityId: string; operation: string; idempotencyKey?: string; detail?: { id?: string } };

/**
 * Issue 14's "a 400 lands in the dead-letter topic and is redriven after the fix", end to end: a sink's record the
 * target refuses with 400 goes to `dlq.sink` with the target's answer as the reason while the records after it are
 * applied; the portal is fixed; the redrive (the code behind `eai dlq redrive` and `POST /dead-letters/…/redrive`)
 * sends it back to its topic with its CloudEvents id, and it is applied once.
 */
describe('a sink record refused with HTTP 400, dead-lettered, and redriven after the fix (HubSpot upsert sink)', () => {
  const bus = testBus('/eai/tests/sink-redrive');
  let hs: HubSpotHarness;
  let runtime: ConnectorRuntime;
  const sink = unique('hubspot-redrive');

  beforeAll(async () => {
    await bus.provisionTopics();
    hs = await startHubSpot();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: silent,
      group: unique('connect-redrive'),
      sinkRetry: { retries: 1, initialDelayMs: 50, maxDelayMs: 100 },
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.remove(sink).catch(() => undefined);
    await runtime?.stop();
    await hs?.sim.close();
  });

  it('dead-letters the 400 with HubSpot’s answer, applies the rest, and applies the letter once after the fix', async () => {
    // The portal has not made eai_golden_id a unique property yet: an upsert by it is refused with 400.
    expect((await hs.json('POST', '/sim/app', { uniqueProperties: ['external_id'] })).status).toBe(200);
    const topic = unique('redrive-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const known = await Promise.all(
      ['Ada', 'Grace'].map(async (firstname) => {
        const created = await hs.json<{ id: string }>('POST', '/sim/edit', {
          properties: { firstname, email: `${unique(firstname)}@example.org` },
        });
        return created.body.id;
      }),
    );
    const golden = `G-${unique('redrive')}`;
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    const event = (customerId: string, sourceIds: unknown[], familyName: string) => ({
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
    const publisher = await bus.publisher();
    // First the one keyed by golden id (refused), then two HubSpot knows by record id (applied).
    const [sent] = await publisher.publish([
      event(golden, [], `Golden-${randomBytes(3).toString('hex')}`),
      ...known.map((id) =>
        event(`hubspot:${id}`, [{ system: 'hubspot', id, idType: 'hs_object_id' }], 'Hopper'),
      ),
    ]);
    await publisher.close();

    await runtime.put(
      {
        name: sink,
        type: 'hubspot-upsert-sink',
        topics: [topic],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        config: {
          baseUrl: hs.sim.url,
          accessToken: hs.app.accessTokens[0]!,
          retry: { retries: 2, initialDelayMs: 20, maxDelayMs: 100 },
        },
      },
      'test',
    );
    const metrics = async () => (await runtime.status(sink))?.metrics;
    await waitFor('three records handled', async () => {
      const m = await metrics();
      return (m?.recordsOut ?? 0) + (m?.recordsFailed ?? 0) >= 3;
    });
    expect((await metrics())?.recordsFailed).toBe(1);

    const contactEffects = async () =>
      (await hs.json<{ effects: Effect[] }>('GET', '/sim/effects?entityType=contact')).body.effects;
    const updatedKnown = (await contactEffects()).filter(
      (e) => known.includes(e.entityId) && e.operation === 'update',
    );
    expect(updatedKnown.map((e) => e.entityId).sort()).toEqual([...known].sort());

    const { entries } = await listDeadLetters(bus.transport, {
      topic: 'dlq.sink',
      filter: { originalTopic: topic },
    });
    expect(entries).toHaveLength(1);
    const letter = entries[0]!;
    expect([letter.owner, letter.ceId, letter.originalOffset]).toEqual([
      sinkGroupId(sink, runtime.group),
      sent!.id,
      '0',
    ]);
    expect(letter.exceptionClass).toBe('HttpRefusedError');
    // The reason is HubSpot's answer: the status and its body.
    expect(letter.message).toContain('refused with HTTP 400');
    expect(letter.message).toContain(
      'Property eai_golden_id is not a unique identifier property of contacts',
    );
    expect(await goldenEffects()).toEqual([]);

    // The fix: the portal's admin makes eai_golden_id unique. The letter is redriven by its offset, as
    // `eai dlq redrive dlq.sink --from <o> --to <o>` does.
    await hs.json('POST', '/sim/app', { uniqueProperties: ['external_id', 'eai_golden_id'] });
    const result = await redriveDeadLetters(bus.transport, {
      topic: 'dlq.sink',
      selection: { partition: letter.partition, fromOffset: letter.offset, toOffset: letter.offset },
    });
    expect([result.selected, result.redriven, result.skipped]).toEqual([1, 1, []]);

    await waitFor('the redriven record applied', async () => (await goldenEffects()).length >= 1);
    await waitFor('four records handled', async () => {
      const m = await metrics();
      return (m?.recordsOut ?? 0) + (m?.recordsFailed ?? 0) >= 4;
    });
    const applied = await goldenEffects();
    expect(applied.map((e) => e.operation)).toEqual(['create']);
    expect(applied[0]!.idempotencyKey).toBe(`${connectorKey(sink, runtime.group)}:${sent!.id}`);
    expect((await metrics())?.recordsFailed).toBe(1);
    // Back on its topic after the others, with its original CloudEvents id.
    const onTopic = await readRawMessages(topic, 4);
    expect(onTopic[3]!.headers.ce_id).toBe(sent!.id);
    expect(onTopic[3]!.headers['eai.redriven-from']).toBe(`dlq.sink/${letter.partition}/${letter.offset}`);

    async function goldenEffects() {
      return (await contactEffects()).filter((e) => e.detail?.id === golden);
    }
  });
});
