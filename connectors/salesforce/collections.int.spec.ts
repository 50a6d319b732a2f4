import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import {
  API,
  getToken,
  type SalesforceHarness,
  startSalesforce,
} from '../../simulators/salesforce/test-support.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { startRuntime } from '../runtime/test-support.ts';

/**
 * The Salesforce upsert sink on the real stack, writing in sObject Collections (`batchSize`): N Accounts by
 * External_Id__c in ceil(N / batchSize) collection calls, each record once (the simulator counts the API calls as the
 * org's API usage does); a record Salesforce refuses (`success: false`) goes to `dlq.sink` with Salesforce's reason
 * while the rest of its collection is written; one customer's versions are written in order, the last one winning.
 */
describe('Salesforce upsert sink in sObject Collections (real stack)', () => {
  let sf: SalesforceHarness;
  let started: Awaited<ReturnType<typeof startRuntime>>;
  const names: string[] = [];

  beforeAll(async () => {
    sf = await startSalesforce();
    started = await startRuntime('/eai/tests/salesforce-collections');
  });
  afterAll(async () => {
    for (const name of names) await started?.runtime.remove(name).catch(() => undefined);
    await started?.runtime.stop();
    await sf?.sim.close();
  });

  const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
  const organization = (topic: string, customerId: string, organizationName: string) => ({
    schema: 'CustomerEvent',
    topic,
    value: {
      ...base,
      changeType: 'UPDATED',
      changedFields: [],
      origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
      customer: { ...base.customer, customerId, sourceIds: [], partyType: 'ORGANIZATION', organizationName },
    },
  });

  async function run(topic: string, events: ReturnType<typeof organization>[], batchSize: number) {
    const publisher = await started.bus.publisher();
    const sent = await publisher.publish(events);
    await publisher.close();
    const name = unique('salesforce-collections');
    names.push(name);
    await started.runtime.put(
      {
        name,
        type: 'salesforce-upsert-sink',
        topics: [topic],
        mapping: 'salesforce/sobject.from-canonical.yaml',
        config: {
          instanceUrl: sf.sim.url,
          clientId: 'eai-hub-writer',
          clientSecret: 'secret',
          retry: { retries: 1, initialDelayMs: 20, maxDelayMs: 100 },
          batchSize,
          batchWaitMs: 500,
        },
      },
      'test',
    );
    const metrics = async () => (await started.runtime.status(name))?.metrics;
    await waitFor(`${events.length} records handled`, async () => {
      const m = await metrics();
      return (m?.recordsOut ?? 0) + (m?.recordsFailed ?? 0) >= events.length;
    });
    return { sent, metrics: (await metrics())! };
  }

  const COLLECTION = `PATCH ${API}/composite/sobjects/Account/External_Id__c`;
  const ONE = `PATCH ${API}/sobjects/Account/External_Id__c/{value}`;
  const usage = async () =>
    (await sf.control<{ byRoute: Record<string, number> }>('GET', '/sim/api-usage')).byRoute;

  /** The Accounts of `prefix` by External_Id__c, read with a session of its own (a spec revokes the harness's). */
  async function accountNames(prefix: string): Promise<Map<string, string>> {
    const token = await getToken(sf.sim.url, 'eai-test-reader');
    const soql = `SELECT External_Id__c, Name FROM Account WHERE External_Id__c LIKE '${prefix}%'`;
    const response = await fetch(`${sf.sim.url}${API}/query?q=${encodeURIComponent(soql)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { records: Array<{ External_Id__c: string; Name: string }> };
    return new Map(body.records.map((r) => [r.External_Id__c, r.Name]));
  }

  it('writes 450 Accounts in ceil(450 / 200) = 3 collection calls, each record once', async () => {
    await sf.control('POST', '/sim/reset?empty=true');
    const topic = unique('salesforce-collection-customers');
    await started.bus.provisionTopics([{ topic, partitions: 1 }]);
    const prefix = `G-${unique('sc')}-`;
    const { metrics } = await run(
      topic,
      Array.from({ length: 450 }, (_, i) => organization(topic, `${prefix}${i}`, `Account ${i}`)),
      200,
    );
    expect([metrics.recordsOut, metrics.recordsFailed]).toEqual([450, 0]);
    const calls = await usage();
    expect(calls[COLLECTION]).toBe(3);
    expect(calls[ONE]).toBeUndefined();
    const written = await accountNames(prefix);
    expect(written.size).toBe(450);
    expect(written.get(`${prefix}449`)).toBe('Account 449');
  });

  it('writes a collection once through an expired session and a 500', async () => {
    await sf.control('POST', '/sim/reset?empty=true');
    const topic = unique('salesforce-collection-faults');
    await started.bus.provisionTopics([{ topic, partitions: 1 }]);
    const prefix = `G-${unique('sf')}-`;
    // Every session revoked (the sink signs in again on the 401) and one 500 on the collection.
    await sf.control('POST', '/sim/expire-tokens', {});
    await sf.control('POST', '/sim/faults', {
      faults: [
        { kind: 'error', status: 500, method: 'PATCH', path: '/services/data/*/composite/**', times: 1 },
      ],
    });
    const { metrics } = await run(
      topic,
      Array.from({ length: 5 }, (_, i) => organization(topic, `${prefix}${i}`, `Account ${i}`)),
      200,
    );
    expect([metrics.recordsOut, metrics.recordsFailed]).toEqual([5, 0]);
    expect((await sf.control<{ faults: unknown[] }>('GET', '/sim/faults')).faults).toEqual([]);
    const { effects } = await sf.control<{ effects: Array<{ operation: string; idempotencyKey?: string }> }>(
      'GET',
      '/sim/effects?entityType=Account',
    );
    // Applied once each, by one request (one key) however often it was sent.
    expect(effects.map((e) => e.operation)).toEqual(['create', 'create', 'create', 'create', 'create']);
    expect(new Set(effects.map((e) => e.idempotencyKey)).size).toBe(1);
    expect((await accountNames(prefix)).size).toBe(5);
  });

  it('dead-letters a record Salesforce refuses with its reason, writes the rest, and the last version of a key wins', async () => {
    await sf.control('POST', '/sim/reset?empty=true');
    const topic = unique('salesforce-collection-mixed');
    await started.bus.provisionTopics([{ topic, partitions: 3 }]);
    const prefix = `G-${unique('sm')}-`;
    const events = [
      ...Array.from({ length: 30 }, (_, i) => organization(topic, `${prefix}${i}`, `Account ${i}`)),
      // Longer than Account.Name takes (255): STRING_TOO_LONG for this record only.
      organization(topic, `${prefix}bad`, 'X'.repeat(300)),
      organization(topic, `${prefix}dup`, 'Version 1'),
      ...Array.from({ length: 30 }, (_, i) => organization(topic, `${prefix}${i + 30}`, `Account ${i + 30}`)),
      organization(topic, `${prefix}dup`, 'Version 2'),
      organization(topic, `${prefix}dup`, 'Version 3'),
    ];
    const { sent, metrics } = await run(topic, events, 200);
    expect([metrics.recordsOut, metrics.recordsFailed]).toEqual([events.length - 1, 1]);
    const written = await accountNames(prefix);
    expect(written.size).toBe(61);
    expect(written.get(`${prefix}dup`)).toBe('Version 3');
    expect(written.has(`${prefix}bad`)).toBe(false);

    const { entries } = await listDeadLetters(started.bus.transport, {
      topic: 'dlq.sink',
      filter: { originalTopic: topic },
    });
    expect(entries.map((e) => e.ceId)).toEqual([sent[30]!.id]);
    expect(entries[0]!.message).toMatch(
      new RegExp(
        `composite/sobjects/Account/External_Id__c refused External_Id__c ${prefix}bad: STRING_TOO_LONG: .*\\(Name\\)`,
      ),
    );
  });
});
