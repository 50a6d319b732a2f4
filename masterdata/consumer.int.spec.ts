/**
 * The incremental matcher on a real broker and PostgreSQL: CustomerEvents published one by one are matched as
 * they arrive; a partial update lands on the stored record; a second consumer of the same group after a restart
 * gets nothing again (offsets were committed after the database commits).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../schemas/types.generated.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { defaultMdmConfig } from './config.ts';
import { startCustomerMatcher } from './consumer.ts';
import type { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

let store: MasterDataStore | undefined;
let idsOnlyStore: MasterDataStore | undefined;
afterAll(async () => {
  if (store) await dropStore(store);
  if (idsOnlyStore) await dropStore(idsOnlyStore);
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
});
