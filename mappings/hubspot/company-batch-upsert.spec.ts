import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { mapCommand } from '../engine/cli.ts';
import { mappingSchema } from '../engine/spec.ts';
import { findMapping } from '../index.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as unknown;
const dir = mkdtempSync(join(tmpdir(), 'eai-hubspot-company-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The documents `eai map --to-system --format hubspot-batch-upsert` writes for these records, parsed. */
async function written(records: unknown[]): Promise<Array<{ inputs: Array<Record<string, unknown>> }>> {
  const input = join(dir, `records-${records.length}.json`);
  writeFileSync(input, JSON.stringify(records));
  const result = await mapCommand({ format: 'hubspot-batch-upsert', input, toSystem: true });
  expect(result.code).toBe(0);
  return result.stdout
    .split(/\n(?=\{)/)
    .filter((d) => d.trim() !== '')
    .map((d) => JSON.parse(d));
}

describe('eai map --to-system --format hubspot-batch-upsert', () => {
  it("writes an organisation as a HubSpot company's properties and a person as a contact's", async () => {
    const [company, contact] = await written([
      fixture('company/organization-golden-record.json'),
      fixture('canonical/person-several-emails-phones.json'),
    ]);
    expect(company!.inputs[0]).toMatchObject({
      idProperty: 'eai_golden_id',
      id: '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e',
      properties: { name: 'Müller Maschinenbau GmbH', domain: 'mueller-maschinenbau.de', city: 'Berlin' },
    });
    // No contact's properties: a company has no firstname nor company property (HubSpot refuses the whole batch).
    expect(company!.inputs[0]!.properties).not.toHaveProperty('company');
    expect(company!.inputs[0]!.properties).not.toHaveProperty('firstname');
    expect(contact!.inputs[0]!.properties).toHaveProperty('firstname');
    expect(contact!.inputs[0]!.properties).not.toHaveProperty('name');
  });

  it('keeps an organisation HubSpot holds as a contact a contact, and writes a company member by its id', async () => {
    const [held] = await written([fixture('company/organization-held-as-contact.json')]);
    expect(held!.inputs[0]).toMatchObject({ id: '5103', properties: { company: 'Byron & Co' } });
    const [member] = await written([fixture('company/company-member-sync-command.json')]);
    expect(member!.inputs[0]).toEqual({
      id: '5102',
      properties: expect.objectContaining({
        phone: '+49 40 7654321',
        eai_golden_id: '6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e',
      }),
    });
  });
});

describe('where each body goes (sendTo)', () => {
  const records = [
    fixture('company/organization-golden-record.json'),
    fixture('canonical/person-several-emails-phones.json'),
  ];
  const input = join(dir, 'records-sent-to.json');
  writeFileSync(input, JSON.stringify(records));
  const company = 'mappings/hubspot/company-batch-upsert.from-canonical.yaml';
  const contacts = 'mappings/hubspot/batch-upsert.from-canonical.yaml';

  it('is said on stderr, document by document, the bodies alone on stdout', async () => {
    const result = await mapCommand({ format: 'hubspot-batch-upsert', input, toSystem: true });
    expect(result.stderr).toBe(
      `eai map: document 1 of 2 goes to /crm/v3/objects/companies (written by ${company})\n` +
        `eai map: document 2 of 2 goes to /crm/v3/objects/contacts (written by ${contacts})\n`,
    );
    expect(result.stdout.split(/\n(?=\{)/).map((d) => Object.keys(JSON.parse(d)))).toEqual([
      ['inputs'],
      ['inputs'],
    ]);
  });

  it('is a field of each document with --json', async () => {
    const result = await mapCommand({ format: 'hubspot-batch-upsert', input, toSystem: true, json: true });
    expect(result.stderr).toBe('');
    const [first, second] = JSON.parse(result.stdout) as Array<Record<string, string>>;
    expect(first).toMatchObject({ mapping: company, sendTo: '/crm/v3/objects/companies' });
    expect(JSON.parse(first!.document!).inputs[0].properties.name).toBe('Müller Maschinenbau GmbH');
    expect(second).toMatchObject({ mapping: contacts, sendTo: '/crm/v3/objects/contacts' });
    expect(JSON.parse(second!.document!).inputs[0].properties).toHaveProperty('firstname');
  });

  it('is refused on a to-canonical mapping', () => {
    const spec = parseYaml(readFileSync(join(import.meta.dirname, 'company.to-canonical.yaml'), 'utf8'));
    const file = join(dir, 'company-sent.to-canonical.yaml');
    writeFileSync(file, stringifyYaml({ ...spec, sendTo: '/crm/v3/objects/companies' }));
    expect(() => findMapping(file)).toThrow(
      /sendTo names where a from-canonical mapping's documents go, and this mapping reads hubspot-company into eai\.canonical\.CustomerEvent: remove it/,
    );
  });
});

describe('takesFirst', () => {
  it('is refused on a mapping that is its format’s default (without onlyByName), naming the key', () => {
    const spec = parseYaml(
      readFileSync(join(import.meta.dirname, 'company-batch-upsert.from-canonical.yaml'), 'utf8'),
    );
    expect(mappingSchema.safeParse(spec).success).toBe(true);
    const problem = mappingSchema.safeParse({ ...spec, onlyByName: false });
    expect(problem.success).toBe(false);
    expect(problem.error!.issues.map((i) => [i.path, i.message])).toEqual([
      [
        ['takesFirst'],
        "takesFirst is for a further mapping of its format: set onlyByName: true too (the format's default writes the records this one does not select)",
      ],
    ]);
  });
});
