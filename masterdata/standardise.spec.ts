import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CustomerPartyMaster } from '../schemas/types.generated.ts';
import { blockingKeys } from './block.ts';
import { defaultMdmConfig, loadMdmConfig, parseMdmConfig } from './config.ts';
import { Scorer } from './score.ts';
import {
  cjkName,
  fold,
  nameWords,
  orgNameWords,
  romanisedNames,
  splitLegalForm,
  standardise,
  standardiseCountry,
  standardiseEmail,
  standardisePhone,
  standardisePostalCode,
  standardiseStreet,
  withLeadingZeros,
} from './standardise.ts';

const config = defaultMdmConfig();

/** An organisation with the given fields (addresses: their country only). */
const company = (fields: Partial<CustomerPartyMaster> & { addresses?: Array<{ countryCode: string }> }) =>
  ({
    customerId: 'crm:1',
    partyType: 'ORGANIZATION',
    organizationName: 'Acme Industries Ltd',
    ...fields,
    addresses: fields.addresses?.map((a) => ({ use: 'BILLING', ...a })),
  }) as CustomerPartyMaster;

describe('standardise', () => {
  it('folds names for comparison: case, accents, umlaut spellings', () => {
    expect(fold('Müller')).toBe(fold('MUELLER'));
    expect(fold('Müller')).toBe(fold('Muller'));
    expect(fold('Élodie  Dupré')).toBe('elodie dupre');
    expect(fold('Schloßstraße')).toBe(fold('Schlossstrasse'));
  });

  it('takes company legal forms off, whatever their spelling', () => {
    expect(splitLegalForm('Müller Maschinenbau GmbH')).toEqual({
      core: 'muller maschinenbau',
      legalForm: 'gmbh',
    });
    expect(splitLegalForm('MUELLER MASCHINENBAU G.M.B.H.')).toEqual({
      core: 'muller maschinenbau',
      legalForm: 'gmbh',
    });
    expect(splitLegalForm('Müller Logistik GmbH & Co. KG').legalForm).toBe('gmbh&cokg');
    // Written without spaces (the generated customers' variant), the form is still one.
    expect(splitLegalForm('Müller Logistik GmbH&Co.KG')).toEqual({
      core: 'muller logistik',
      legalForm: 'gmbh&cokg',
    });
    expect(splitLegalForm('Müller Beteiligungsgesellschaft mbH')).toEqual({
      core: 'muller beteiligungsgesellschaft',
      legalForm: 'gmbh',
    });
    expect(splitLegalForm('Acme Limited')).toEqual({ core: 'acme', legalForm: 'ltd' });
    // CJK legal forms, before or after the name, with or without a space; the short forms only as a word.
    expect(splitLegalForm('株式会社山田商事')).toEqual({ core: '山田商事', legalForm: 'kabushiki' });
    expect(splitLegalForm('山田商事(株)')).toEqual({ core: '山田商事', legalForm: 'kabushiki' });
    expect(splitLegalForm('株洲机械有限公司')).toEqual({ core: '株洲机械', legalForm: 'youxian' });
    expect(splitLegalForm('㈜삼성전자').core.normalize('NFC')).toBe('삼성전자');
    expect(splitLegalForm('株式会社')).toEqual({ core: '株式会社', legalForm: null });
    expect(splitLegalForm('Dupont S.à r.l.')).toEqual({ core: 'dupont', legalForm: 'sarl' });
    // SAP's 35-character name fields cut a long form off.
    expect(splitLegalForm('Medizintechnik Stuttgart Gesellschaft mit beschränkter Haftu').core).toBe(
      'medizintechnik stuttgart',
    );
  });

  it("names a company's significant words: no legal forms, articles or 'and'", () => {
    const words = (name: string) => orgNameWords(splitLegalForm(name).core);
    expect(words('Van Dijk B.V.')).toEqual(['dijk']);
    expect(words('Bäckerei Größ GmbH')).toEqual(['backerei', 'gross']);
    expect(words('Müller & Söhne GmbH & Co. KG')).toEqual(['muller', 'sohne']);
    expect(words('Müller GmbH Maschinenbau')).toEqual(['muller', 'maschinenbau']);
    expect(orgNameWords(null)).toEqual([]);
  });

  it('reads a company name without a leading "The"', () => {
    expect(splitLegalForm('The Widget Company Ltd')).toEqual(splitLegalForm('Widget Company Limited'));
    expect(splitLegalForm('The Widget Company Ltd').core).toBe('widget');
    expect(splitLegalForm('Theodor Weber GmbH').core).toBe('theodor weber');
  });

  it("gives a VAT id written without its country prefix the address country's, as other systems write it", () => {
    const odoo = standardise(
      company({ taxId: { scheme: 'VAT', value: '811 234 567' }, addresses: [{ countryCode: 'DE' }] }),
      config,
    );
    const sap = standardise(company({ taxId: { scheme: 'VAT', value: 'DE811234567' } }), config);
    expect(odoo.taxId).toBe('DE811234567');
    expect(sap.taxId).toBe('DE811234567');
    expect(blockingKeys(odoo)).toContain('t:DE811234567');
    // Greece's VAT prefix is EL; a Dutch id keeps its B01; other schemes and countries are kept as written.
    const greek = company({
      taxId: { scheme: 'VAT', value: '094014201' },
      addresses: [{ countryCode: 'GR' }],
    });
    expect(standardise(greek, config).taxId).toBe('EL094014201');
    const dutch = company({
      taxId: { scheme: 'VAT', value: '801234567B01' },
      addresses: [{ countryCode: 'NL' }],
    });
    expect(standardise(dutch, config).taxId).toBe('NL801234567B01');
    const ein = company({
      taxId: { scheme: 'EIN', value: '12-3456789' },
      addresses: [{ countryCode: 'DE' }],
    });
    expect(standardise(ein, config).taxId).toBe('123456789');
    const us = company({ taxId: { scheme: 'VAT', value: '12-3456789' }, addresses: [{ countryCode: 'US' }] });
    expect(standardise(us, config).taxId).toBe('123456789');
  });

  it("reads an organisation's website from the connectors' and exports' extensions", () => {
    for (const extensions of [
      { website: 'https://www.acme-industries.co.uk' } as Record<string, string>,
      { Website: 'www.acme-industries.co.uk' },
      { 'hubspot.website': 'acme-industries.co.uk' },
      { 'odoo.website': 'http://acme-industries.co.uk/' },
      { 'Website URL': 'https://acme-industries.co.uk' },
      { 'Company Domain Name': 'acme-industries.co.uk' },
    ])
      expect(standardise(company({ extensions }), config).domains, JSON.stringify(extensions)).toEqual([
        'acme-industries.co.uk',
      ]);
    expect(standardise(company({ extensions: { 'odoo.ref': 'acme.co.uk' } }), config).domains).toEqual([]);
    // A HubSpot contact's website is their employer's, which colleagues share: no evidence that two are one.
    const contact = { partyType: 'PERSON', person: { givenName: 'Anna', familyName: 'Schmidt' } } as const;
    const anna = company({
      ...contact,
      organizationName: null,
      extensions: { 'hubspot.website': 'acme.de' },
    });
    expect(standardise(anna, config).domains).toEqual([]);
  });

  it('lower-cases emails and drops plus-tags only where the domain ignores them', () => {
    expect(standardiseEmail('Hans.Mueller+shop@GMX.de', config.email)).toBe('hans.mueller@gmx.de');
    expect(standardiseEmail('j.doe+x@googlemail.com', config.email)).toBe('jdoe@gmail.com');
    expect(standardiseEmail('orders+eu@acme.com', config.email)).toBe('orders+eu@acme.com');
    const all = parseMdmConfig({ email: { plusTagDomains: ['*'] } }).email;
    expect(standardiseEmail('orders+eu@acme.com', all)).toBe('orders@acme.com');
    expect(standardiseEmail('not-an-email', config.email)).toBeNull();
  });

  it('writes phones in E.164, national forms with the address country', () => {
    expect(standardisePhone('030/1234567', 'DE')).toBe('+49301234567');
    expect(standardisePhone('0049 30 1234567', 'DE')).toBe('+49301234567');
    expect(standardisePhone('+49 (0)30 1234567', null)).toBe('+49301234567');
    expect(standardisePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(standardisePhone('12', 'DE')).toBeNull();
    // Answers are remembered per number and country: the same national form in another country, or none.
    expect(standardisePhone('030/1234567', 'DE')).toBe('+49301234567');
    expect(standardisePhone('030/1234567', 'AT')).toBe('+43301234567');
    expect(standardisePhone('030/1234567', null)).toBeNull();
    expect(standardisePhone(' 030/1234567 ', 'DE')).toBe('+49301234567');
  });

  it("compares no fax number: an office's fax is every colleague's, no evidence of one customer", () => {
    const phones = [
      { number: '+49 30 1234599', use: 'fax', primary: false, isE164: true },
      { number: '+49 30 1234567', use: null, primary: true, isE164: true },
      { number: '+49 171 2345678', use: 'mobile', primary: false, isE164: true },
    ];
    const std = standardise(company({ phones }), config);
    expect(std.phones).toEqual(['+491712345678', '+49301234567']);
    expect(blockingKeys(std).some((k) => k.includes('+49301234599'))).toBe(false);
  });

  it('reads country names in English, in the country’s own language and common short forms', () => {
    const names: Array<[string, string]> = [
      ['Polska', 'PL'],
      ['Deutschland', 'DE'],
      ['España', 'ES'],
      ['Espanya', 'ES'],
      ['United Kingdom', 'GB'],
      ['UK', 'GB'],
      ['U.S.A', 'US'],
      ['USA', 'US'],
      ['Schweiz', 'CH'],
      ['Svizra', 'CH'],
      ['Česko', 'CZ'],
      ['Česká republika', 'CZ'],
      ['Sverige', 'SE'],
      ['Россия', 'RU'],
      ['Ελλάδα', 'GR'],
      ['Magyarország', 'HU'],
      ['Éire', 'IE'],
    ];
    expect(names.map(([name]) => [name, standardiseCountry(name)])).toEqual(names);
  });

  it('reads countries in several languages and postal codes in their shapes', () => {
    expect(standardiseCountry('Deutschland')).toBe('DE');
    expect(standardiseCountry('germany')).toBe('DE');
    expect(standardiseCountry('UK')).toBe('GB');
    expect(standardiseCountry('Atlantis')).toBeNull();
    expect(standardisePostalCode('sw1a 2aa', 'GB')).toBe('SW1A2AA');
    expect(standardisePostalCode('D-10115', 'DE')).toBe('10115');
    expect(standardisePostalCode('94105-1234', 'US')).toBe('94105');
  });

  it("puts back the leading zeros a spreadsheet dropped from a postal code, where the country's codes have them", () => {
    const cases: Array<[string, string | null, string]> = [
      ['2141', 'US', '02141'],
      ['501', 'US', '00501'],
      ['21411234', 'US', '02141'],
      ['1067', 'DE', '01067'],
      ['1000', 'FR', '01000'],
      ['118', 'IT', '00118'],
      ['800', 'AU', '0800'],
      ['150', 'NO', '0150'],
      ['10000', 'CN', '010000'],
      ['600000', 'JP', '0600000'],
      ['1000000', 'BR', '01000000'],
      // As written: a full code, a code of another shape, one too short to be a spreadsheet's doing, a country
      // whose codes never start with 0, no country.
      ['02141', 'US', '02141'],
      ['41', 'US', '41'],
      ['21', 'DE', '21'],
      ['100', 'BE', '100'],
      ['1012AB', 'NL', '1012AB'],
      ['2141', null, '2141'],
    ];
    expect(cases.map(([code, country]) => [code, country, standardisePostalCode(code, country)])).toEqual(
      cases,
    );
    expect(withLeadingZeros('2141', 'US')).toBe('02141');
    expect(withLeadingZeros('2141-0001', 'US')).toBe('2141-0001');
  });

  it('spells street abbreviations out and takes the house number off', () => {
    expect(standardiseStreet('Hauptstr. 12')).toEqual(standardiseStreet('Hauptstraße 12'));
    expect(standardiseStreet('12 r. de la Paix')).toEqual(standardiseStreet('12 rue de la Paix'));
    expect(standardiseStreet('221b Baker St').houseNumber).toBe('221b');
  });
});

const person = (id: string, given: string, family: string, extra: Partial<CustomerPartyMaster> = {}) =>
  standardise(
    {
      customerId: `t:${id}`,
      partyType: 'PERSON',
      person: { givenName: given, familyName: family },
      ...extra,
    },
    config,
  );

describe('blocking and scoring', () => {
  it('gives swapped first and family names the same keys and a high score', () => {
    const a = person('1', 'Hans', 'Müller', {
      birthDate: '1970-05-04',
      phones: [{ number: '+49 30 1234567' }],
    });
    const b = person('2', 'Mueller', 'Hans', {
      birthDate: '1970-05-04',
      phones: [{ number: '030 1234567' }],
      addresses: [{ city: 'Berlin', countryCode: 'DE' }],
    });
    expect(blockingKeys(a).filter((k) => blockingKeys(b).includes(k)).length).toBeGreaterThan(2);
    expect(Scorer.fromConfig(config).score(a, b).probability).toBeGreaterThan(0.99);
  });

  it('resolves nicknames and never matches an organisation with a person', () => {
    expect(person('1', 'Bill', 'Smith').givenFormal).toBe(person('2', 'William', 'Smith').givenFormal);
    const bill = person('1', 'Bill', 'Smith', { birthDate: '1960-02-03' });
    const william = person('2', 'William', 'Smith', { birthDate: '1960-02-03' });
    expect(blockingKeys(bill).filter((k) => blockingKeys(william).includes(k)).length).toBeGreaterThan(1);
    expect(Scorer.fromConfig(config).score(bill, william).levels.slice(0, 3)).toEqual([-1, 0, 0]);
    const org = standardise(
      { customerId: 't:3', partyType: 'ORGANIZATION', organizationName: 'Smith' },
      config,
    );
    expect(Scorer.fromConfig(config).score(org, person('4', 'Anna', 'Smith')).probability).toBe(0);
  });

  it('keeps different people with the same name apart', () => {
    const a = person('1', 'Anna', 'Schmidt', { birthDate: '1980-01-01', emails: [{ address: 'anna@a.de' }] });
    const b = person('2', 'Anna', 'Schmidt', { birthDate: '1991-07-12', emails: [{ address: 'as@b.de' }] });
    expect(Scorer.fromConfig(config).score(a, b).probability).toBeLessThan(0.5);
  });
});

describe('config', () => {
  it('has defaults and names the file and field of a bad setting', () => {
    expect(config.thresholds).toEqual({ autoMerge: 0.99, review: 0.6 });
    const dir = mkdtempSync(join(tmpdir(), 'mdm-config-'));
    const file = join(dir, 'mdm.yaml');
    writeFileSync(file, 'thresholds:\n  autoMerge: 1.5\n');
    expect(() => loadMdmConfig(file)).toThrow(`${file}: thresholds.autoMerge`);
    writeFileSync(file, 'thresholds:\n  autoMerge: 0.9\n  review: 0.95\n');
    expect(() => loadMdmConfig(file)).toThrow('thresholds.review: review must not be above autoMerge');
    writeFileSync(file, 'survivorship:\n  fields:\n    emails: { rule: newest }\n');
    expect(() => loadMdmConfig(file)).toThrow('survivorship.fields.emails.rule');
  });
});

describe('nameWords (type-ahead index)', () => {
  const words = (name: { givenName?: string; familyName?: string }) =>
    nameWords(
      standardise(
        {
          customerId: 'x:1',
          sourceIds: [{ system: 'x', id: '1' }],
          partyType: 'PERSON',
          person: name,
        } as unknown as CustomerPartyMaster,
        defaultMdmConfig(),
      ),
    ).sort();

  it('keeps Latin words of three letters or more, and gives every suffix of a CJK name', () => {
    expect(words({ givenName: 'Jo', familyName: 'Müller' })).toEqual(['muller']);
    expect(words({ givenName: '小明', familyName: '王' })).toEqual(['小明', '明', '王', '王小明'].sort());
    expect(words({ familyName: '山田太郎' })).toEqual(['太郎', '山田太郎', '田太郎', '郎'].sort());
    // Hangul composed (NFC), as it is typed: folding decomposes it.
    expect(words({ familyName: '김민준' })).toEqual(['김민준', '민준', '준'].sort());
  });
});

describe('romanisedNames (Hanyu Pinyin of a Han-script name)', () => {
  const romanised = (givenName: string | null, familyName: string | null) => {
    const name = cjkName({ partyType: 'PERSON', givenName, familyName });
    return name ? romanisedNames(name) : null;
  };

  it('family and given name as the record splits them, else both splits; no tones, ü as u', () => {
    expect(romanised('小明', '王')).toEqual([{ family: 'wang', given: 'xiaoming' }]);
    expect(romanised(null, '王小明')).toEqual([
      { family: 'wang', given: 'xiaoming' },
      { family: 'wangxiao', given: 'ming' },
    ]);
    expect(romanised(null, '欧阳娜娜')).toContainEqual({ family: 'ouyang', given: 'nana' });
    // A family name's own reading (单 Shan, 曾 Zeng: Dan and Ceng elsewhere).
    expect(romanised('雄信', '单')).toEqual([{ family: 'shan', given: 'xiongxin' }]);
    expect(romanised(null, '曾国藩')?.[0]).toEqual({ family: 'zeng', given: 'guofan' });
    expect(romanised('布', '吕')).toEqual([{ family: 'lu', given: 'bu' }]);
    expect(romanised(null, '王')).toEqual([{ family: 'wang', given: null }]);
  });

  it('none for a name with kana (Japanese), in Hangul (Korean) or in Latin letters', () => {
    expect(romanised('たろう', '山田')).toEqual([]);
    expect(romanised('민준', '김')).toEqual([]);
    expect(romanised('Xiaoming', 'Wang')).toBeNull();
  });
});

describe('PO boxes', () => {
  it('are read as a box, its number without spaces, in the spellings of the hub’s countries', () => {
    for (const [line, box] of [
      ['PO Box 123', '123'],
      ['P.O. Box 123', '123'],
      ['Post Office Box 123', '123'],
      ['GPO Box 4', '4'],
      ['Postfach 12 34', '1234'],
      ['BP 45', '45'],
      ['B.P. 45', '45'],
      ['Boîte postale 45', '45'],
      ['Postbus 310', '310'],
      ['Apartado de Correos 5', '5'],
      ['Casella Postale 77', '77'],
      ['Case postale 9', '9'],
    ] as const) {
      expect(standardiseStreet(line), line).toEqual({ street: '', houseNumber: null, poBox: box });
    }
  });

  it('a street that only starts like one is a street', () => {
    expect(standardiseStreet('Box Hill Road 5')).toMatchObject({ houseNumber: '5', poBox: null });
    expect(standardiseStreet('Postweg 12')).toMatchObject({
      street: 'postweg',
      houseNumber: '12',
      poBox: null,
    });
    expect(standardiseStreet('Hauptstraße 12')).toMatchObject({ houseNumber: '12', poBox: null });
  });
});
