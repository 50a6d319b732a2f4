import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findMapping, mappingsDir, outboundMapping } from '../../mappings/index.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { type HubSpotHarness, startHubSpot } from '../../simulators/hubspot/test-support.ts';
import { customerRecords, testContext } from '../transports/test-support.ts';
import { COMPANY_MAPPING, createHubspotUpsertSink, hubspotUpsertSinkConfig } from './upsert-sink.ts';

/**
 * The HubSpot sink with `companies: true` against the simulator's companies API: an organisation golden record is a
 * company there (upserted by eai_golden_id, or updated by the company's id the xref gives), a person still a contact.
 */
let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());
afterEach(async () => {
  await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
});

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(mappingsDir, 'hubspot/fixtures', name), 'utf8')).value as CustomerEvent;
const organization = fixture('company/organization-golden-record.json');
const person = fixture('canonical/person-several-emails-phones.json');
const record = customerRecords('hs-company-sink');

function sink(companies?: boolean, more: { companyMapping?: string; baseDir?: string } = {}) {
  const context = testContext('hs-company-sink');
  context.outboundMapping = outboundMapping('hubspot-batch-upsert');
  if (more.baseDir) context.baseDir = more.baseDir;
  const config = hubspotUpsertSinkConfig.parse({
    baseUrl: hs.sim.url,
    accessToken: hs.app.accessTokens[0],
    retry: { retries: 0 },
    ...(companies === undefined ? {} : { companies }),
    ...(more.companyMapping ? { companyMapping: more.companyMapping } : {}),
  });
  return createHubspotUpsertSink(config, context);
}

type Listed = { results: Array<{ id: string; properties: Record<string, string | null> }> };
const companies = async () =>
  (await hs.json<Listed>('GET', '/crm/v3/objects/companies?properties=name,city,phone,domain,eai_golden_id'))
    .body.results;
const contacts = async () =>
  (await hs.json<Listed>('GET', '/crm/v3/objects/contacts?properties=company,firstname,eai_golden_id')).body
    .results;
const companyEffects = async () =>
  (
    (await (await fetch(`${hs.sim.url}/sim/effects?entityType=company`)).json()) as {
      effects: Array<{ operation: string }>;
    }
  ).effects.map((e) => e.operation);

describe('HubSpot sink with companies: true', () => {
  it('writes an organisation golden record as one company, by eai_golden_id, however often it is sent', async () => {
    const out = sink(true);
    await expect(out.put(record(organization))).resolves.toBeUndefined();
    await expect(out.put(record(organization))).resolves.toBeUndefined();
    expect(await companies()).toEqual([
      expect.objectContaining({
        properties: expect.objectContaining({
          name: 'Müller Maschinenbau GmbH',
          city: 'Berlin',
          domain: 'mueller-maschinenbau.de',
          eai_golden_id: organization.customer.customerId,
        }),
      }),
    ]);
    expect(await companyEffects()).toEqual(['create', 'update']);
    expect(await contacts()).toEqual([]);
  });

  it('updates the company the xref names (company:<id>) by its id, stamping the golden id on it', async () => {
    const made = await hs.json<{ id: string }>('POST', '/sim/companies', {
      properties: { name: 'Nordwind Handel GmbH', domain: 'nordwind.example' },
    });
    const command = {
      ...organization,
      changeType: 'UPDATED',
      changedFields: ['phones', 'updatedAt'],
      customer: {
        ...organization.customer,
        customerId: 'gc-00000000000000000007',
        sourceIds: [{ system: 'hubspot', id: `company:${made.body.id}`, idType: 'company' }],
      },
    } as CustomerEvent;
    await expect(sink(true).put(record(command))).resolves.toBeUndefined();
    expect(await companies()).toEqual([
      expect.objectContaining({
        id: made.body.id,
        properties: expect.objectContaining({
          name: 'Nordwind Handel GmbH',
          phone: '+493012345678',
          eai_golden_id: 'gc-00000000000000000007',
        }),
      }),
    ]);
  });

  it('dead-letters a company HubSpot no longer holds with its 207 reason, and writes a person as a contact', async () => {
    const gone = {
      ...organization,
      customer: {
        ...organization.customer,
        sourceIds: [{ system: 'hubspot', id: 'company:999', idType: 'company' }],
      },
    } as CustomerEvent;
    await expect(sink(true).put(record(gone))).rejects.toThrow(
      /OBJECT_NOT_FOUND: Could not find object with id 999/,
    );
    await expect(sink(true).put(record(person))).resolves.toBeUndefined();
    expect((await contacts()).map((c) => c.properties.firstname)).toEqual([
      person.customer.person?.givenName,
    ]);
    expect(await companies()).toEqual([]);
  });
});

describe('HubSpot sink without companies (the default)', () => {
  it('writes an organisation as a contact and no company, as before', async () => {
    await expect(sink().put(record(organization))).resolves.toBeUndefined();
    expect(await companies()).toEqual([]);
    expect((await contacts()).map((c) => c.properties.company)).toEqual(['Müller Maschinenbau GmbH']);
  });
});

describe('companyMapping: the company mapping a deployment names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eai-hs-company-mapping-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const shipped = readFileSync(join(mappingsDir, COMPANY_MAPPING), 'utf8');

  it('writes companies with a copy beside the deployment file, persons still with the connector mapping', async () => {
    const copy = shipped.replace(
      "{'name': $c.organizationName}",
      "{'name': $c.organizationName, 'description': 'written by our copy'}",
    );
    expect(copy).not.toBe(shipped);
    writeFileSync(join(dir, 'our-companies.from-canonical.yaml'), copy);
    const out = sink(true, { companyMapping: 'our-companies.from-canonical.yaml', baseDir: dir });
    await expect(out.put(record(organization))).resolves.toBeUndefined();
    await expect(out.put(record(person))).resolves.toBeUndefined();
    const [company] = (await hs.json<Listed>('GET', '/crm/v3/objects/companies?properties=name,description'))
      .body.results;
    expect(company?.properties).toMatchObject({
      name: 'Müller Maschinenbau GmbH',
      description: 'written by our copy',
    });
    expect((await contacts()).map((c) => c.properties.firstname)).toEqual([
      person.customer.person?.givenName,
    ]);
  });

  it('refuses at start a mapping that writes no HubSpot batch body, naming companyMapping', () => {
    expect(() => sink(true, { companyMapping: 'hubspot/company.to-canonical.yaml' })).toThrow(
      /connector hs-company-sink: companyMapping hubspot\/company\.to-canonical\.yaml reads format hubspot-company \(a to-canonical mapping\): name a from-canonical mapping whose output is hubspot-batch-upsert/,
    );
    expect(() => sink(true, { companyMapping: 'csv/customer-table.from-canonical.yaml' })).toThrow(
      /companyMapping csv\/customer-table\.from-canonical\.yaml writes format csv/,
    );
  });

  it('sends bodies where their mapping says (sendTo), refusing at start a mapping that says otherwise', () => {
    writeFileSync(
      join(dir, 'to-contacts.from-canonical.yaml'),
      shipped.replace('sendTo: /crm/v3/objects/companies', 'sendTo: /crm/v3/objects/contacts'),
    );
    expect(() => sink(true, { companyMapping: 'to-contacts.from-canonical.yaml', baseDir: dir })).toThrow(
      /companyMapping to-contacts\.from-canonical\.yaml says its bodies go to \/crm\/v3\/objects\/contacts \(sendTo\), and this sink sends the company mapping's to \/crm\/v3\/objects\/companies/,
    );
    const context = testContext('hs-company-sink');
    context.outboundMapping = findMapping(COMPANY_MAPPING);
    expect(() =>
      createHubspotUpsertSink(hubspotUpsertSinkConfig.parse({ accessToken: 'pat-x' }), context),
    ).toThrow(
      /says its bodies go to \/crm\/v3\/objects\/companies \(sendTo\), and this sink sends its connector mapping's to \/crm\/v3\/objects\/contacts: name it as companyMapping \(with companies: true\)/,
    );
  });

  it('is the shipped one by default', () => {
    expect(hubspotUpsertSinkConfig.parse({ accessToken: 'pat-x' }).companyMapping).toBe(COMPANY_MAPPING);
  });
});
