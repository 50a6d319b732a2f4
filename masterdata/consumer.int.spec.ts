/**
 * The incremental matcher on a real broker and PostgreSQL: CustomerEvents published one by one are matched as
 * they arrive; a partial update lands on the stored record; a second consumer of the same group after a restart
 * gets nothing again (offsets were committed after the database commits).
 */
import type { Counter } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../lib/metrics.ts';
import type { CustomerEvent } from '../schemas/types.generated.ts';
import { type RawMessage, topicEnds } from '../tests/raw-consumer.ts';
import { readSince } from '../tests/read-since.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { defaultMdmConfig } from './config.ts';
import { startCustomerMatcher } from './consumer.ts';
import type { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

let store: MasterDataStore | undefined;
let idsOnlyStore: MasterDataStore | undefined;
let batchStore: MasterDataStore | undefined;
let mergeStore: MasterDataStore | undefined;
afterAll(async () => {
  if (mergeStore) await dropStore(mergeStore);
  if (store) await dropStore(store);
  if (idsOnlyStore) await dropStore(idsOnlyStore);
  if (batchStore) await dropStore(batchStore);
});

const event = (
  system: string,
  id: string,
  customer: Partial<CustomerEvent['customer']>,
  changedFields: string[] = [],
): CustomerEvent => ({
  changeType: changedFields.length ? 'UPDATED' : 'CREATED',
  changedFields,
  clearedFields: [],
  mergedIds: [],
  occurredAt: new Date('2026-11-20T09:15:00Z'),
  origin: { system, documentId: `${system}-${id}` },
  customer: {
    customerId: `${system}:${id}`,
    sourceIds: [{ system, id }],
    partyType: 'ORGANIZATION',
    ...customer,
  },
});

describe('matcher on canonical.customer', () => {
  it('matches events as they arrive, applies partial updates, and commits after the database', async () => {
    store = await scratchStore(testStack().databaseUrl, defaultMdmConfig());
    const bus = testBus();
    const topic = unique('mdm-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const groupId = unique('mdm-matcher');
    const matcher = await startCustomerMatcher({ bus, store, groupId, topic, fromBeginning: true });
    await matcher.ready();
    const publisher = await bus.publisher();
    const address = [
      {
        use: 'BILLING' as const,
        lines: ['Friedrichstraße 12'],
        city: 'Berlin',
        postalCode: '10117',
        countryCode: 'DE',
      },
    ];
    try {
      await publisher.publish([
        {
          schema: 'CustomerEvent',
          topic,
          value: event('salesforce', '001A', {
            organizationName: 'Müller Maschinenbau GmbH',
            phones: [{ number: '+49 30 1234567' }],
            taxId: { scheme: 'VAT', value: 'DE123456789' },
            addresses: address,
          }),
        },
        {
          schema: 'CustomerEvent',
          topic,
          value: event('sap', '0000100001', {
            organizationName: 'MUELLER MASCHINENBAU GMBH',
            phones: [{ number: '030/1234567' }],
            taxId: { scheme: 'VAT', value: 'DE 123 456 789' },
            addresses: address,
          }),
        },
        {
          schema: 'CustomerEvent',
          topic,
          value: event('salesforce', '001A', { emails: [{ address: 'einkauf@mueller-maschinenbau.de' }] }, [
            'emails',
          ]),
        },
      ]);
      await waitFor(
        'three events handled',
        () => matcher.counts.new + matcher.counts.merged + matcher.counts.updated >= 3,
        60_000,
      );
      const sf = await store.xref('salesforce', '001A');
      expect(sf).not.toBeNull();
      expect(await store.xref('sap', '0000100001')).toBe(sf);
      // The partial update kept the name and address it did not name.
      const record = await store.sourceRecord('salesforce', '001A');
      expect(record?.organizationName).toBe('Müller Maschinenbau GmbH');
      expect(record?.emails?.map((e) => e.address)).toEqual(['einkauf@mueller-maschinenbau.de']);
      const golden = await store.golden(sf ?? '');
      expect(golden?.record?.emails?.[0]?.address).toBe('einkauf@mueller-maschinenbau.de');
    } finally {
      await matcher.stop();
    }
    // The same group again: every offset was committed, nothing comes back.
    const again = await startCustomerMatcher({ bus, store, groupId, topic, fromBeginning: true });
    await again.ready();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await again.stop();
    await publisher.close();
    expect(Object.values(again.counts).reduce((a, b) => a + b, 0)).toBe(0);
  }, 120_000);

  it("a merge made in HubSpot: the merged-away contact leaves, its golden record's members join the survivor's", async () => {
    mergeStore = await scratchStore(testStack().databaseUrl, defaultMdmConfig());
    const store = mergeStore;
    const bus = testBus();
    const topic = unique('mdm-system-merge');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const matcher = await startCustomerMatcher({
      bus,
      store,
      groupId: unique('mdm-matcher'),
      topic,
      fromBeginning: true,
    });
    await matcher.ready();
    const publisher = await bus.publisher();
    const person = (given: string, family: string, email: string) => ({
      partyType: 'PERSON' as const,
      person: { givenName: given, familyName: family },
      emails: [{ address: email }],
    });
    try {
      // Two golden records: HubSpot's 501 alone, and Salesforce's 003B with HubSpot's 502 (the same person).
      await publisher.publish([
        {
          schema: 'CustomerEvent',
          topic,
          value: event('hubspot', '501', person('Anna', 'Berger', 'anna@berger.example')),
        },
        {
          schema: 'CustomerEvent',
          topic,
          value: event('salesforce', '003B', person('Anna', 'Berger', 'a.berger@work.example')),
        },
        {
          schema: 'CustomerEvent',
          topic,
          value: event('hubspot', '502', person('Anna', 'Berger', 'a.berger@work.example')),
        },
      ]);
      await waitFor('three records matched', () => matcher.counts.new + matcher.counts.merged >= 3, 60_000);
      const before = { a: await store.xref('hubspot', '501'), b: await store.xref('salesforce', '003B') };
      expect(await store.xref('hubspot', '502')).toBe(before.b);
      expect(before.a).not.toBe(before.b);

      // A person merges 502 into 501 in HubSpot: the survivor's event names the contact merged away.
      await publisher.publish([
        {
          schema: 'CustomerEvent',
          topic,
          value: {
            ...event('hubspot', '501', {}, ['sourceIds']),
            changeType: 'MERGED',
            mergedIds: ['hubspot:502'],
          },
        },
      ]);
      await waitFor('the merge applied', async () => (await store.xref('hubspot', '502')) === null, 60_000);
      const survivor = await store.xref('hubspot', '501');
      expect(await store.xref('salesforce', '003B')).toBe(survivor);
      const golden = await store.golden(survivor ?? '');
      expect(golden?.members.map((m) => `${m.system}:${m.sourceId}`).sort()).toEqual([
        'hubspot:501',
        'salesforce:003B',
      ]);
      expect(golden?.links.some((l) => l.status === 'accepted' && l.decidedBy === 'hubspot-merge')).toBe(
        true,
      );
    } finally {
      await matcher.stop();
      await publisher.close();
    }
  }, 120_000);

  it('a new record of ids alone forms no golden record; the change that brings data does', async () => {
    idsOnlyStore = await scratchStore(testStack().databaseUrl, defaultMdmConfig());
    const bus = testBus();
    const topic = unique('mdm-ids-only');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const matcher = await startCustomerMatcher({
      bus,
      store: idsOnlyStore,
      groupId: unique('mdm-matcher'),
      topic,
      fromBeginning: true,
    });
    await matcher.ready();
    const publisher = await bus.publisher();
    try {
      // A CSV row with only its key, and HubSpot's creation webhook (ids, then a propertyChange per property).
      await publisher.publish([
        { schema: 'CustomerEvent', topic, value: event('erpcsv', '900006', { partyType: 'UNKNOWN' }) },
        { schema: 'CustomerEvent', topic, value: event('hubspot', '501', { partyType: 'UNKNOWN' }) },
        {
          schema: 'CustomerEvent',
          topic,
          value: event('hubspot', '501', { emails: [{ address: 'anna@example.de' }] }, ['emails']),
        },
      ]);
      await waitFor('three events handled', () => matcher.counts.skipped + matcher.counts.new >= 3, 60_000);
      expect(matcher.counts).toMatchObject({ skipped: 2, new: 1 });
      expect(await idsOnlyStore.xref('erpcsv', '900006')).toBeNull();
      const golden = await idsOnlyStore.golden((await idsOnlyStore.xref('hubspot', '501')) ?? '');
      expect(golden?.record?.emails?.map((e) => e.address)).toEqual(['anna@example.de']);
      expect((await idsOnlyStore.stats()).golden).toBe(1);
    } finally {
      await matcher.stop();
      await publisher.close();
    }
  }, 120_000);

  it('matches the events in hand together, a transaction for many; a record that fails is dead-lettered alone', async () => {
    batchStore = await scratchStore(testStack().databaseUrl, defaultMdmConfig());
    const schema = batchStore.schema;
    // A record PostgreSQL refuses (a trigger of this schema alone): its batch fails, and is done again one at a time.
    await batchStore.pool.query(
      `create function "${schema}".refuse_poison() returns trigger language plpgsql as $$
       begin if new.source_id = 'poison' then raise exception 'poisoned record'; end if; return new; end $$;
       create trigger refuse_poison before insert on "${schema}".source_record
         for each row execute function "${schema}".refuse_poison()`,
    );
    const bus = testBus();
    const topic = unique('mdm-batches');
    await bus.provisionTopics([{ topic, partitions: 2 }]);
    const matcher = await startCustomerMatcher({
      bus,
      store: batchStore,
      groupId: unique('mdm-matcher'),
      topic,
      fromBeginning: true,
    });
    await matcher.ready();
    const publisher = await bus.publisher();
    // 150 companies, each in the CRM and the ERP (same tax id and name, the ERP's in capitals).
    const company = (n: number) => ({
      organizationName: `Firma ${n} Handels GmbH`,
      taxId: { scheme: 'VAT', value: `DE${String(100_000_000 + n * 7919)}` },
    });
    const events = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => from + k).flatMap((n) => [
        { schema: 'CustomerEvent', topic, value: event('crm', `C${n}`, company(n)) },
        {
          schema: 'CustomerEvent',
          topic,
          value: event('erp', `E${n}`, {
            ...company(n),
            organizationName: company(n).organizationName.toUpperCase(),
          }),
        },
      ]);
    const handled = () => matcher.counts.new + matcher.counts.merged + matcher.counts.review;
    // The same in /metrics (counters of the process: what this matcher adds to them).
    const metric = async (name: string, outcome?: string) =>
      (await (metricsRegistry.getSingleMetric(name) as Counter<string>).get()).values
        .filter((v) => outcome === undefined || v.labels.outcome === outcome)
        .reduce((sum, v) => sum + v.value, 0);
    const before = {
      changes: await metric('eai_mdm_match_changes_total'),
      transactions: await metric('eai_mdm_match_transactions_total'),
      merged: await metric('eai_mdm_events_total', 'merged'),
    };
    try {
      await publisher.publish(events(0, 150));
      await waitFor('300 events handled', () => handled() >= 300, 90_000);
      expect(matcher.counts).toMatchObject({ new: 150, merged: 150, review: 0 });
      // Together: far fewer transactions than events.
      expect(matcher.transactions.changes).toBe(300);
      expect(matcher.transactions.count).toBeLessThanOrEqual(30);
      expect(await metric('eai_mdm_match_changes_total')).toBe(before.changes + 300);
      expect(await metric('eai_mdm_match_transactions_total')).toBe(
        before.transactions + matcher.transactions.count,
      );
      expect(await metric('eai_mdm_events_total', 'merged')).toBe(before.merged + 150);
      for (const n of [0, 77, 149]) {
        const golden = await batchStore.xref('crm', `C${n}`);
        expect(golden).not.toBeNull();
        expect(await batchStore.xref('erp', `E${n}`)).toBe(golden);
      }
      expect((await batchStore.stats()).golden).toBe(150);

      // A batch with a record that fails: the others are matched, it goes to the dead-letter topic with its reason.
      const dlqFrom = await topicEnds('dlq.orchestrator');
      await publisher.publish([
        ...events(150, 170),
        { schema: 'CustomerEvent', topic, value: event('crm', 'poison', company(999)) },
        ...events(170, 190),
      ]);
      await waitFor('380 events handled', () => handled() >= 380, 90_000);
      expect(matcher.counts).toMatchObject({ new: 190, merged: 190 });
      expect(await batchStore.xref('crm', 'poison')).toBeNull();
      // Once its retries are spent (PostgreSQL's refusal is not known to be for good).
      let letters: RawMessage[] = [];
      await waitFor(
        'the refused record dead-lettered',
        async () => {
          letters = await readSince('dlq.orchestrator', dlqFrom, (m) => m.key === 'crm:poison');
          return letters.length > 0;
        },
        90_000,
      );
      expect(letters).toHaveLength(1);
      expect(letters[0]?.headers['__connect.errors.exception.message']).toContain('poisoned record');
      // And it goes on.
      await publisher.publish(events(190, 191));
      await waitFor('the next events handled', () => handled() >= 382, 60_000);
      expect(await batchStore.xref('erp', 'E190')).toBe(await batchStore.xref('crm', 'C190'));
    } finally {
      await matcher.stop();
      await publisher.close();
    }
  }, 240_000);
});
