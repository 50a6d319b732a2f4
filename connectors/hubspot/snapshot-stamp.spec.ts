// The initial snapshot reads the hub's golden id stamp (eai_golden_id) of contacts and companies by default, and
// hubspot/crm-object.to-canonical.yaml gives it as the webhook mappings do: the stamp as an `eai_golden_id` source id,
// its absence as the stamp cleared. A snapshot told other properties says nothing of the stamp. Against the HubSpot
// simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapBytes } from '../../mappings/index.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { createTestContext } from '../transports/test-support.ts';
import { createHubspotContactWebhookSource, hubspotContactWebhookConfig } from './contact-webhook-source.ts';

const CONTACTS = '/crm/v3/objects/contacts';
const COMPANIES = '/crm/v3/objects/companies';
const STAMP = 'gc-0123456789abcdef0123';
let hs: HubSpotHarness;
const ids: Record<'stamped' | 'unstamped' | 'stampedCompany' | 'unstampedCompany', string> = {
  stamped: '',
  unstamped: '',
  stampedCompany: '',
  unstampedCompany: '',
};

beforeAll(async () => {
  hs = await startHubSpot();
  const create = async (path: string, properties: Record<string, string>) =>
    (await hs.json<{ id: string }>('POST', path, { properties })).body.id;
  ids.stamped = await create(CONTACTS, { email: 'stamped@example.org', eai_golden_id: STAMP });
  ids.unstamped = await create(CONTACTS, { email: 'unstamped@example.org' });
  ids.stampedCompany = await create(COMPANIES, { name: 'Stamped GmbH', eai_golden_id: `${STAMP}c` });
  ids.unstampedCompany = await create(COMPANIES, { name: 'Unstamped GmbH' });
});
afterAll(async () => {
  await hs?.sim.close();
});

async function snapshot(properties: Record<string, unknown>): Promise<Map<string, CustomerEvent>> {
  const test = createTestContext('hs-snapshot-stamp');
  const source: SourceTask = createHubspotContactWebhookSource(
    hubspotContactWebhookConfig.parse({
      clientSecret: hs.app.clientSecret,
      baseUrl: hs.sim.url,
      accessToken: hs.app.accessTokens[0],
      pollWaitMs: 10,
      companies: true,
      snapshot: { mode: 'initial', ...properties },
    }),
    test.context,
  );
  await source.start(new Map());
  const documents: SourceDocument[] = [];
  const state = () => (source.status?.() as { snapshot?: { state?: string } } | undefined)?.snapshot?.state;
  for (let i = 0; i < 50 && state() !== 'done'; i++) {
    const page = await source.poll();
    documents.push(...page.filter((d) => !d.positionOnly));
    await source.commit(page, { ok: true, published: page.length, deadLettered: 0 });
  }
  await source.stop();
  const events = new Map<string, CustomerEvent>();
  for (const document of documents)
    for (const mapped of await mapBytes('hubspot-crm-object', document.bytes))
      for (const record of mapped.records) {
        const event = record.value as unknown as CustomerEvent;
        events.set(event.customer!.customerId, event);
      }
  return events;
}

const stampOf = (event: CustomerEvent | undefined) =>
  (event?.customer?.sourceIds ?? []).filter((s) => s.idType === 'eai_golden_id').map((s) => s.id);

describe('the HubSpot snapshot and the golden id stamp', () => {
  it('reads eai_golden_id by default: a stamped record gives it as its eai_golden_id id, an unstamped one clears it', async () => {
    const events = await snapshot({});
    const contact = events.get(`hubspot:${ids.stamped}`);
    expect(contact?.customer?.sourceIds).toEqual([
      { system: 'hubspot', id: ids.stamped, idType: 'hs_object_id' },
      { system: 'hubspot', id: STAMP, idType: 'eai_golden_id' },
    ]);
    expect(contact?.clearedFields).not.toContain('sourceIds[eai_golden_id]');
    expect(stampOf(events.get(`hubspot:company:${ids.stampedCompany}`))).toEqual([`${STAMP}c`]);
    for (const key of [`hubspot:${ids.unstamped}`, `hubspot:company:${ids.unstampedCompany}`]) {
      expect(stampOf(events.get(key))).toEqual([]);
      expect(events.get(key)?.clearedFields).toContain('sourceIds[eai_golden_id]');
    }
  });

  it('a snapshot told properties without eai_golden_id neither gives a stamp nor clears one', async () => {
    const events = await snapshot({ properties: ['email'], companyProperties: ['name'] });
    expect(events.size).toBe(4);
    for (const event of events.values()) {
      expect(stampOf(event)).toEqual([]);
      expect((event.clearedFields ?? []).filter((f) => f.startsWith('sourceIds'))).toEqual([]);
    }
  });
});
