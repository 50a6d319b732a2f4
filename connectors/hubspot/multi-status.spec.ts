import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../../lib/errors.ts';
import { CONTACTS, type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { constantMapping, customerRecords, testContext } from '../transports/test-support.ts';
import {
  BATCH_UPSERT_PATH,
  checkBatchAnswer,
  createHubspotUpsertSink,
  hubspotUpsertSinkConfig,
} from './upsert-sink.ts';

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());

const record = customerRecords('hs-multi-status');

/** The upsert sink whose mapping writes `input` as the batch's one input. */
function upsertSink(input: Record<string, unknown>) {
  const context = testContext('hs-multi-status');
  context.outboundMapping = constantMapping('hubspot-batch-upsert', { inputs: [input] });
  const config = hubspotUpsertSinkConfig.parse({
    baseUrl: hs.sim.url,
    accessToken: hs.app.accessTokens[0],
    retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 },
  });
  return createHubspotUpsertSink(config, context);
}

describe('HubSpot batch upsert answered 207 Multi-Status', () => {
  it('dead-letters the record HubSpot could not write (an hs_object_id it no longer holds), with its reason', async () => {
    const sink = upsertSink({ id: '987654321', properties: { firstname: 'Gone' } });
    const error = await sink.put(record()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect((error as Error).message).toMatch(/OBJECT_NOT_FOUND: Could not find object with id 987654321/);
    // Nothing was written: no contact holds the name.
    const found = await hs.json<{ total: number }>('POST', `${CONTACTS}/search`, {
      filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'Gone' }] }],
    });
    expect(found.body.total).toBe(0);
  });

  it('counts a record HubSpot wrote (200, no errors) as written', async () => {
    const created = await hs.json<{ id: string }>('POST', CONTACTS, {
      properties: { email: 'ada@example.org', firstname: 'Ada' },
    });
    const sink = upsertSink({ id: created.body.id, properties: { firstname: 'Ada L.' } });
    await expect(sink.put(record())).resolves.toBeUndefined();
    const read = await hs.json<{ properties: { firstname: string } }>(
      'GET',
      `${CONTACTS}/${created.body.id}`,
    );
    expect(read.body.properties.firstname).toBe('Ada L.');
  });

  it('reads only the batch upsert answer, and only its errors', () => {
    const sent = { method: 'POST', path: BATCH_UPSERT_PATH };
    const answer = (body: unknown) => JSON.stringify(body);
    expect(() =>
      checkBatchAnswer(answer({ status: 'COMPLETE', results: [{ id: '1' }] }), sent, 'c'),
    ).not.toThrow();
    expect(() =>
      checkBatchAnswer(answer({ status: 'COMPLETE', results: [], errors: [] }), sent, 'c'),
    ).not.toThrow();
    expect(() =>
      checkBatchAnswer(
        answer({
          status: 'COMPLETE',
          results: [],
          numErrors: 1,
          errors: [{ category: 'CONFLICT', message: 'x' }],
        }),
        sent,
        'c',
      ),
    ).toThrow(/CONFLICT: x/);
    const gdpr = { method: 'POST', path: '/crm/v3/objects/contacts/gdpr-delete' };
    expect(() => checkBatchAnswer(answer({ errors: [{ category: 'X' }] }), gdpr, 'c')).not.toThrow();
    expect(() => checkBatchAnswer('', sent, 'c')).not.toThrow();
  });
});
