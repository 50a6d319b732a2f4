import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../../lib/errors.ts';
import { CONTACTS, type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { constantMapping, customerRecords, testContext } from '../transports/test-support.ts';
import { createHubspotUpsertSink, hubspotUpsertSinkConfig } from './upsert-sink.ts';

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());

const record = customerRecords('hs-email-conflict');

/** The upsert sink whose mapping writes the golden record `golden` with `properties`, by eai_golden_id. */
function sinkWriting(golden: string, properties: Record<string, string>) {
  const context = testContext('hs-email-conflict');
  context.outboundMapping = constantMapping('hubspot-batch-upsert', {
    inputs: [{ idProperty: 'eai_golden_id', id: golden, properties }],
  });
  const config = hubspotUpsertSinkConfig.parse({
    baseUrl: hs.sim.url,
    accessToken: hs.app.accessTokens[0],
    retry: { retries: 1, initialDelayMs: 10, maxDelayMs: 50 },
  });
  return createHubspotUpsertSink(config, context);
}

async function contactsWithEmail(email: string) {
  const found = await hs.json<{ results: Array<{ id: string; properties: Record<string, string> }> }>(
    'POST',
    `${CONTACTS}/search`,
    {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
      properties: ['email', 'firstname', 'eai_golden_id'],
    },
  );
  return found.body.results;
}

describe('HubSpot sink: a golden record whose email a HubSpot contact already holds (409 Contact already exists)', () => {
  it('writes to that contact by its id and stamps the golden id on it, creating no second contact', async () => {
    const form = await hs.json<{ id: string }>('POST', CONTACTS, {
      properties: { email: 'lea.form@example.org', firstname: 'lea' },
    });
    await expect(
      sinkWriting('G-LEA', { email: 'lea.form@example.org', firstname: 'Lea' }).put(record()),
    ).resolves.toBeUndefined();
    const found = await contactsWithEmail('lea.form@example.org');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      id: form.body.id,
      properties: { firstname: 'Lea', eai_golden_id: 'G-LEA' },
    });
    // Later writes by the golden id find it.
    await sinkWriting('G-LEA', { email: 'lea.form@example.org', firstname: 'Léa' }).put(record());
    expect((await contactsWithEmail('lea.form@example.org'))[0]!.properties.firstname).toBe('Léa');
  });

  it('does not take over a contact of another golden record: dead-lettered, naming both for a steward', async () => {
    await hs.json('POST', CONTACTS, {
      properties: { email: 'shared@example.org', firstname: 'Max', eai_golden_id: 'G-MAX' },
    });
    const error = await sinkWriting('G-MAXI', { email: 'shared@example.org', firstname: 'Maxi' })
      .put(record())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect((error as Error).message).toMatch(
      /HubSpot contact \d+ holds this email and belongs to golden record G-MAX, not G-MAXI/,
    );
    const found = await contactsWithEmail('shared@example.org');
    expect(found.map((c) => c.properties.firstname)).toEqual(['Max']);
  });
});
