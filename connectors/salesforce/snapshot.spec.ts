import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetriable } from '../../lib/errors.ts';
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
    // The hub's key fields are not read: events are keyed salesforce:<Id>, like the CDC events.
    expect(JSON.parse(first.documents[0]!.bytes.toString())).not.toHaveProperty('External_Id__c');
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
});
