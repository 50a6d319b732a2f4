import { describe, expect, it } from 'vitest';
import type { Address, CustomerPartyMaster } from '../schemas/types.generated.ts';
import { createRng } from '../simulators/generator/prng.ts';
import { defaultMdmConfig, parseMdmConfig } from './config.ts';
import { standardise } from './standardise.ts';
import { type Member, survive } from './survivorship.ts';

const customer = (country: string | null, ...numbers: string[]): CustomerPartyMaster => ({
  customerId: 'crm:1',
  sourceIds: [{ system: 'crm', id: '1' }],
  partyType: 'PERSON',
  person: { givenName: 'Anna', familyName: 'Petrova' },
  phones: numbers.map((number) => ({ number, use: 'work' })),
  addresses: country ? [{ use: 'BILLING', lines: ['Tverskaya 1'], city: 'X', countryCode: country }] : [],
});

const goldenPhones = (record: CustomerPartyMaster, config = defaultMdmConfig()) =>
  survive('gc-1', [{ system: 'crm', sourceId: '1', record }], config).record.phones;

describe('golden phones', () => {
  it('are E.164, national forms read in the country of the record’s address', () => {
    expect(goldenPhones(customer('RU', '8 (495) 123-45-67'))).toEqual([
      { number: '+74951234567', isE164: true, use: 'work' },
    ]);
    expect(goldenPhones(customer('DE', '030 1234567'))?.[0]?.number).toBe('+49301234567');
    expect(goldenPhones(customer('GB', '020 7946 0000'))?.[0]?.number).toBe('+442079460000');
    // A country name, as some sources send it, is read as the matcher reads it.
    expect(goldenPhones(customer('Deutschland', '030 1234567'))?.[0]?.number).toBe('+49301234567');
    expect(goldenPhones(customer('DE', '+49 (0)30 123 4567'))?.[0]?.number).toBe('+49301234567');
  });

  it('read national forms in defaultCountry when the record has no address country', () => {
    const config = parseMdmConfig({ defaultCountry: 'DE' });
    expect(goldenPhones(customer(null, '030 1234567'), config)?.[0]?.number).toBe('+49301234567');
  });

  it('keep a number libphonenumber cannot read as written', () => {
    expect(goldenPhones(customer(null, '030 1234567'))).toEqual([{ number: '030 1234567', use: 'work' }]);
    expect(goldenPhones(customer('DE', 'ext. 42'))).toEqual([{ number: 'ext. 42', use: 'work' }]);
  });

  it('match the E.164 form: a national number and the international one compare equal', () => {
    const config = defaultMdmConfig();
    expect(standardise(customer('RU', '8 (495) 123-45-67'), config).phones).toEqual(
      standardise(customer(null, '+7 495 123-45-67'), config).phones,
    );
  });
});

describe('golden addresses', () => {
  it('carry the ISO code of a country a source sent by name, and keep one it cannot read as written', () => {
    const golden = (country: string) =>
      survive('gc-1', [{ system: 'crm', sourceId: '1', record: customer(country) }], defaultMdmConfig())
        .record.addresses?.[0]?.countryCode;
    expect(['Polska', 'United Kingdom', 'Schweiz', 'DE', 'Atlantis'].map(golden)).toEqual([
      'PL',
      'GB',
      'CH',
      'DE',
      'Atlantis',
    ]);
  });
});

describe('golden postal codes', () => {
  const member = (system: string, updatedAt: string, address: Address): Member => ({
    system,
    sourceId: '1',
    record: {
      customerId: `${system}:1`,
      sourceIds: [{ system, id: '1' }],
      partyType: 'PERSON',
      person: { givenName: 'John', familyName: 'Smith' },
      addresses: [address],
      updatedAt: updatedAt as unknown as Date,
    },
  });
  const postalCodeOf = (code: string, country: string) =>
    survive(
      'gc-1',
      [member('crm', '2026-01-01T00:00:00Z', { use: 'BILLING', postalCode: code, countryCode: country })],
      defaultMdmConfig(),
    ).record.addresses?.[0]?.postalCode;

  it('carry the leading zeros a spreadsheet dropped, in the countries whose codes have them', () => {
    expect(
      [
        ['2141', 'US'],
        [' 2141 ', 'United States'],
        ['1067', 'Deutschland'],
        ['02141', 'US'],
        ['100', 'BE'],
        ['2141', 'Atlantis'],
        ['SW1A 2AA', 'GB'],
      ].map(([code, country]) => postalCodeOf(code as string, country as string)),
    ).toEqual(['02141', '02141', '01067', '02141', '100', '2141', 'SW1A 2AA']);
  });

  it('carry them in a part filled from another member of the same place too', () => {
    const csv = member('csv', '2026-01-01T00:00:00Z', {
      use: 'BILLING',
      lines: ['8 Stanley Street'],
      city: 'Boston',
      postalCode: '2141',
      countryCode: 'US',
    });
    const crm = member('crm', '2026-02-01T00:00:00Z', { use: 'BILLING', city: 'Boston', countryCode: 'US' });
    const { record, lineage } = survive('gc-1', [crm, csv], defaultMdmConfig());
    expect(record.addresses?.[0]).toEqual({
      use: 'BILLING',
      lines: ['8 Stanley Street'],
      city: 'Boston',
      postalCode: '02141',
      countryCode: 'US',
    });
    expect(lineage['addresses[BILLING].postalCode']?.system).toBe('csv');
  });
});

describe('golden addresses of every use', () => {
  const address = (use: Address['use'], street: string, city = 'Hamburg'): Address => ({
    use,
    lines: [street],
    city,
    postalCode: '20095',
    countryCode: 'DE',
  });
  const company = (system: string, id: string, updatedAt: string, ...addresses: Address[]): Member => ({
    system,
    sourceId: id,
    record: {
      customerId: `${system}:${id}`,
      sourceIds: [{ system, id }],
      partyType: 'ORGANIZATION',
      organizationName: 'Weber Logistik GmbH',
      addresses,
      updatedAt: updatedAt as unknown as Date,
    },
  });
  const sap = company('sap', '0000100001', '2026-03-02T00:00:00Z', address('BILLING', 'Ballindamm 1'));
  const salesforce = company(
    'salesforce',
    '001A',
    '2026-03-01T00:00:00Z',
    address('BILLING', 'Ballindamm 1'),
    address('SHIPPING', 'Am Lagerhaus 7', 'Bremen'),
  );
  const golden = (members: Member[], config = defaultMdmConfig()) => survive('gc-1', members, config);

  it('add the use the winner lacks (the branch SHIPPING address) from the other member, with its lineage', () => {
    const { record, lineage } = golden([sap, salesforce]);
    expect(record.addresses?.map((a) => [a.use, a.lines?.[0]])).toEqual([
      ['BILLING', 'Ballindamm 1'],
      ['SHIPPING', 'Am Lagerhaus 7'],
    ]);
    expect(lineage.addresses).toEqual({ system: 'sap', sourceId: '0000100001', rule: 'mostRecent' });
    expect(lineage['addresses[SHIPPING]']).toEqual({
      system: 'salesforce',
      sourceId: '001A',
      rule: 'mostRecent',
    });
    expect(lineage['addresses[BILLING]']).toBeUndefined();
  });

  it('are the same for the same members in any order', () => {
    const hubspot = company('hubspot', '501', '2026-02-01T00:00:00Z', address('MAILING', 'Postfach 12'));
    const members = [sap, salesforce, hubspot];
    const orders = [members, [...members].reverse(), [hubspot, sap, salesforce]];
    const results = orders.map((order) => golden(order));
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    expect(results[0]?.record.addresses?.map((a) => a.use)).toEqual(['BILLING', 'SHIPPING', 'MAILING']);
  });

  it('take a use two members hold from the better one by the field rule, a tie by member key', () => {
    const odoo = company('odoo', '7', '2026-02-15T00:00:00Z', address('SHIPPING', 'Hafenstraße 3', 'Kiel'));
    // mostRecent: Salesforce's shipping address (changed 1 March) over Odoo's (15 February).
    expect(golden([sap, salesforce, odoo]).lineage['addresses[SHIPPING]']?.system).toBe('salesforce');
    // Equal times: the smaller member key (odoo < salesforce), whichever comes first.
    const tied = { ...odoo, record: { ...odoo.record, updatedAt: salesforce.record.updatedAt } };
    expect(golden([sap, salesforce, tied]).lineage['addresses[SHIPPING]']?.system).toBe('odoo');
    expect(golden([tied, salesforce, sap]).lineage['addresses[SHIPPING]']?.system).toBe('odoo');
    // sourcePriority: the order of the systems, whatever the times.
    const config = parseMdmConfig({
      survivorship: {
        fields: { addresses: { rule: 'sourcePriority', priority: ['sap', 'odoo', 'salesforce'] } },
      },
    });
    expect(golden([sap, salesforce, odoo], config).lineage['addresses[SHIPPING]']?.system).toBe('odoo');
  });

  it('never replace a use the winner holds, and keep addresses without a use (or OTHER) the winner’s alone', () => {
    const newer = company(
      'salesforce',
      '001A',
      '2026-03-05T00:00:00Z',
      address('BILLING', 'Neuer Wall 9'),
      address(undefined, 'Irgendwo 1'),
    );
    const other = company(
      'odoo',
      '7',
      '2026-02-15T00:00:00Z',
      address('OTHER', 'Elsewhere 2'),
      address(undefined, 'X 1'),
    );
    const { record, lineage } = golden([sap, newer, other]);
    // Salesforce wins (newest) with its billing address and its address without a use; SAP's older billing
    // address is not added beside it, nor Odoo's OTHER or use-less ones.
    expect(record.addresses?.map((a) => [a.use ?? null, a.lines?.[0]])).toEqual([
      ['BILLING', 'Neuer Wall 9'],
      [null, 'Irgendwo 1'],
    ]);
    expect(Object.keys(lineage).filter((k) => k.startsWith('addresses'))).toEqual(['addresses']);
  });

  it('take no use from a copy of the hub’s (an echo read back under the system’s own use), but from a use kept own', () => {
    // HubSpot holds one address: the golden billing address the hub wrote there, read back as MAILING.
    const echoed: Member = {
      ...company('hubspot', '501', '2026-03-03T00:00:00Z', address('MAILING', 'Ballindamm 1')),
      fieldTimes: { addresses: null },
    };
    expect(golden([sap, salesforce, echoed]).record.addresses?.map((a) => a.use)).toEqual([
      'BILLING',
      'SHIPPING',
    ]);
    // Salesforce's addresses a copy since the hub wrote its billing address, its shipping address its own.
    const written: Member = {
      ...salesforce,
      fieldTimes: {
        addresses: null,
        'addresses[BILLING]': null,
        'addresses[SHIPPING]': '2026-03-01T00:00:00Z',
      },
    };
    expect(golden([sap, written]).lineage['addresses[SHIPPING]']?.system).toBe('salesforce');
    const allCopy: Member = { ...salesforce, fieldTimes: { addresses: null } };
    expect(golden([sap, allCopy]).record.addresses?.map((a) => a.use)).toEqual(['BILLING']);
  });

  it('carry the ISO country code on added addresses too', () => {
    const polish = company('salesforce', '001B', '2026-03-01T00:00:00Z', {
      ...address('SHIPPING', 'Marszałkowska 1', 'Warszawa'),
      countryCode: 'Polska',
    });
    expect(golden([sap, polish]).record.addresses?.[1]?.countryCode).toBe('PL');
  });
});

describe('an address of the same place from another member', () => {
  const company = (system: string, id: string, updatedAt: string, ...addresses: Address[]): Member => ({
    system,
    sourceId: id,
    record: {
      customerId: `${system}:${id}`,
      sourceIds: [{ system, id }],
      partyType: 'ORGANIZATION',
      organizationName: 'Weber Logistik GmbH',
      addresses,
      updatedAt: updatedAt as unknown as Date,
    },
  });
  // SAP's full billing address (older), and a newer Salesforce Account that knows the city and postcode only.
  const sap = company('sap', '0000100001', '2026-03-01T00:00:00Z', {
    use: 'BILLING',
    lines: ['Ballindamm 1'],
    city: 'Hamburg',
    region: 'DE-HH',
    postalCode: '20095',
    countryCode: 'DE',
  });
  const partial = company('salesforce', '001A', '2026-03-05T00:00:00Z', {
    use: 'BILLING',
    lines: [],
    city: 'HAMBURG ',
    postalCode: '20095',
    countryCode: 'Deutschland',
  });
  const golden = (members: Member[], config = defaultMdmConfig()) => survive('gc-1', members, config);

  it('keeps the parts the newer one lacks (the street) from the fuller one, each part’s source in the lineage', () => {
    const { record, lineage } = golden([sap, partial]);
    expect(record.addresses).toEqual([
      {
        use: 'BILLING',
        lines: ['Ballindamm 1'],
        city: 'HAMBURG ',
        region: 'DE-HH',
        postalCode: '20095',
        countryCode: 'DE',
      },
    ]);
    // The address won by the newer member (its city as written), its missing parts from SAP.
    expect(lineage.addresses?.system).toBe('salesforce');
    expect(lineage['addresses[BILLING].lines']).toEqual({
      system: 'sap',
      sourceId: '0000100001',
      rule: 'mostRecent',
    });
    expect(lineage['addresses[BILLING].region']?.system).toBe('sap');
    expect(lineage['addresses[BILLING].city']).toBeUndefined();
    // A function of the member set.
    expect(golden([partial, sap])).toEqual(golden([sap, partial]));
  });

  it('lets a newer address of another place win whole (another postcode, city or street)', () => {
    const moved = (parts: Partial<Address>) =>
      company('salesforce', '001A', '2026-03-05T00:00:00Z', {
        use: 'BILLING',
        city: 'Hamburg',
        postalCode: '20095',
        countryCode: 'DE',
        ...parts,
      });
    for (const other of [
      moved({ postalCode: '22765', city: 'Hamburg' }),
      moved({ city: 'Bremen', postalCode: null }),
      moved({ lines: ['Neuer Wall 9'] }),
      moved({ countryCode: 'AT' }),
    ]) {
      const { record, lineage } = golden([sap, other]);
      expect(record.addresses?.[0]?.lines ?? [], JSON.stringify(other.record.addresses)).toEqual(
        other.record.addresses?.[0]?.lines ?? [],
      );
      expect(record.addresses?.[0]?.region).toBeUndefined();
      expect(Object.keys(lineage).filter((k) => k.startsWith('addresses['))).toEqual([]);
    }
  });

  it('needs the city or postcode of both to agree: a country alone says nothing of the place', () => {
    const countryOnly = company('salesforce', '001A', '2026-03-05T00:00:00Z', {
      use: 'BILLING',
      countryCode: 'DE',
    });
    expect(golden([sap, countryOnly]).record.addresses).toEqual([{ use: 'BILLING', countryCode: 'DE' }]);
    // A street written another way is the same street (Str. = Straße), so the postcode is kept from SAP.
    const sapStr = company('sap', '0000100001', '2026-03-01T00:00:00Z', {
      use: 'BILLING',
      lines: ['Hafenstr. 3'],
      city: 'Kiel',
      postalCode: '24103',
    });
    const written = company('salesforce', '001A', '2026-03-05T00:00:00Z', {
      use: 'BILLING',
      lines: ['Hafenstraße 3'],
      city: 'Kiel',
    });
    expect(golden([sapStr, written]).record.addresses?.[0]).toEqual({
      use: 'BILLING',
      lines: ['Hafenstraße 3'],
      city: 'Kiel',
      postalCode: '24103',
    });
  });

  it('fills from the members by the field rule, each only where it agrees with what is filled so far', () => {
    // Two older sources of the same postcode with different streets: the more recent one's street, not a mix.
    const odoo = company('odoo', '7', '2026-02-01T00:00:00Z', {
      use: 'BILLING',
      lines: ['Mönckebergstraße 7'],
      city: 'Hamburg',
      postalCode: '20095',
      countryCode: 'DE',
      region: 'DE-HH',
    });
    const { record, lineage } = golden([odoo, sap, partial]);
    expect(record.addresses?.[0]?.lines).toEqual(['Ballindamm 1']);
    expect(lineage['addresses[BILLING].lines']?.system).toBe('sap');
    // sourcePriority ranks them by the systems' order.
    const config = parseMdmConfig({
      survivorship: {
        fields: { addresses: { rule: 'sourcePriority', priority: ['salesforce', 'odoo', 'sap'] } },
      },
    });
    expect(golden([odoo, sap, partial], config).record.addresses?.[0]?.lines).toEqual(['Mönckebergstraße 7']);
  });

  it('fills an address of a use added from another member too, and takes nothing from a copy of the hub’s', () => {
    // Salesforce wins the addresses (newest) without a SHIPPING one; Odoo's (newer than HubSpot's) is added, and
    // HubSpot's of the same place gives it the street Odoo lacks.
    const salesforce = company('salesforce', '001A', '2026-03-05T00:00:00Z', {
      use: 'BILLING',
      lines: ['Ballindamm 1'],
      city: 'Hamburg',
      postalCode: '20095',
      countryCode: 'DE',
    });
    const odoo = company('odoo', '7', '2026-02-10T00:00:00Z', {
      use: 'SHIPPING',
      city: 'Bremen',
      postalCode: '28197',
      countryCode: 'DE',
    });
    const hubspot = company('hubspot', '501', '2026-01-01T00:00:00Z', {
      use: 'SHIPPING',
      lines: ['Am Lagerhaus 7'],
      city: 'Bremen',
      postalCode: '28197',
    });
    const { record, lineage } = golden([salesforce, odoo, hubspot]);
    expect(record.addresses?.[1]).toEqual({
      use: 'SHIPPING',
      lines: ['Am Lagerhaus 7'],
      city: 'Bremen',
      postalCode: '28197',
      countryCode: 'DE',
    });
    expect(lineage['addresses[SHIPPING]']?.system).toBe('odoo');
    expect(lineage['addresses[SHIPPING].lines']?.system).toBe('hubspot');
    const echoed: Member = { ...sap, fieldTimes: { addresses: null } };
    expect(golden([echoed, partial]).record.addresses?.[0]?.lines).toEqual([]);
  });
});

describe('the winner of each field', () => {
  // The rules as plain comparisons, each worked out in every comparison (as survive did before it read a member's
  // key and times once per call): survive must pick the same winner for every field of every cluster.
  const time = (v: unknown) => {
    const t = v === null || v === undefined ? Number.NaN : new Date(v as string).getTime();
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  const own = (m: Member, f: string) => (m.fieldTimes && f in m.fieldTimes ? m.fieldTimes[f] : undefined);
  const fieldTime = (m: Member, f: string) => {
    const t = own(m, f);
    return t !== undefined ? time(t) : time(m.record.updatedAt);
  };
  const key = (m: Member) => `${m.system}\u0000${m.sourceId}`;
  const byKey = (a: Member, b: Member) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const leaves = (v: unknown): number =>
    v === null || v === undefined || v === ''
      ? 0
      : Array.isArray(v) || typeof v === 'object'
        ? Object.values(v as object).reduce((n: number, x) => n + leaves(x), 0)
        : 1;
  const print = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (typeof x === 'string' ? x.trim().toLowerCase().replace(/\s+/g, ' ') : x));
  function expectedWinner(
    field: string,
    members: Member[],
    rule: string,
    priority: string[],
  ): Member | undefined {
    const value = (m: Member) => (m.record as unknown as Record<string, unknown>)[field];
    const candidates = [...members].sort(byKey).filter((m) => leaves(value(m)) > 0);
    const recent = (a: Member, b: Member) => fieldTime(b, field) - fieldTime(a, field) || byKey(a, b);
    const rank = (m: Member) => (priority.indexOf(m.system) + priority.length + 1) % (priority.length + 1);
    const voters = candidates.filter((m) => own(m, field) !== null);
    // Votes are systems: two records of one system holding a value are one vote.
    const count = (m: Member) =>
      new Set(
        (voters.length ? voters : candidates)
          .filter((v) => print(value(v)) === print(value(m)))
          .map((v) => v.system),
      ).size;
    const order: Record<string, (a: Member, b: Member) => number> = {
      sourcePriority: (a, b) => rank(a) - rank(b) || recent(a, b),
      mostRecent: recent,
      mostComplete: (a, b) => leaves(value(b)) - leaves(value(a)) || recent(a, b),
      mostFrequent: (a, b) => count(b) - count(a) || recent(a, b),
    };
    return candidates.sort(order[rule])[0];
  }

  it('is the one the rule’s comparisons pick, on 2,000 random clusters under each rule', () => {
    const rng = createRng(47);
    const times = [
      undefined,
      null,
      '2025-01-01T00:00:00Z',
      '2025-03-01T00:00:00Z',
      '2024-12-31',
      'not a date',
    ];
    const names = ['Anna', 'anna ', 'ANNA', 'Bert', 'bert', ''];
    const member = (j: number): Member => {
      const fieldTimes: Record<string, string | null> = {};
      for (const f of ['person', 'birthDate', 'emails', 'taxId', 'status']) {
        const t = rng.pick(times);
        if (t !== undefined && rng.chance(0.4)) fieldTimes[f] = t;
      }
      const updatedAt = rng.pick(times);
      return {
        system: rng.pick(['sap', 'odoo', 'salesforce', 'hubspot', 'febrl']),
        sourceId: `${rng.int(0, 3)}${j}`,
        record: {
          customerId: 'x',
          sourceIds: [],
          ...(updatedAt ? { updatedAt: updatedAt as unknown as Date } : {}),
          ...(rng.chance(0.8) ? { person: { givenName: rng.pick(names), familyName: rng.pick(names) } } : {}),
          ...(rng.chance(0.6)
            ? { birthDate: rng.pick(['1970-01-01', '1970-01-02', '']) as unknown as Date }
            : {}),
          emails: rng.chance(0.6) ? [{ address: rng.pick(['a@x.de', 'A@x.de ', 'b@y.com']) }] : [],
          ...(rng.chance(0.5) ? { taxId: { value: rng.pick(['DE1', 'de1', 'DE2']), scheme: 'VAT' } } : {}),
          ...(rng.chance(0.5) ? { status: rng.pick(['ACTIVE', 'INACTIVE']) } : {}),
        } as CustomerPartyMaster,
        ...(rng.chance(0.7) ? { fieldTimes } : {}),
      };
    };
    const fields = ['person', 'birthDate', 'emails', 'taxId', 'status'] as const;
    let compared = 0;
    let contested = 0;
    for (const rule of ['sourcePriority', 'mostRecent', 'mostComplete', 'mostFrequent'] as const) {
      const priority = ['hubspot', 'sap', 'odoo'];
      const config = parseMdmConfig({ survivorship: { default: { rule, priority }, fields: {} } });
      for (let i = 0; i < 2000; i++) {
        const members = Array.from({ length: rng.int(1, 5) }, (_, j) => member(j));
        const { lineage } = survive('gc-1', members, config);
        for (const field of fields) {
          const expected = expectedWinner(field, members, rule, priority);
          const got = lineage[field];
          compared++;
          if (
            members.filter((m) => leaves((m.record as unknown as Record<string, unknown>)[field]) > 0)
              .length > 2
          )
            contested++;
          expect(got && `${got.system}:${got.sourceId}`, `${rule} ${field} ${JSON.stringify(members)}`).toBe(
            expected && `${expected.system}:${expected.sourceId}`,
          );
        }
      }
    }
    expect(compared).toBe(40_000);
    // Enough clusters where three or more members hold a value: the sort compares more than one pair.
    expect(contested).toBeGreaterThan(5_000);
  });
});

describe('mostFrequent', () => {
  it('counts a value one source states with empty parts or its keys in another order as the same value', () => {
    const person = (
      system: string,
      sourceId: string,
      p: Record<string, unknown>,
      updatedAt: string,
    ): Member => ({
      system,
      sourceId,
      record: {
        customerId: `${system}:${sourceId}`,
        sourceIds: [{ system, id: sourceId }],
        partyType: 'PERSON',
        person: p as CustomerPartyMaster['person'],
        updatedAt: updatedAt as unknown as Date,
      },
    });
    const golden = survive(
      'gc-1',
      [
        // A CSV export's row, mapped with the parts it has no column for as null; no time of its own.
        person(
          'hubspot',
          '501',
          { title: null, givenName: 'Jürgen', familyName: 'Müller', middleName: null },
          '',
        ),
        person(
          'salesforce',
          '003A1',
          { givenName: 'Juergen', familyName: 'Mueller' },
          '2025-01-10T10:00:00Z',
        ),
        person('sap', '0000100001', { familyName: 'Müller', givenName: 'Jürgen' }, '2025-01-10T10:00:00Z'),
      ],
      parseMdmConfig({ survivorship: { fields: { person: { rule: 'mostFrequent' } } } }),
    );
    expect(golden.record.person).toMatchObject({ givenName: 'Jürgen', familyName: 'Müller' });
    expect(golden.lineage.person).toMatchObject({ rule: 'mostFrequent', system: 'sap' });
  });

  it('counts a value once per system: two records of one system do not outvote two systems', () => {
    const person = (system: string, sourceId: string, givenName: string, at: string): Member => ({
      system,
      sourceId,
      record: {
        customerId: `${system}:${sourceId}`,
        sourceIds: [{ system, id: sourceId }],
        partyType: 'PERSON',
        person: { givenName, familyName: 'Smith' },
        updatedAt: at as unknown as Date,
      },
    });
    const config = parseMdmConfig({ survivorship: { fields: { person: { rule: 'mostFrequent' } } } });
    // HubSpot holds the person twice as Bill (a duplicate inside one system, the newest); Salesforce and Odoo say
    // William. Counted by record it was 2 : 2, and the newest (Bill) won.
    const golden = survive(
      'gc-1',
      [
        person('salesforce', '003A1', 'William', '2024-01-10T00:00:00Z'),
        person('odoo', '7', 'William', '2024-02-10T00:00:00Z'),
        person('hubspot', '101', 'Bill', '2024-06-01T00:00:00Z'),
        person('hubspot', '102', 'Bill', '2024-06-02T00:00:00Z'),
      ],
      config,
    );
    expect(golden.record.person).toMatchObject({ givenName: 'William' });
    expect(golden.lineage.person).toMatchObject({ rule: 'mostFrequent', system: 'odoo' });
  });

  it('counts a name with and without its accents as one value, and keeps the spelling with the accents', () => {
    const person = (system: string, sourceId: string, givenName: string, familyName: string, at: string) => ({
      system,
      sourceId,
      record: {
        customerId: `${system}:${sourceId}`,
        sourceIds: [{ system, id: sourceId }],
        partyType: 'PERSON' as const,
        person: { givenName, familyName },
        updatedAt: at as unknown as Date,
      },
    });
    const config = parseMdmConfig({ survivorship: { fields: { person: { rule: 'mostFrequent' } } } });
    // Salesforce holds the accents, Odoo lost them, HubSpot's form has the names swapped and is the newest: the
    // swapped one won as one of three values of one vote each.
    const garcia = survive(
      'gc-1',
      [
        person('salesforce', '003A2', 'José', 'García', '2024-01-16T00:00:00Z'),
        person('odoo', '14', 'Jose', 'Garcia', '2024-05-14T09:21:11Z'),
        person('hubspot', '9002', 'Garcia', 'Jose', '2024-06-01T10:00:00Z'),
      ],
      config,
    );
    expect(garcia.record.person).toMatchObject({ givenName: 'José', familyName: 'García' });
    expect(garcia.lineage.person).toMatchObject({ rule: 'mostFrequent', system: 'salesforce' });
    // One each, the umlaut's spelling with ue the newer: one value with two votes, written with the umlauts.
    const mueller = survive(
      'gc-2',
      [
        person('salesforce', '003A3', 'Jürgen', 'Müller', '2024-01-17T00:00:00Z'),
        person('hubspot', '9003', 'Juergen', 'Mueller', '2024-06-01T10:00:00Z'),
      ],
      config,
    );
    expect(mueller.record.person).toMatchObject({ givenName: 'Jürgen', familyName: 'Müller' });
    // Another name is still another value.
    const other = survive(
      'gc-3',
      [
        person('salesforce', '1', 'Jürgen', 'Müller', '2024-01-17T00:00:00Z'),
        person('hubspot', '2', 'Jurgen', 'Miller', '2024-06-01T10:00:00Z'),
      ],
      config,
    );
    expect(other.lineage.person).toMatchObject({ system: 'hubspot' });
  });
});

describe('equal change times at a clock’s precision (Odoo’s write_date has whole seconds)', () => {
  const config = parseMdmConfig({ survivorship: { default: { rule: 'mostRecent' }, fields: {} } });
  const member = (system: string, sourceId: string, email: string, at: string, arrived?: string): Member => ({
    system,
    sourceId,
    record: {
      customerId: `${system}:${sourceId}`,
      sourceIds: [{ system, id: sourceId }],
      partyType: 'PERSON',
      emails: [{ address: email, primary: true }],
    },
    fieldTimes: { emails: at, ...(arrived ? { 'emails@arrival': arrived } : {}) },
  });
  const winner = (members: Member[], c = config) => survive('gc-1', members, c).lineage.emails?.system;

  it('a second-precision time and a millisecond one within that second tie: the later arrival on the bus wins', () => {
    // Odoo's 10:00:00 may be 10:00:00.900, after HubSpot's 10:00:00.500: neither clock says which came first.
    const odoo = (arrived: string) =>
      member('odoo', '7', 'odoo@example.org', '2026-03-02T10:00:00.000Z', arrived);
    const hubspot = (arrived: string) =>
      member('hubspot', '101', 'hs@example.org', '2026-03-02T10:00:00.500Z', arrived);
    expect(winner([odoo('2026-03-02T10:00:05.000Z'), hubspot('2026-03-02T10:00:01.000Z')])).toBe('odoo');
    expect(winner([odoo('2026-03-02T10:00:01.000Z'), hubspot('2026-03-02T10:00:05.000Z')])).toBe('hubspot');
    // In any order of the members: a function of the members and their arrivals.
    expect(winner([hubspot('2026-03-02T10:00:01.000Z'), odoo('2026-03-02T10:00:05.000Z')])).toBe('odoo');
  });

  it('two Odoo records changed in one second: the later arrival wins, not the smaller key', () => {
    const a = member('odoo', '7', 'a@example.org', '2026-03-02T10:00:00.000Z', '2026-03-02T10:00:03.000Z');
    const b = member('odoo', '8', 'b@example.org', '2026-03-02T10:00:00.000Z', '2026-03-02T10:00:02.000Z');
    expect(survive('gc-1', [a, b], config).record.emails?.[0]?.address).toBe('a@example.org');
    const b2 = { ...b, fieldTimes: { ...b.fieldTimes, 'emails@arrival': '2026-03-02T10:00:04.000Z' } };
    expect(survive('gc-1', [a, b2], config).record.emails?.[0]?.address).toBe('b@example.org');
  });

  it('a time in a later second wins whatever arrived later; without arrivals the member key decides', () => {
    const odoo = member(
      'odoo',
      '7',
      'odoo@example.org',
      '2026-03-02T10:00:00.000Z',
      '2026-03-02T10:00:09.000Z',
    );
    const hubspot = member(
      'hubspot',
      '101',
      'hs@example.org',
      '2026-03-02T10:00:01.200Z',
      '2026-03-02T10:00:02.000Z',
    );
    expect(winner([odoo, hubspot])).toBe('hubspot');
    expect(
      winner([
        member('odoo', '7', 'odoo@example.org', '2026-03-02T10:00:00.000Z'),
        member('hubspot', '101', 'hs@example.org', '2026-03-02T10:00:00.500Z'),
      ]),
    ).toBe('hubspot');
    expect(
      winner([
        member('salesforce', '003A', 'sf@example.org', '2026-03-02T10:00:00.000Z'),
        member('odoo', '7', 'odoo@example.org', '2026-03-02T10:00:00.000Z'),
      ]),
    ).toBe('odoo');
  });

  it('between millisecond clocks nothing changes: the later time wins, arrival aside', () => {
    const precise = parseMdmConfig({
      survivorship: { default: { rule: 'mostRecent' }, fields: {}, clockPrecisionMs: {} },
    });
    const odoo = member(
      'odoo',
      '7',
      'odoo@example.org',
      '2026-03-02T10:00:00.000Z',
      '2026-03-02T10:00:09.000Z',
    );
    const hubspot = member(
      'hubspot',
      '101',
      'hs@example.org',
      '2026-03-02T10:00:00.500Z',
      '2026-03-02T10:00:01.000Z',
    );
    expect(winner([odoo, hubspot], precise)).toBe('hubspot');
  });
});
