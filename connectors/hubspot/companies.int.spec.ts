import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapBytes } from '../../mappings/index.ts';
import { defaultMdmConfig } from '../../masterdata/config.ts';
import { dropStore, scratchStore } from '../../masterdata/test-support.ts';
import type { CustomerPartyMaster } from '../../schemas/types.generated.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { readDecoded } from '../../tests/decode-raw.ts';
import { topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { type LoopbackWebhookServer, serveOnLoopback } from '../transports/test-support.ts';

const silent = pino({ level: process.env.EAI_TEST_LOG ?? 'silent' });

interface CustomerEvent {
  changeType: string;
  changedFields: string[];
  customer: {
    customerId: string;
    sourceIds: Array<{ system: string; id: string; idType: string | null }>;
    partyType: string;
    organizationName: string | null;
    extensions: Record<string, string>;
  };
}

function envSecret(value: string): string {
  const name = `EAI_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
  process.env[name] = value;
  return `\${env:${name}}`;
}

/**
 * A company made in HubSpot's UI (the simulator's /sim/companies) reaches canonical.customer as an ORGANIZATION through
 * the contact source with `companies: true`, whose named mapping reads contacts: the company's documents take the
 * shipped company mapping.
 */
describe('HubSpot companies through the contact source (companies: true), on the real broker', () => {
  const bus = testBus('/eai/tests/hubspot-companies');
  const source = unique('hubspot-companies');
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
      group: unique('connect-hs-co'),
    });
    await runtime.start();
    await runtime.put(
      {
        name: source,
        type: 'hubspot-contact-webhook-source',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: { clientSecret: envSecret(hs.app.clientSecret), companies: true },
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

  it('publishes a company made and changed in HubSpot as ORGANIZATION CustomerEvents keyed apart from contacts', async () => {
    const from = await topicEnds('canonical.customer');
    const made = await hs.json<{ id: string }>('POST', '/sim/companies', {
      properties: { name: 'Nordwind Handel GmbH', domain: 'nordwind.example', city: 'Hamburg' },
    });
    expect(made.status).toBe(200);
    const id = made.body.id;
    // creation, a propertyChange per property set (name, domain, city).
    const events = await readDecoded<CustomerEvent>('canonical.customer', 4, {
      from,
      wanted: (m) => m.key === `hubspot:company:${id}` && Date.parse(m.headers.ce_time!) >= started,
    });
    const values = events.map((e) => e.decoded);
    expect(values.map((v) => v.changeType).sort()).toEqual(['CREATED', 'UPDATED', 'UPDATED', 'UPDATED']);
    for (const value of values) {
      expect(value.customer.customerId).toBe(`hubspot:company:${id}`);
      expect(value.customer.sourceIds).toEqual([
        { system: 'hubspot', id: `company:${id}`, idType: 'company' },
      ]);
      expect(value.customer.partyType).toBe('ORGANIZATION');
    }
    expect(values.map((v) => v.customer.organizationName).filter(Boolean)).toEqual(['Nordwind Handel GmbH']);
    expect(values.map((v) => v.customer.extensions['hubspot.domain']).filter(Boolean)).toEqual([
      'nordwind.example',
    ]);
    expect(events.every((e) => e.headers.ce_type === 'hubspot-company.eai.canonical.CustomerEvent')).toBe(
      true,
    );
  });
});

describe('a HubSpot company and the contact of the same id in master data', () => {
  it('are two records, (hubspot, 5102) and (hubspot, company:5102), each with its own golden record', async () => {
    const store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'mdm_hsco');
    try {
      const event = (fields: Record<string, unknown>) => ({
        eventId: 1,
        subscriptionId: 1,
        portalId: 62515,
        occurredAt: 1710236400000,
        objectId: 5102,
        changeSource: 'CRM_UI',
        ...fields,
      });
      const customerOf = async (format: string, e: Record<string, unknown>) => {
        const [document] = await mapBytes(format, Buffer.from(JSON.stringify([e])));
        return (document!.records[0]!.value as { customer: CustomerPartyMaster }).customer;
      };
      const company = await customerOf(
        'hubspot-company',
        event({
          subscriptionType: 'company.propertyChange',
          propertyName: 'name',
          propertyValue: 'Nordwind Handel GmbH',
        }),
      );
      const contact = await customerOf(
        'hubspot-contact',
        event({
          subscriptionType: 'contact.propertyChange',
          propertyName: 'email',
          propertyValue: 'jane.roe@example.com',
        }),
      );
      const a = await store.upsert('hubspot', contact);
      const b = await store.upsert('hubspot', company);
      expect([a.sourceId, b.sourceId]).toEqual(['5102', 'company:5102']);
      expect(b.outcome).toBe('new');
      expect(a.goldenId).not.toBe(b.goldenId);
      expect((await store.sourceRecord('hubspot', 'company:5102'))?.organizationName).toBe(
        'Nordwind Handel GmbH',
      );
      expect((await store.sourceRecord('hubspot', '5102'))?.emails?.[0]?.address).toBe(
        'jane.roe@example.com',
      );
    } finally {
      await dropStore(store);
    }
  });
});
