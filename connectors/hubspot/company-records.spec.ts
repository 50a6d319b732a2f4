import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mappingsDir, outboundMapping } from '../../mappings/index.ts';
import { erasureEvent } from '../../masterdata/sync/erasure-out.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import {
  customerRecords,
  type ScriptedServer,
  startScriptedServer,
  testContext,
} from '../transports/test-support.ts';
import { createHubspotUpsertSink, gdprDeleteRequest, hubspotUpsertSinkConfig } from './upsert-sink.ts';

/**
 * A HubSpot company as a golden record's member (source id `company:<id>`, hubspot/company.to-canonical.yaml): the
 * contact sink must not write it as a contact, neither by the company's number (the contact of that number) nor by
 * the golden id (a new contact made of the company). It skips it, saying why. The sink's real mapping writes the body.
 */
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'COMPLETE', results: [] }));
  });
});
afterAll(() => server.close());

const record = customerRecords('hs-companies');
const organization = JSON.parse(
  readFileSync(join(mappingsDir, 'hubspot/fixtures/canonical/organization.json'), 'utf8'),
).value as CustomerEvent;

/** The relay's command to HubSpot for golden record gc-…1: its name changed, its HubSpot member `ids`. */
const command = (
  ids: NonNullable<CustomerEvent['customer']['sourceIds']>,
  customerId = 'gc-00000000000000000001',
) =>
  ({
    ...organization,
    changedFields: ['organizationName', 'updatedAt'],
    origin: { system: 'mdm', documentId: `${customerId}@2`, changeOrigin: 'eai-mdm', changedBy: null },
    customer: { ...organization.customer, customerId, sourceIds: ids },
  }) as CustomerEvent;

function sink() {
  const context = testContext('hs-companies');
  context.outboundMapping = outboundMapping('hubspot-batch-upsert');
  const config = hubspotUpsertSinkConfig.parse({
    baseUrl: server.url,
    accessToken: 'pat-test',
    retry: { retries: 0 },
  });
  return createHubspotUpsertSink(config, context);
}

const writes = () => server.requests.filter((r) => r.url.startsWith('/crm/v3/objects/contacts/batch/'));

describe('HubSpot sink: a company golden record', () => {
  it('is skipped, saying it is a company, whether its id comes with idType company or bare from the xref', async () => {
    const before = writes().length;
    for (const ids of [
      [{ system: 'hubspot', id: 'company:5102', idType: 'company' }],
      [{ system: 'hubspot', id: 'company:5102', idType: null }],
    ])
      await expect(sink().put(record(command(ids)))).resolves.toEqual({
        skipped:
          'HubSpot company 5102 is a company: this sink writes contacts, companies are not written to HubSpot',
      });
    // The company source's own event on canonical.customer, keyed hubspot:company:5102.
    await expect(
      sink().put(
        record(
          command([{ system: 'hubspot', id: 'company:5102', idType: 'company' }], 'hubspot:company:5102'),
        ),
      ),
    ).resolves.toMatchObject({ skipped: expect.stringMatching(/is a company/) });
    expect(writes().length).toBe(before);
  });

  it('still writes the contact of the same number, by its record id', async () => {
    const before = writes().length;
    await expect(
      sink().put(record(command([{ system: 'hubspot', id: '5102', idType: 'hs_object_id' }]))),
    ).resolves.toBeUndefined();
    const sent = writes().slice(before);
    expect(sent.map((r) => [r.url, JSON.parse(r.body).inputs[0].id])).toEqual([
      ['/crm/v3/objects/contacts/batch/update', '5102'],
    ]);
  });

  it("skips an erasure that names a HubSpot company: HubSpot's GDPR delete is for contacts", () => {
    const erasure = erasureEvent(
      'er-1',
      'gc-00000000000000000001',
      { system: 'hubspot', sourceId: 'company:5102', idType: null },
      new Date(),
    );
    expect(gdprDeleteRequest(erasure)).toEqual({
      skipped:
        "the erasure names HubSpot company 5102, not a contact: HubSpot's GDPR delete is for contacts; delete the company in HubSpot if it must go",
    });
  });
});
