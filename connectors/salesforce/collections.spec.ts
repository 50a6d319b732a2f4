import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from '../../lib/errors.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import type { SinkRecord } from '../sdk/index.ts';
import { customerRecords, testContext } from '../transports/test-support.ts';
import { salesforceBatching } from './collections.ts';
import { createSalesforceUpsertSink, salesforceUpsertSinkConfig } from './upsert-sink.ts';

/**
 * The Salesforce sink writing the upserts by external id in hand together as sObject Collections upserts
 * (`batchSize`), against the simulator: how many API calls, which records are written, which refused and why.
 */
let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await sf.control('POST', '/sim/reset?empty=true');
});

const record = customerRecords('sf-collections');

/** What the spec's mapping writes: an Account by External_Id__c (or by Id), with its fields. */
interface Account {
  ext?: string;
  id?: string;
  fields: Record<string, unknown>;
}

function sink(batchSize?: number) {
  const context = testContext('sf-collections');
  context.toSystem = async (value) => {
    const { ext, id, fields } = value as Account;
    const url = id
      ? `/sobjects/Account/Id/${id}`
      : `/sobjects/Account/External_Id__c/${encodeURIComponent(ext!)}`;
    return [Buffer.from(JSON.stringify({ attributes: { type: 'Account', url }, ...fields }))];
  };
  const config = salesforceUpsertSinkConfig.parse({
    instanceUrl: sf.sim.url,
    clientId: 'eai-hub',
    clientSecret: 'secret',
    retry: { retries: 0 },
    batchWaitMs: 200,
    ...(batchSize === undefined ? {} : { batchSize }),
  });
  return createSalesforceUpsertSink(config, context);
}

const COLLECTION = `PATCH ${API}/composite/sobjects/Account/External_Id__c`;
async function apiCalls(): Promise<Record<string, number>> {
  return (await sf.control<{ byRoute: Record<string, number> }>('GET', '/sim/api-usage')).byRoute;
}

async function accounts(): Promise<Map<string, Record<string, unknown>>> {
  const { body } = await sf.json<{ records: Array<Record<string, unknown>> }>(
    'GET',
    `${API}/query?q=${encodeURIComponent('SELECT Id, External_Id__c, Name, Phone FROM Account')}`,
  );
  return new Map(body.records.map((r) => [String(r.External_Id__c), r]));
}

const put = (out: ReturnType<typeof sink>, values: Account[]) =>
  Promise.all(values.map((value) => out.put(record(value) as SinkRecord).catch((error: unknown) => error)));

describe('Salesforce sink in sObject Collections', () => {
  it('writes 450 upserts in hand together in ceil(450 / 200) collection calls, each record once', async () => {
    const out = sink();
    expect(out.concurrency).toBe(400);
    const outcomes = await put(
      out,
      Array.from({ length: 450 }, (_, i) => ({ ext: `C-${i}`, fields: { Name: `Account ${i}` } })),
    );
    expect(outcomes.every((o) => o === undefined)).toBe(true);
    const calls = await apiCalls();
    expect(calls[COLLECTION]).toBe(3);
    expect(Object.keys(calls).filter((route) => route.includes('/sobjects/Account/External_Id__c/'))).toEqual(
      [],
    );
    const written = await accounts();
    expect(written.size).toBe(450);
    expect(written.get('C-449')?.Name).toBe('Account 449');
  });

  it('dead-letters a record the collection refuses (success: false) with its reason, the others written', async () => {
    const outcomes = await put(sink(), [
      { ext: 'C-1', fields: { Name: 'Good 1' } },
      { ext: 'C-2', fields: { Name: 'Bad', Bogus__c: 'x' } },
      { ext: 'C-3', fields: { Name: 'Good 3' } },
    ]);
    expect(outcomes[0]).toBeUndefined();
    expect(outcomes[2]).toBeUndefined();
    expect(outcomes[1]).toBeInstanceOf(NonRetriableError);
    expect((outcomes[1] as Error).message).toMatch(
      /PATCH \/services\/data\/v62.0\/composite\/sobjects\/Account\/External_Id__c refused External_Id__c C-2: INVALID_FIELD: No such column 'Bogus__c'/,
    );
    expect([...(await accounts()).keys()].sort()).toEqual(['C-1', 'C-3']);
    expect((await apiCalls())[COLLECTION]).toBe(1);
  });

  it('never puts two records of one external id (in any case) in a collection: the later goes next, and wins', async () => {
    const outcomes = await put(sink(), [
      { ext: 'C-1', fields: { Name: 'First' } },
      { ext: 'C-2', fields: { Name: 'Other' } },
      { ext: 'c-1', fields: { Name: 'Second' } },
    ]);
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    // The later one is the next request's only record: sent as its own upsert.
    const calls = await apiCalls();
    expect(calls[COLLECTION]).toBe(1);
    expect(calls[`PATCH ${API}/sobjects/Account/External_Id__c/{value}`]).toBe(1);
    const written = await accounts();
    expect(written.size).toBe(2);
    expect(written.get('C-1')?.Name).toBe('Second');
  });

  it('sends an upsert by Id alone (the collection takes external ids only), and batchSize 1 each record alone', async () => {
    const made = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, { Name: 'By Id' });
    await put(sink(), [
      { id: made.body.id, fields: { Phone: '+49 30 1' } },
      { ext: 'C-1', fields: { Name: 'One' } },
      { ext: 'C-2', fields: { Name: 'Two' } },
    ]);
    await put(sink(1), [{ ext: 'C-3', fields: { Name: 'Three' } }]);
    const calls = await apiCalls();
    expect(calls[COLLECTION]).toBe(1);
    expect(calls[`PATCH ${API}/sobjects/Account/Id/{value}`]).toBe(1);
    expect(calls[`PATCH ${API}/sobjects/Account/External_Id__c/{value}`]).toBe(1);
    expect((await accounts()).get('C-3')?.Name).toBe('Three');
  });

  it('retries a record Salesforce could not lock, and sends alone one a refusal policy reads', () => {
    const sent = { method: 'PATCH', path: `${API}/composite/sobjects/Account/External_Id__c` };
    const items = [{ record: { External_Id__c: 'A' } }, { record: { External_Id__c: 'B' } }];
    const answer = JSON.stringify([
      { success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }] },
      {
        success: false,
        errors: [{ statusCode: 'INVALID_FIELD', message: 'Foreign key external ID: 1 not found' }],
      },
    ]);
    const [locked, refused] = salesforceBatching(200, 0, 'c').results(answer, items, sent) as unknown[];
    expect(locked).toBeInstanceOf(RetriableError);
    expect(String(refused)).toMatch(/refused External_Id__c B: INVALID_FIELD: Foreign key/);
    expect(salesforceBatching(200, 0, 'c', { alone: true }).results(answer, items, sent)).toEqual([
      expect.any(RetriableError),
      'alone',
    ]);
    // An answer that is not one result per record says nothing of which failed.
    expect(salesforceBatching(200, 0, 'c').results('[]', items, sent)).toBe('unknown');
  });
});
