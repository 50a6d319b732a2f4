import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { readRawMessages, topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const silent = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });
const READ_TYPE = 'hubspot-crm-object.eai.canonical.CustomerEvent';

interface CustomerEvent {
  changeType: string;
  changedFields: string[];
  origin: { system: string; documentId: string | null };
  customer: {
    customerId: string;
    person: { givenName: string | null } | null;
    emails: Array<{ address: string }>;
    extensions: Record<string, string> | null;
  };
}

/** A secret handed to the connector as `${env:NAME}`, as a deployment writes it. */
function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

describe('a HubSpot Sensitive Data change, re-read from HubSpot, on the real broker', () => {
  const bus = testBus('/eai/tests/hubspot-sensitive');
  const source = unique('hubspot-sensitive');
  const started = Date.now();
  let hs: HubSpotHarness;
  let runtime: ConnectorRuntime;
  let server: LoopbackWebhookServer;

  beforeAll(async () => {
    await bus.provisionTopics();
    hs = await startHubSpot();
    runtime = new ConnectorRuntime({
      bus,
      plugins: builtinPlugins,
      logger: silent,
      group: unique('connect-hs'),
    });
    await runtime.start();
    await runtime.put(
      {
        name: source,
        type: 'hubspot-contact-webhook-source',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: {
          clientSecret: envSecret(hs.app.clientSecret),
          baseUrl: hs.sim.url,
          accessToken: envSecret(hs.app.accessTokens[0]!),
        },
      },
      'test',
    );
    server = await serveOnLoopback((request) => runtime.webhook(source, request), `/webhooks/${source}`);
    expect((await hs.json('POST', '/sim/subscriptions', { url: server.url })).status).toBe(201);
  });
  afterAll(async () => {
    await runtime?.remove(source);
    await server?.close();
    await runtime?.stop();
    await hs?.sim.close();
  });

  it('publishes the new passport number a person typed, read from HubSpot, and never "REDACTED"', async () => {
    // The simulator's portal defines passport_number as Sensitive Data, as HubSpot's property definitions say.
    const definition = await hs.json<{ dataSensitivity: string }>(
      'GET',
      '/crm/v3/properties/contacts/passport_number',
    );
    expect(definition.body.dataSensitivity).toBe('sensitive');

    const start = await topicEnds('canonical.customer');
    const created = await hs.json<{ id: string }>('POST', '/sim/edit', {
      properties: { email: `${unique('ingrid')}@example.org`, firstname: 'Ingrid' },
    });
    expect(created.status).toBe(200);
    const id = created.body.id;
    const wanted = (m: { key: string | null; headers: Record<string, string | undefined> }) =>
      m.key === `hubspot:${id}` && Date.parse(m.headers.ce_time!) >= started - 1000;
    // The creation's three events are on the topic before the person edits the passport number.
    const before = await readDecoded<CustomerEvent>('canonical.customer', 3, { from: start, wanted });
    expect(before.map((m) => m.decoded.changeType).sort()).toEqual(['CREATED', 'UPDATED', 'UPDATED']);

    const from = await topicEnds('canonical.customer');
    const edited = await hs.json('POST', '/sim/edit', { id, properties: { passport_number: 'C7Y4K2R19' } });
    expect(edited.status).toBe(200);
    const [read] = await readDecoded<CustomerEvent>('canonical.customer', 1, { from, wanted });

    // The webhook said "REDACTED"; the event on the topic is the contact read back, with the real value.
    expect(read!.headers.ce_type).toBe(READ_TYPE);
    expect(read!.headers.ce_id).toMatch(/^\d+:\d+:reread$/);
    expect(read!.decoded.changeType).toBe('UPDATED');
    expect(read!.decoded.customer.customerId).toBe(`hubspot:${id}`);
    expect(read!.decoded.customer.extensions?.['hubspot.passport_number']).toBe('C7Y4K2R19');
    expect(read!.decoded.changedFields).toContain('extensions.hubspot.passport_number');
    // A full read: the contact's other fields come with it.
    expect(read!.decoded.customer.person?.givenName).toBe('Ingrid');

    // Nothing this contact put on the topic says REDACTED, in the value or the headers, and nothing asks for a resync.
    const all = await readDecoded<CustomerEvent>('canonical.customer', 4, { from: start, wanted });
    for (const message of all) {
      expect(message.value.includes('REDACTED')).toBe(false);
      expect(JSON.stringify(message.headers)).not.toContain('REDACTED');
      expect(JSON.stringify(message.decoded)).not.toContain('REDACTED');
      expect(message.decoded.changeType).not.toBe('RESYNC_REQUESTED');
    }
    await expect(
      readRawMessages('canonical.customer', 5, { from: start, wanted, timeoutMs: 3000 }),
    ).rejects.toThrow(/only 4\/5 messages/);
  });
});
