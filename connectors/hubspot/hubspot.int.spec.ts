import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleJson } from '../../schemas/examples.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { readRawMessages, topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, ConnectorRuntime, connectorKey } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const silent = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

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
    person: { givenName: string | null; familyName: string | null } | null;
    emails: Array<{ address: string }>;
  };
}

/** A secret handed to the connector as `${env:NAME}`, as a deployment writes it. */
function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

describe('HubSpot connectors against the HubSpot simulator, on the real broker', () => {
  const bus = testBus('/eai/tests/hubspot');
  const source = unique('hubspot-contacts');
  const started = Date.now();
  let hs: HubSpotHarness;
  let runtime: ConnectorRuntime;
  let server: LoopbackWebhookServer;

  /** The canonical events this run's source published for one contact, decoded independently. */
  /** canonical.customer's ends before a case acts: the shared topic may hold many other runs' events. */
  let from: Awaited<ReturnType<typeof topicEnds>> = [];
  beforeEach(async () => {
    from = await topicEnds('canonical.customer');
  });
  const eventsOf = (contactId: string, count: number) =>
    readDecoded<CustomerEvent>('canonical.customer', count, {
      from,
      wanted: (m) =>
        m.key === `hubspot:${contactId}` &&
        Date.parse(m.headers.ce_time!) >= started &&
        m.headers.ce_source === `/hubspot-contact/hubspot%2Fportal%2F${hs.app.portalId}`,
    });

  beforeAll(async () => {
    await bus.provisionTopics();
    hs = await startHubSpot();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: silent,
      group: unique('connect-hubspot'),
      sinkRetry: { retries: 2, initialDelayMs: 50, maxDelayMs: 200 },
    });
    await runtime.start();
    await runtime.put(
      {
        name: source,
        type: 'hubspot-contact-webhook-source',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: { clientSecret: envSecret(hs.app.clientSecret) },
      },
      'test',
    );
    server = await serveOnLoopback((request) => runtime.webhook(source, request), `/webhooks/${source}`);
    const subscribed = await hs.json('POST', '/sim/subscriptions', { url: server.url });
    expect(subscribed.status).toBe(201);
  });
  const sinks: string[] = [];
  afterAll(async () => {
    // The configs topic is shared by every run: leave no connector behind whose env secret is gone.
    for (const name of [source, ...sinks]) await runtime?.remove(name);
    await server?.close();
    await runtime?.stop();
    await hs?.sim.close();
  });

  it('publishes contacts created and changed in HubSpot as CustomerEvents, one per webhook event', async () => {
    const email = `${unique('ada')}@example.org`;
    const created = await hs.json<{ id: string }>('POST', '/sim/edit', {
      properties: { email, firstname: 'Ada', lastname: 'Lovelace' },
    });
    expect(created.status).toBe(200);
    const id = created.body.id;
    await hs.json('POST', '/sim/edit', { id, properties: { lastname: 'King' } });

    // creation + a propertyChange per property set (email, firstname, lastname) + the later change of lastname.
    const events = await eventsOf(id, 5);
    const byType = events.map((e) => e.decoded.changeType).sort();
    expect(byType).toEqual(['CREATED', 'UPDATED', 'UPDATED', 'UPDATED', 'UPDATED']);
    expect(new Set(events.map((e) => e.headers.ce_id)).size).toBe(5);
    const values = events.map((e) => e.decoded);
    expect(values.flatMap((v) => v.customer.emails.map((m) => m.address))).toEqual([email]);
    expect(values.map((v) => v.customer.person?.familyName).filter(Boolean)).toEqual(
      expect.arrayContaining(['Lovelace', 'King']),
    );
    for (const value of values) {
      expect(value.customer.customerId).toBe(`hubspot:${id}`);
      expect(value.origin).toMatchObject({ system: 'hubspot', changeOrigin: 'CRM_UI' });
    }
    const status = await runtime.status(source);
    expect(status).toMatchObject({ state: 'RUNNING', kind: 'source' });
    expect(status!.metrics.recordsOut).toBeGreaterThanOrEqual(5);
  });

  it('refuses a request with a bad signature with 401 and publishes nothing', async () => {
    const before = (await runtime.status(source))!.metrics.recordsIn;
    const eventId = 9_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const body = JSON.stringify([
      {
        eventId,
        subscriptionId: 1001,
        portalId: hs.app.portalId,
        appId: hs.app.appId,
        occurredAt: Date.now(),
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: 424242,
        changeSource: 'CRM_UI',
        sourceId: 'userId:1',
        propertyName: 'firstname',
        propertyValue: 'Mallory',
      },
    ]);
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': Buffer.from('not the signature').toString('base64'),
        'x-hubspot-request-timestamp': String(Date.now()),
      },
      body,
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'missing or invalid signature' });
    await expect(
      readRawMessages('canonical.customer', 1, {
        wanted: (m) => m.headers.ce_id === `1001:${eventId}`,
        from,
        timeoutMs: 3000,
      }),
    ).rejects.toThrow(/only 0\/1 messages/);
    expect((await runtime.status(source))!.metrics.recordsIn).toBe(before);
  });

  it('upserts CustomerEvents by eai_golden_id once each through a 429 and a 500, and the echo names the integration', async () => {
    const topic = unique('hubspot-sink-customers');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
    const goldenIds = [1, 2, 3].map((n) => `G-${unique('hs')}-${n}`);
    const faults = await hs.json('POST', '/sim/faults', {
      faults: [
        { kind: 'rate_limit', path: '/crm/v3/objects/contacts/batch/upsert', times: 1, retryAfterSeconds: 1 },
        { kind: 'error', status: 500, path: '/crm/v3/objects/contacts/batch/upsert', times: 1 },
      ],
    });
    expect(faults.status).toBe(201);
    const publisher = await bus.publisher();
    await publisher.publish(
      goldenIds.map((customerId, i) => ({
        schema: 'CustomerEvent',
        topic,
        value: {
          ...base,
          changeType: 'CREATED',
          changedFields: [],
          origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
          customer: {
            ...base.customer,
            customerId,
            sourceIds: [],
            partyType: 'PERSON',
            organizationName: null,
            person: { title: null, givenName: `Grace${i}`, middleName: null, familyName: 'Hopper' },
            emails: [{ address: `${customerId.toLowerCase()}@example.com`, use: 'work', primary: true }],
          },
        },
      })),
    );
    await publisher.close();

    const sink = unique('hubspot-upsert');
    sinks.push(sink);
    await runtime.put(
      {
        name: sink,
        type: 'hubspot-upsert-sink',
        topics: [topic],
        mapping: 'hubspot/batch-upsert.from-canonical.yaml',
        config: {
          baseUrl: hs.sim.url,
          accessToken: envSecret(hs.app.accessTokens[0]!),
          retry: { retries: 4, initialDelayMs: 50, maxDelayMs: 500 },
        },
      },
      'test',
    );

    type Effect = { entityId: string; operation: string; idempotencyKey?: string; detail?: { id?: string } };
    const ours = async () => {
      const { body } = await hs.json<{ effects: Effect[] }>('GET', '/sim/effects?entityType=contact');
      return body.effects.filter((e) => goldenIds.includes(e.detail?.id ?? ''));
    };
    await waitFor('three contacts upserted', async () => (await ours()).length >= 3);
    await waitFor('sink lag zero', async () => (await runtime.status(sink))!.metrics.lagRecords === 0);
    const effects = await ours();
    expect(effects.map((e) => `${e.detail?.id} ${e.operation}`).sort()).toEqual(
      goldenIds.map((id) => `${id} create`).sort(),
    );
    // Every write carried an idempotency key: a record's own when it went alone, its batch's (the same on each
    // attempt: the retries after the 429 and the 500 were not applied twice) when it went with others.
    for (const effect of effects)
      expect(effect.idempotencyKey).toMatch(
        new RegExp(
          `^${connectorKey(sink, runtime.group)}:(?!batch:)|^${connectorKey(sink, runtime.group)}:batch:[0-9]+:[0-9a-f]{32}$`,
        ),
      );
    // Both faults were hit (a used-up fault is removed): the sink went through a 429 and a 500.
    const left = await hs.json<{ faults: unknown[] }>('GET', '/sim/faults');
    expect(left.body.faults).toEqual([]);

    // The echo: HubSpot sends the upserts back as webhooks marked INTEGRATION with the app id.
    const contactId = effects.find((e) => e.detail?.id === goldenIds[0])!.entityId;
    const [echo] = await eventsOf(contactId, 1);
    expect(echo!.decoded.origin).toEqual({
      system: 'hubspot',
      documentId: echo!.headers.ce_id,
      changeOrigin: 'INTEGRATION',
      changedBy: String(hs.app.appId),
    });
  });
});
