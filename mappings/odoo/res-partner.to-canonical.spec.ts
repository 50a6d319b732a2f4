import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { findMapping, mapDocument } from '../index.ts';

/** Cases the fixtures (res-partner.to-canonical.expected) do not cover: how a person's name in one field is split. */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const mapping = findMapping('odoo/res-partner.to-canonical.yaml');
const reader = findReader('odoo-res-partner');

const partner = (id: number, name: string): Json => ({
  id,
  name,
  is_company: false,
  parent_id: false,
  type: 'contact',
  street: 'Hauptstr. 7',
  street2: false,
  zip: '20095',
  city: 'Hamburg',
  state_id: false,
  country_id: [57, 'Germany'],
  phone: false,
  mobile: false,
  email: false,
  active: true,
  create_date: '2024-05-05 05:05:05',
  write_date: '2024-05-06 06:06:06',
  write_uid: [2, 'Mitchell Admin'],
});

async function people(...names: string[]): Promise<Json[]> {
  const answer = { jsonrpc: '2.0', id: 1, result: names.map((n, i) => partner(i + 1, n)) };
  const documents = reader.parse(Buffer.from(JSON.stringify(answer)));
  const out: Json[] = [];
  for (const document of documents) {
    for (const r of await mapDocument(mapping, document, { receivedAt: new Date('2025-01-01T00:00:00Z') }))
      out.push(JSON.parse(JSON.stringify(r.value)).customer.person);
  }
  return out;
}

describe('odoo res.partner → CustomerEvent: a person’s name in one field', () => {
  it('is split as the CSV table splits one: family name first with a comma, a title, a particle', async () => {
    // "Smith, William" was given name "Smith," and family name "William" (the last word alone).
    const split = await people('Smith, William', 'Dr. Hans-Peter von der Heide', 'Jose Garcia', 'Madonna');
    expect(split.map((p) => [p.title ?? null, p.givenName ?? null, p.familyName])).toEqual([
      [null, 'William', 'Smith'],
      ['Dr.', 'Hans-Peter', 'von der Heide'],
      [null, 'Jose', 'Garcia'],
      [null, null, 'Madonna'],
    ]);
  });
});
