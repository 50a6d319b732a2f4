import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTACTS, type ContactObject, type HubSpotHarness, startHubSpot } from './test-support.ts';

const COMPANIES = '/crm/v3/objects/companies';

let hs: HubSpotHarness;
beforeAll(async () => {
  hs = await startHubSpot();
});
afterAll(() => hs.sim.close());
afterEach(async () => {
  await fetch(`${hs.sim.url}/sim/reset?empty=true`, { method: 'POST' });
});

const byGoldenId = (id: string, properties: Record<string, string>) => ({
  inputs: [{ idProperty: 'eai_golden_id', id, properties }],
});
const effects = async (query: string) =>
  (await (await fetch(`${hs.sim.url}/sim/effects?${query}`)).json()) as {
    count: number;
    effects: Array<{ operation: string; entityId: string }>;
  };
type Batch = { status: string; results: ContactObject[]; numErrors?: number; errors?: unknown[] };

describe("the simulator's companies API (CRM v3)", () => {
  it('batch upserts by eai_golden_id: creates once, then updates the same company; counted as company effects', async () => {
    const made = await hs.json<Batch>(
      'POST',
      `${COMPANIES}/batch/upsert`,
      byGoldenId('G-1', { name: 'Nordwind Handel GmbH', domain: 'nordwind.example', city: 'Hamburg' }),
    );
    expect(made.status).toBe(200);
    const [company] = made.body.results;
    expect(company).toMatchObject({
      new: true,
      archived: false,
      properties: {
        name: 'Nordwind Handel GmbH',
        domain: 'nordwind.example',
        city: 'Hamburg',
        eai_golden_id: 'G-1',
        hs_object_id: company!.id,
      },
    });
    expect(company!.properties.hs_lastmodifieddate).toBe(company!.updatedAt);
    const again = await hs.json<Batch>(
      'POST',
      `${COMPANIES}/batch/upsert`,
      byGoldenId('G-1', { phone: '+49 40 1234567' }),
    );
    expect(again.body.results[0]).toMatchObject({ id: company!.id, new: false });
    expect((await effects('entityType=company')).effects.map((e) => e.operation)).toEqual([
      'create',
      'update',
    ]);
    // A company is no contact: the contacts API neither lists nor counts it.
    expect((await effects('entityType=contact')).count).toBe(0);
    expect((await hs.json<{ results: unknown[] }>('GET', CONTACTS)).body.results).toEqual([]);
    const read = await hs.json<ContactObject>('GET', `${COMPANIES}/${company!.id}?properties=phone,name`);
    expect(read.body.properties).toMatchObject({ name: 'Nordwind Handel GmbH', phone: '+49 40 1234567' });
  });

  it("refuses what HubSpot refuses for companies: upsert by email or hs_object_id, a contact's property", async () => {
    const byEmail = await hs.json<{ category: string; message: string }>(
      'POST',
      `${COMPANIES}/batch/upsert`,
      {
        inputs: [{ idProperty: 'email', id: 'a@example.com', properties: { name: 'A' } }],
      },
    );
    expect(byEmail.status).toBe(400);
    expect(byEmail.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: 'Property email is not a unique identifier property of companies',
    });
    const byId = await hs.json<{ message: string }>('POST', `${COMPANIES}/batch/upsert`, {
      inputs: [{ idProperty: 'hs_object_id', id: '1', properties: { name: 'A' } }],
    });
    expect([byId.status, byId.body.message]).toEqual([
      400,
      'Unable to perform upsert by non-unique property hs_object_id',
    ]);
    const contactProperty = await hs.json<{ message: string }>(
      'POST',
      `${COMPANIES}/batch/upsert`,
      byGoldenId('G-2', { firstname: 'Ada' }),
    );
    expect(contactProperty.status).toBe(400);
    expect(contactProperty.body.message).toContain('PROPERTY_DOESNT_EXIST');
    expect((await effects('entityType=company')).count).toBe(0);
  });

  it('batch reads by id or by a unique property; ids it does not hold are named in a 207', async () => {
    const made = await hs.json<ContactObject>('POST', COMPANIES, {
      properties: { name: 'Acme', domain: 'acme.example', eai_golden_id: 'G-3' },
    });
    expect(made.status).toBe(201);
    const read = await hs.json<Batch>('POST', `${COMPANIES}/batch/read`, {
      properties: ['name', 'eai_golden_id'],
      inputs: [{ id: made.body.id }],
    });
    expect(read.status).toBe(200);
    expect(read.body.results.map((r) => [r.id, r.properties.name, r.properties.eai_golden_id])).toEqual([
      [made.body.id, 'Acme', 'G-3'],
    ]);
    const partial = await hs.json<Batch>('POST', `${COMPANIES}/batch/read`, {
      idProperty: 'eai_golden_id',
      properties: ['name'],
      inputs: [{ id: 'G-3' }, { id: 'G-404' }],
    });
    expect(partial.status).toBe(207);
    expect(partial.body).toMatchObject({
      status: 'COMPLETE',
      numErrors: 1,
      errors: [{ category: 'OBJECT_NOT_FOUND', context: { ids: ['G-404'] } }],
    });
    expect(partial.body.results.map((r) => r.id)).toEqual([made.body.id]);
  });

  it('lists with paging and default company properties, and searches by filter and query', async () => {
    for (const name of ['Alpha', 'Beta', 'Gamma'])
      await hs.json('POST', COMPANIES, { properties: { name, domain: `${name.toLowerCase()}.example` } });
    const first = await hs.json<{ results: ContactObject[]; paging?: { next: { after: string } } }>(
      'GET',
      `${COMPANIES}?limit=2`,
    );
    expect(first.body.results.map((r) => r.properties.name)).toEqual(['Alpha', 'Beta']);
    expect(Object.keys(first.body.results[0]!.properties)).toEqual([
      'createdate',
      'domain',
      'hs_lastmodifieddate',
      'hs_object_id',
      'name',
    ]);
    const next = await hs.json<{ results: ContactObject[]; paging?: unknown }>(
      'GET',
      `${COMPANIES}?limit=2&after=${first.body.paging!.next.after}`,
    );
    expect([next.body.results.map((r) => r.properties.name), next.body.paging]).toEqual([
      ['Gamma'],
      undefined,
    ]);
    const found = await hs.json<{ total: number; results: ContactObject[] }>('POST', `${COMPANIES}/search`, {
      filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: 'beta.example' }] }],
    });
    expect([found.body.total, found.body.results[0]?.properties.name]).toEqual([1, 'Beta']);
    const queried = await hs.json<{ total: number }>('POST', `${COMPANIES}/search`, { query: 'gamm' });
    expect(queried.body.total).toBe(1);
    const badProperty = await hs.json<{ errors: Array<{ message: string }> }>('POST', `${COMPANIES}/search`, {
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'x' }] }],
    });
    expect([badProperty.status, badProperty.body.errors[0]!.message]).toEqual([
      400,
      'Property email does not exist on object type companies',
    ]);
  });

  it('answers 429 RATE_LIMITS to a rate-limit fault, and applies nothing', async () => {
    await fetch(`${hs.sim.url}/sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ kind: 'rate_limit', path: `${COMPANIES}/**`, times: 1 }] }),
    });
    const limited = await hs.call('POST', `${COMPANIES}/batch/upsert`, byGoldenId('G-4', { name: 'Busy' }));
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ category: 'RATE_LIMITS', policyName: 'SECONDLY' });
    expect((await effects('entityType=company')).count).toBe(0);
    expect(
      (await hs.call('POST', `${COMPANIES}/batch/upsert`, byGoldenId('G-4', { name: 'Busy' }))).status,
    ).toBe(200);
  });

  it('answers 401 INVALID_AUTHENTICATION without a token, 404 OBJECT_NOT_FOUND for an unknown id', async () => {
    const anonymous = await fetch(`${hs.sim.url}${COMPANIES}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ category: 'INVALID_AUTHENTICATION' });
    const unknown = await hs.json<{ category: string }>('GET', `${COMPANIES}/123`);
    expect([unknown.status, unknown.body.category]).toEqual([404, 'OBJECT_NOT_FOUND']);
  });

  it('merges a company into another: the primary keeps its id and values, the other fills its empty ones and answers as it', async () => {
    const a = await hs.json<ContactObject>('POST', COMPANIES, {
      properties: { name: 'Nordwind Handel GmbH', city: 'Hamburg' },
    });
    const b = await hs.json<ContactObject>('POST', COMPANIES, {
      properties: { name: 'Nordwind Handel', domain: 'nordwind.example', eai_golden_id: 'G-2' },
    });
    const merged = await hs.json<ContactObject>('POST', `${COMPANIES}/merge`, {
      primaryObjectId: a.body.id,
      objectIdToMerge: b.body.id,
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: a.body.id });
    const byOther = await hs.json<ContactObject>(
      'GET',
      `${COMPANIES}/${b.body.id}?properties=name,city,domain,eai_golden_id,hs_merged_object_ids`,
    );
    expect(byOther.body).toMatchObject({
      id: a.body.id,
      properties: {
        name: 'Nordwind Handel GmbH',
        city: 'Hamburg',
        domain: 'nordwind.example',
        eai_golden_id: 'G-2',
        hs_merged_object_ids: b.body.id,
      },
    });
    const listed = await hs.json<{ results: ContactObject[] }>('GET', COMPANIES);
    expect(listed.body.results.map((c) => c.id)).toEqual([a.body.id]);
    expect(await effects('entityType=company&operation=merge')).toMatchObject({
      count: 1,
      effects: [{ operation: 'merge', entityId: a.body.id }],
    });
    // A contact's id is no company's: merging it is not found; a company with itself is refused.
    const contact = await hs.json<ContactObject>('POST', CONTACTS, {
      properties: { email: 'x@example.com' },
    });
    const across = await hs.json('POST', `${COMPANIES}/merge`, {
      primaryObjectId: a.body.id,
      objectIdToMerge: contact.body.id,
    });
    expect(across.status).toBe(404);
    const itself = await hs.json<{ message: string }>('POST', `${COMPANIES}/merge`, {
      primaryObjectId: a.body.id,
      objectIdToMerge: b.body.id,
    });
    expect(itself.status).toBe(400);
    expect(itself.body.message).toBe('Cannot merge an object with itself');
  });
});

describe('a seed of contacts and companies', () => {
  it('seeds a `type: company` line as a company: listed, paged and filtered as HubSpot lists companies, apart from the contacts', async () => {
    const at = '2024-01-02T03:04:05.000Z';
    const line = (type: string, id: string, properties: Record<string, string>, archived = false) =>
      JSON.stringify({
        system: 'hubspot',
        type,
        record: { id, properties, createdAt: at, updatedAt: at, archived },
      });
    const file = join(mkdtempSync(join(tmpdir(), 'eai-hs-seed-')), 'seed.jsonl');
    writeFileSync(
      file,
      [
        line('contact', '7001', { email: 'Ada@Example.org', firstname: 'Ada' }),
        line('company', '7002', { name: 'Nordwind Handel GmbH', domain: 'nordwind.example' }),
        line('company', '7003', { name: 'Lumière Conseil SAS', city: 'Paris' }),
        line('company', '7004', { name: 'Gone Ltd' }, true),
      ].join('\n'),
    );
    const seeded = await startHubSpot({ seed: file });
    try {
      type Page = { results: ContactObject[]; paging?: { next: { after: string } } };
      const first = await seeded.json<Page>(
        'GET',
        `${COMPANIES}?limit=1&properties=name,city&archived=false`,
      );
      expect(first.body.results).toEqual([
        {
          id: '7002',
          properties: {
            city: null,
            createdate: at,
            hs_lastmodifieddate: at,
            hs_object_id: '7002',
            name: 'Nordwind Handel GmbH',
          },
          createdAt: at,
          updatedAt: at,
          archived: false,
        },
      ]);
      const next = await seeded.json<Page>(
        'GET',
        `${COMPANIES}?limit=1&properties=name&archived=false&after=${first.body.paging!.next.after}`,
      );
      expect([next.body.results.map((c) => c.properties.name), next.body.paging]).toEqual([
        ['Lumière Conseil SAS'],
        undefined,
      ]);
      const archived = await seeded.json<Page>('GET', `${COMPANIES}?archived=true`);
      expect(archived.body.results.map((c) => c.id)).toEqual(['7004']);
      const contacts = await seeded.json<Page>('GET', `${CONTACTS}?properties=email`);
      expect(contacts.body.results.map((c) => [c.id, c.properties.email])).toEqual([
        ['7001', 'ada@example.org'],
      ]);
      // The daily limit spent: the companies list is refused as the contacts' is.
      await fetch(`${seeded.sim.url}/sim/daily-limit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reached: true }),
      });
      const limited = await seeded.json<{ policyName: string }>('GET', `${COMPANIES}?limit=1`);
      expect([limited.status, limited.body.policyName]).toEqual([429, 'DAILY']);
    } finally {
      await seeded.sim.close();
    }
  });
});
