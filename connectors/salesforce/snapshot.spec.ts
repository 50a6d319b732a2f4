import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetriable } from '../../lib/errors.ts';
import { mapBytes } from '../../mappings/index.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import type { Json } from '../sdk/index.ts';
import { createSalesforceSnapshotPager, salesforceSnapshotConfig } from './snapshot.ts';
import { simulatorGet } from './test-support.ts';

let sf: SalesforceHarness;
let ids: string[];

beforeAll(async () => {
  sf = await startSalesforce();
  const records = Array.from({ length: 450 }, (_, i) => ({
    attributes: { type: 'Account' },
    External_Id__c: `SNAP-${i}`,
    Name: `Company ${i}`,
  }));
  for (let i = 0; i < records.length; i += 150) {
    const answer = await sf.json('PATCH', `${API}/composite/sobjects/Account/External_Id__c`, {
      allOrNone: true,
      records: records.slice(i, i + 150),
    });
    expect(answer.status).toBe(200);
  }
  const all = await sf.json<{ records: Array<{ Id: string }> }>(
    'GET',
    `${API}/query?q=${encodeURIComponent('SELECT Id FROM Account ORDER BY Id')}`,
  );
  ids = all.body.records.map((r) => r.Id);
});
afterAll(() => sf.sim.close());

function pagerFor(snapshot: unknown) {
  const signal = new AbortController().signal;
  const get = simulatorGet(sf.sim.url, 'snapshot-pager');
  const config = salesforceSnapshotConfig.parse(snapshot);
  return {
    signal,
    pager: createSalesforceSnapshotPager({
      config,
      apiVersion: 'v62.0',
      get,
      logger: pino({ level: 'silent' }),
    }),
  };
}

const idsOf = (page: { documents: Array<{ bytes: Buffer }> }) =>
  page.documents.map((d) => (JSON.parse(d.bytes.toString()) as { Id: string }).Id);

describe('Salesforce snapshot pages (against the simulator)', () => {
  it('follows nextRecordsUrl in Id order, then the next object; each record a salesforce-sobject document', async () => {
    const { pager, signal } = pagerFor({ mode: 'initial', pageSize: 200 });
    const first = await pager.page(null, signal);
    expect(idsOf(first)).toEqual(ids.slice(0, 200));
    expect(first.documents[0]).toMatchObject({ format: 'salesforce-sobject', name: `Account/${ids[0]}` });
    expect(JSON.parse(first.documents[0]!.bytes.toString())).toMatchObject({
      attributes: { type: 'Account' },
      Id: ids[0],
      Name: expect.stringMatching(/^Company /),
      LastModifiedDate: expect.stringMatching(/\+0000$/),
    });
    // The hub's golden id stamp is read, and the events are keyed salesforce:<Id> all the same, like the CDC events.
    expect(JSON.parse(first.documents[0]!.bytes.toString())).toMatchObject({
      External_Id__c: expect.stringMatching(/^SNAP-\d+$/),
    });
    expect(first.next).toMatchObject({
      object: 'Account',
      after: ids[199],
      next: expect.stringMatching(/-200$/),
    });
    const second = await pager.page(first.next, signal);
    expect(idsOf(second)).toEqual(ids.slice(200, 400));
    const third = await pager.page(second.next, signal);
    expect(idsOf(third)).toEqual(ids.slice(400));
    expect(third.next).toEqual({ object: 'Contact', after: null, next: null });
    const contacts = await pager.page(third.next, signal);
    expect(contacts).toEqual({ documents: [], next: null });
  });

  it('queries again after the last Id read when Salesforce no longer knows the query locator', async () => {
    const { pager, signal } = pagerFor({ mode: 'initial', pageSize: 200, objects: ['Account'] });
    const stale: Json = {
      object: 'Account',
      after: ids[199]!,
      next: '/services/data/v62.0/query/01g5g00000deadbeef-200',
    };
    const page = await pager.page(stale, signal);
    expect(idsOf(page)).toEqual(ids.slice(200, 400));
    expect(page.next).toMatchObject({ object: 'Account', after: ids[399] });
  });

  it('refuses for good a field the org does not have (the snapshot stops, saying so)', async () => {
    const { pager, signal } = pagerFor({
      mode: 'initial',
      fields: { Account: ['Name', 'No_Such_Field__c'] },
    });
    const error = await pager.page(null, signal).catch((e: unknown) => e);
    expect(isRetriable(error)).toBe(false);
    expect((error as Error).message).toMatch(/HTTP 400.*INVALID_FIELD/);
  });

  it("reads the golden id stamp External_Id__c by default: given as the record's External_Id__c id, or cleared when empty", async () => {
    const made = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'Unstamped AG' });
    const unstamped = made.body.id;
    /** Every Account the snapshot reads, mapped as the shipped mapping maps them, by customerId. */
    const events = async (snapshot: unknown) => {
      const { pager, signal } = pagerFor(snapshot);
      const out = new Map<string, CustomerEvent>();
      for (let cursor: Json | null = null, n = 0; n === 0 || cursor !== null; n++) {
        const page = await pager.page(cursor, signal);
        for (const document of page.documents)
          for (const mapped of await mapBytes('salesforce-sobject', document.bytes))
            for (const record of mapped.records) {
              const event = record.value as unknown as CustomerEvent;
              out.set(event.customer!.customerId, event);
            }
        cursor = page.next;
      }
      return out;
    };
    const stampOf = (event: CustomerEvent | undefined) =>
      (event?.customer?.sourceIds ?? []).filter((s) => s.idType === 'External_Id__c').map((s) => s.id);
    const read = await events({ mode: 'initial', objects: ['Account'] });
    expect(read.get(`salesforce:${ids[7]}`)?.customer?.sourceIds).toEqual([
      { system: 'salesforce', id: ids[7], idType: 'AccountId' },
      { system: 'salesforce', id: expect.stringMatching(/^SNAP-\d+$/), idType: 'External_Id__c' },
    ]);
    expect(read.get(`salesforce:${ids[7]}`)?.changedFields).toContain('sourceIds');
    expect(stampOf(read.get(`salesforce:${unstamped}`))).toEqual([]);
    expect(read.get(`salesforce:${unstamped}`)?.clearedFields).toContain('sourceIds[External_Id__c]');
    expect(read.get(`salesforce:${ids[7]}`)?.clearedFields).not.toContain('sourceIds[External_Id__c]');
    // Fields told without it: nothing said of the stamp, neither an id nor its removal.
    const told = await events({ mode: 'initial', objects: ['Account'], fields: { Account: ['Name'] } });
    expect(told.size).toBe(ids.length + 1);
    for (const event of told.values()) {
      expect(stampOf(event)).toEqual([]);
      expect((event.clearedFields ?? []).filter((f) => f.startsWith('sourceIds'))).toEqual([]);
    }
  });
});
