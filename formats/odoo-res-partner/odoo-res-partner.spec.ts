import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureSupport, itRefusesBrokenFixtures } from '../test-support.ts';
import { reader, writer } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, parse, refusal } = fixtureSupport(reader, fixtures);

describe('odoo-res-partner reader', () => {
  it('reads a JSON-RPC envelope: a company and its contact person, false as null', () => {
    const [company, person] = parse('envelope-company-and-contact.json');
    expect([company!.kind, company!.id, company!.source]).toEqual(['res.partner', '14', 'odoo']);
    expect(company!.tree).toMatchObject({
      $loc: '/result/0',
      id: 14,
      name: 'Müller Maschinenbau GmbH',
      isCompany: true,
      parent: null,
      state: { $loc: '/result/0/state_id', id: 82, name: 'Berlin (DE)' },
      country: { $loc: '/result/0/country_id', id: 57, name: 'Germany' },
      mobile: null,
      ref: 'GOLD-4711',
      customerRank: '3',
      active: true,
      createDate: '2024-01-15T08:00:00Z',
      writeDate: '2024-03-12T09:00:05Z',
      writeUser: { $loc: '/result/0/write_uid', id: 6, name: 'EAI Integration' },
    });
    expect(person!.tree).toMatchObject({
      isCompany: false,
      parent: { id: 14, name: 'Müller Maschinenbau GmbH' },
      country: null,
      ref: null,
      mobile: '+49 171 2345678',
    });
  });

  it('reads a bare result: an archived invoice address; non-ASCII names', () => {
    const [archived] = parse('bare-result-archived.json');
    expect([
      archived!.tree.$loc,
      archived!.tree.active,
      archived!.tree.type,
      archived!.tree.supplierRank,
    ]).toEqual(['/0', false, 'invoice', '2']);
    expect(parse('unicode-names.json')[0]!.tree.name).toBe('株式会社 山田商事');
  });

  it('reads company_type when is_company was not asked for', () => {
    const [doc] = reader.parse(Buffer.from('[{"id": 5, "name": "A", "company_type": "company"}]'));
    expect(doc!.tree.isCompany).toBe(true);
  });
});

describe('odoo-res-partner state_id', () => {
  it('reads the pair search_read answers (no code), or the state the source read in with its code and country code', () => {
    const [pair, readIn] = reader.parse(fixture('states-read-in.json')).reverse();
    expect(pair!.tree.state).toEqual({
      $loc: '/2/state_id',
      id: 602,
      name: 'New South Wales (AU)',
      code: null,
      countryCode: null,
    });
    expect(readIn!.tree.state).toEqual({
      $loc: '/1/state_id',
      id: 5,
      name: 'California (US)',
      code: 'CA',
      countryCode: 'US',
    });
  });

  it('refuses a state read in without a record id, or with its country not read in, naming the field', () => {
    const one = (state: unknown) => Buffer.from(JSON.stringify([{ id: 1, name: 'A', state_id: state }]));
    expect(() => reader.parse(one({ code: 'BY' }))).toThrow(
      /\/0\/state_id\/id: state_id.id must be a record id/,
    );
    expect(() => reader.parse(one({ id: 3, code: 'BY', country_id: 'DE' }))).toThrow(
      /\/0\/state_id\/country_id/,
    );
  });

  it('writes a region as ISO 3166-2 for the sink to resolve, which reads back as its codes; refuses other text', () => {
    const bytes = writer.write({ values: { ref: 'G', state_id: 'DE-BY' } });
    expect(JSON.parse(bytes.toString())).toEqual([{ ref: 'G', state_id: 'DE-BY' }]);
    expect(reader.parse(bytes)[0]!.tree.state).toMatchObject({ code: 'BY', countryCode: 'DE' });
    expect(() => writer.write({ values: { ref: 'G', state_id: 'Bayern' } })).toThrow(
      /\/state_id: state_id must be a res.country.state id or an ISO 3166-2 code/,
    );
  });
});

describe('odoo-res-partner writer', () => {
  it('writes one create values dict that reads back keyed by ref, null as false', () => {
    const bytes = writer.write({
      values: { ref: 'GOLD-1', name: 'Acme GmbH', is_company: true, country_id: 57, email: null },
    });
    expect(JSON.parse(bytes.toString())).toEqual([
      { ref: 'GOLD-1', name: 'Acme GmbH', is_company: true, country_id: 57, email: false },
    ]);
    const [back] = reader.parse(bytes);
    expect([back!.kind, back!.id, back!.tree.country?.id, back!.tree.email]).toEqual([
      'res.partner.values',
      'ref:GOLD-1',
      57,
      null,
    ]);
  });

  it('refuses values without ref, computed or unknown fields, and objects as values, naming the field', () => {
    expect(() => writer.write({ values: { name: 'A' } })).toThrow(/\/ref: ref \(the key of the upsert\)/);
    expect(() => writer.write({ values: { ref: 'G', display_name: 'A' } })).toThrow(
      /\/display_name: display_name is not a writable res.partner field/,
    );
    expect(() => writer.write({ values: { ref: 'G', country_id: { id: 57 } } })).toThrow(/\/country_id/);
  });
});

describe('odoo-res-partner child addresses in a values dict', () => {
  it('writes child_ids as address values dicts with their type, read back as children keyed by their parent', () => {
    const bytes = writer.write({
      values: {
        ref: 'G',
        street: 'Am Sandtorkai 1',
        child_ids: [
          { type: 'invoice', street: 'Postfach 1', street2: null, state_id: 'DE-HH' },
          { type: 'delivery', city: 'Hamburg', country_id: 57 },
        ],
      },
    });
    expect(JSON.parse(bytes.toString())).toEqual([
      {
        ref: 'G',
        street: 'Am Sandtorkai 1',
        child_ids: [
          { type: 'invoice', street: 'Postfach 1', street2: false, state_id: 'DE-HH' },
          { type: 'delivery', city: 'Hamburg', country_id: 57 },
        ],
      },
    ]);
    const [back] = reader.parse(bytes);
    expect(back!.tree.children.map((c) => [c.type, c.street, c.city, c.state?.code ?? null])).toEqual([
      ['invoice', 'Postfach 1', null, 'HH'],
      ['delivery', null, 'Hamburg', null],
    ]);
  });

  it('refuses a child of another type, a field that is no address field, and a child that is no dict, naming it', () => {
    const write = (child: unknown) => () => writer.write({ values: { ref: 'G', child_ids: [child] } });
    expect(write({ type: 'contact', street: 'A' })).toThrow(
      /\/child_ids\/0\/type: a child address's type must be invoice or delivery, got .*contact/,
    );
    expect(write({ type: 'invoice', email: 'a@b.example' })).toThrow(
      /\/child_ids\/0\/email: email is not an address field of a child address/,
    );
    expect(write('Postfach 1')).toThrow(/\/child_ids\/0: a child address must be a values dict/);
    expect(() => writer.write({ values: { ref: 'G', child_ids: { type: 'invoice' } } })).toThrow(
      /\/child_ids: child_ids must be a list/,
    );
  });
});

describe('odoo-res-partner broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'json-rpc-error.json': /^\/error$/,
    'bad-write-date.json': /^\/0\/write_date$/,
    'wrong-structure.json': /^\/result$/,
    'values-without-ref.json': /^\/0\/ref$/,
    'country-as-code.json': /^\/0\/country_id$/,
    'unknown-type.json': /^\/0\/type$/,
    'is-company-not-boolean.json': /^\/0\/is_company$/,
  });
  it('names the Odoo error message', () => {
    expect(refusal(fixture('broken/json-rpc-error.json')).message).toMatch(
      /AccessError: You are not allowed/,
    );
  });
});
