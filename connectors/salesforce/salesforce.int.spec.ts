import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { PERSON_ACCOUNT_RECORD_TYPE_ID } from '../../simulators/salesforce/person-accounts.ts';
import {
  API,
  getToken,
  type SalesforceHarness,
  startSalesforce,
} from '../../simulators/salesforce/test-support.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const logger = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

interface CustomerEvent {
  changeType: string;
  changedFields: string[];
  origin: {
    system: string;
    documentId: string | null;
    changeOrigin: string | null;
    changedBy: string | null;
  };
  customer: {
    customerId: string;
    organizationName: string | null;
    addresses: Array<{ use: string | null; city: string | null }>;
  };
}

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

describe('Salesforce connectors against the Salesforce simulator, on the real broker', () => {
  const bus = testBus('/eai/tests/salesforce');
  const source = unique('salesforce-cdc');
  const connectors = [source];
  const started = Date.now();
  let sf: SalesforceHarness;
  let runtime: ConnectorRuntime;
  let server: LoopbackWebhookServer;

  /** This run's canonical events of one account, decoded independently. */
  const eventsOf = (accountId: string, count: number, type?: string) =>
    readDecoded<CustomerEvent>('canonical.customer', count, {
      wanted: (m) =>
        m.key === `salesforce:${accountId}` &&
        Date.parse(m.headers.ce_time!) >= started &&
        (type === undefined || m.headers.ce_type === type),
    });
  const post = async (path: string, body: unknown) => {
    const answer = await sf.json<Record<string, unknown>>('POST', path, body);
    expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body;
  };

  beforeAll(async () => {
    await bus.provisionTopics();
    sf = await startSalesforce();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger,
      group: unique('connect-salesforce'),
      sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
    });
    await runtime.start();
    await runtime.put(
      {
        name: source,
        type: 'salesforce-cdc-source',
        mapping: 'salesforce/cdc.to-canonical.yaml',
        config: {
          // The simulator pushes CDC events unsigned (Salesforce itself delivers them over gRPC, not webhooks).
          signature: { scheme: 'none' },
          instanceUrl: sf.sim.url,
          clientId: 'eai-cdc-reader',
          clientSecret: envSecret('reader-secret'),
          rereadRetries: 1,
        },
      },
      'test',
    );
    server = await serveOnLoopback((request) => runtime.webhook(source, request), `/webhooks/${source}`);
    await post('/sim/subscriptions', { url: server.url, channel: '/data/AccountChangeEvent' });
  });
  afterAll(async () => {
    for (const name of connectors) await runtime?.remove(name);
    await server?.close();
    await runtime?.stop();
    await sf?.sim.close();
  });

  it('publishes accounts created and changed in Salesforce as CustomerEvents', async () => {
    const name = unique('Acme');
    const created = await post('/sim/edit', { type: 'Account', fields: { Name: name } });
    const id = String(created.id);
    await post('/sim/edit', { type: 'Account', id, fields: { BillingCity: 'Lyon' } });

    const events = await eventsOf(id, 2, 'salesforce-cdc.eai.canonical.CustomerEvent');
    const [create, update] = events.map((e) => e.decoded);
    expect(create).toMatchObject({
      changeType: 'CREATED',
      customer: { customerId: `salesforce:${id}`, organizationName: name },
    });
    expect(update!.changeType).toBe('UPDATED');
    expect(update!.changedFields).toContain('addresses[BILLING].city');
    expect(update!.customer.addresses).toEqual([expect.objectContaining({ use: 'BILLING', city: 'Lyon' })]);
    // A person in the UI: no API client stamped the change.
    expect(update!.origin).toMatchObject({ system: 'salesforce', changeOrigin: null });
  });

  it('answers a GAP event by reading the record over REST and publishing it', async () => {
    const created = await post('/sim/edit', { type: 'Account', fields: { Name: unique('Gap') } });
    const id = String(created.id);
    const renamed = unique('Gap Renamed');
    await post('/sim/cdc-mode', { mode: 'gap' });
    try {
      await post('/sim/edit', { type: 'Account', id, fields: { Name: renamed, BillingCity: 'Nantes' } });
      const [reread] = await eventsOf(id, 1, 'salesforce-sobject.eai.canonical.CustomerEvent');
      expect(reread!.decoded).toMatchObject({
        changeType: 'UPDATED',
        origin: { system: 'salesforce' },
        customer: { customerId: `salesforce:${id}`, organizationName: renamed },
      });
      expect(reread!.decoded.customer.addresses).toEqual([
        expect.objectContaining({ use: 'BILLING', city: 'Nantes' }),
      ]);
      // The whole record was read: fields the GAP event did not touch come with it.
      expect(reread!.decoded.changedFields).toEqual(
        expect.arrayContaining(['organizationName', 'createdAt']),
      );
    } finally {
      await post('/sim/cdc-mode', { mode: 'normal' });
    }
  });

  it("publishes a person account once, as its Account: its hidden Contact's change events go on position-only", async () => {
    // Contact captured too, as an org with person accounts must (else the Account's update events lack the person's
    // fields): Salesforce then sends a Contact event beside each Account event of a person account.
    await post('/sim/subscriptions', { url: server.url, channel: '/data/ContactChangeEvent' });
    const before = (await runtime.status(source))!.metrics;
    const lastName = unique('Brown');
    const person = await post(`${API}/sobjects/Account`, {
      RecordTypeId: PERSON_ACCOUNT_RECORD_TYPE_ID,
      FirstName: 'Martha',
      LastName: lastName,
      PersonEmail: 'martha.brown@example.com',
    });
    const id = String(person.id);
    const patched = await sf.json('PATCH', `${API}/sobjects/Account/${id}`, { PersonMailingCity: 'Lyon' });
    expect(patched.status).toBe(204);
    const { body: account } = await sf.json<{ PersonContactId: string }>(
      'GET',
      `${API}/sobjects/Account/${id}`,
    );
    const hidden = account.PersonContactId;
    // An ordinary Contact, after them: its event still goes, and once it is on Kafka the others have been handled.
    const plain = String((await post(`${API}/sobjects/Contact`, { LastName: unique('Plain') })).id);
    const [plainEvent] = await readDecoded<CustomerEvent>('canonical.customer', 1, {
      wanted: (m) => m.key === `salesforce:${plain}` && Date.parse(m.headers.ce_time!) >= started,
    });
    expect(plainEvent!.decoded.changeType).toBe('CREATED');

    const [create, update] = (await eventsOf(id, 2, 'salesforce-cdc.eai.canonical.CustomerEvent')).map(
      (e) => e.decoded as CustomerEvent & { customer: { sourceIds: Array<{ id: string; idType: string }> } },
    );
    expect(create!.changeType).toBe('CREATED');
    expect(create!.customer.sourceIds).toContainEqual(
      expect.objectContaining({ id: hidden, idType: 'PersonContactId' }),
    );
    expect(update!.changeType).toBe('UPDATED');
    expect(update!.customer.addresses).toEqual([expect.objectContaining({ city: 'Lyon' })]);
    // Five change events arrived (two Account, two hidden Contact, one Contact); three records went out, and the
    // hidden Contact's two were acknowledged without being read as customers.
    const after = (await runtime.status(source))!.metrics;
    expect(after.recordsOut - before.recordsOut).toBe(3);
    expect(after.recordsIn - before.recordsIn).toBe(3);
    const { body } = await sf.json<{
      events: Array<{ payload: { ChangeEventHeader: { recordIds: string[] } } }>;
    }>('GET', '/sim/cdc-events');
    expect(body.events.filter((e) => e.payload.ChangeEventHeader.recordIds.includes(hidden))).toHaveLength(2);
  });

  it('upserts CustomerEvents by External_Id__c once each through a 500 and an expired token; the echo names the client', async () => {
    const topic = unique('salesforce-sink-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    const customerIds = [1, 2, 3].map((n) => `G-${unique('sf')}-${n}`);
    const event = (customerId: string) => ({
      schema: 'CustomerEvent',
      topic,
      value: {
        ...base,
        changeType: 'CREATED',
        changedFields: [],
        origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
        customer: { ...base.customer, customerId, sourceIds: [], organizationName: `Org ${customerId}` },
      },
    });
    const publisher = await bus.publisher();
    await publisher.publish([event(customerIds[0]!)]);

    const sink = unique('salesforce-upsert');
    connectors.push(sink);
    const clientName = `eai-hub-${randomBytes(3).toString('hex')}`;
    await runtime.put(
      {
        name: sink,
        type: 'salesforce-upsert-sink',
        topics: [topic],
        mapping: 'salesforce/sobject.from-canonical.yaml',
        config: {
          instanceUrl: sf.sim.url,
          clientId: 'eai-hub-writer',
          clientSecret: envSecret('writer-secret'),
          clientName,
          retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
          // Each record alone, with its own key (collections.int.spec.ts has them in sObject Collections).
          batchSize: 1,
        },
      },
      'test',
    );
    type Effect = { entityId: string; operation: string; idempotencyKey?: string };
    const ours = async () => {
      const { body } = await sf.json<{ effects: Effect[] }>('GET', '/sim/effects?entityType=Account');
      return body.effects.filter((e) =>
        e.idempotencyKey?.startsWith(`${connectorKey(sink, runtime.group)}:`),
      );
    };
    await waitFor('the first account upserted', async () => (await ours()).length === 1);

    // Every session revoked (the sink must sign in again on the 401) and one 500 on the next write.
    await post('/sim/expire-tokens', {});
    await post('/sim/faults', {
      faults: [{ kind: 'error', status: 500, method: 'PATCH', path: '/services/data/**', times: 1 }],
    });
    await publisher.publish(customerIds.slice(1).map(event));
    await publisher.close();
    await waitFor('three accounts upserted', async () => (await ours()).length >= 3);
    await waitFor('sink lag zero', async () => (await runtime.status(sink))!.metrics.lagRecords === 0);

    const effects = await ours();
    expect(effects.map((e) => e.operation)).toEqual(['create', 'create', 'create']);
    expect(new Set(effects.map((e) => e.idempotencyKey)).size).toBe(3);
    expect((await sf.json<{ faults: unknown[] }>('GET', '/sim/faults')).body.faults).toEqual([]);
    const token = await getToken(sf.sim.url, 'eai-test-reader'); // the harness's own session was revoked too
    for (const customerId of customerIds) {
      const account = await fetch(
        `${sf.sim.url}${API}/sobjects/Account/External_Id__c/${encodeURIComponent(customerId)}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(account.status).toBe(200);
      expect(((await account.json()) as { Name: string }).Name).toBe(`Org ${customerId}`);
    }

    // The echo: the CDC event of the hub's write carries its client name, and so does the canonical origin.
    const [echo] = await eventsOf(effects[0]!.entityId, 1, 'salesforce-cdc.eai.canonical.CustomerEvent');
    expect(echo!.decoded.changeType).toBe('CREATED');
    expect(echo!.decoded.origin.changeOrigin).toBe(`com/salesforce/api/rest/62.0;client=${clientName}`);
  });
});
