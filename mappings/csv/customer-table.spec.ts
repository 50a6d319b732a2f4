import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { type CanonicalRecord, findMapping, isRecordFailure, mapBytes, mapRecordsEagerly } from '../index.ts';

/**
 * The CSV customer table's amounts as the export's locale writes them, and its salutation column. The full output
 * is compared by `mappings:check` (mappings/csv/customer-table.to-canonical.expected).
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
type Json = any;

const SHIPPED = 'csv/customer-table.to-canonical.yaml';
const GERMAN = 'formats/csv/fixtures/kunden-kreditlimit-anrede.csv';

async function customers(mappingRef: string, input = GERMAN): Promise<Json[]> {
  const mapped = await mapBytes('csv', readFileSync(input), {
    mapping: findMapping(mappingRef),
    receivedAt: FIXTURE_RECEIVED_AT,
  });
  return mapped.flatMap((d) => d.records.map((r) => JSON.parse(JSON.stringify(r.value)).customer));
}

const credit = (c: Json) => (c.credit ? [c.credit.limit.amount, c.credit.limit.currency] : null);

describe('CSV customer table: amounts in the export locale', () => {
  it('reads 25.000,00, 1.250,5, 1.234.567 and 25000,00 as decimals; 10.000 (ten or ten thousand) stays as written', async () => {
    const rows = await customers(SHIPPED);
    expect(rows.map(credit)).toEqual([
      ['25000', 'EUR'],
      ['1250.5', 'EUR'],
      null,
      ['1234567', 'EUR'],
      ['25000', 'EUR'],
    ]);
    expect(rows[2].extensions).toMatchObject({ creditLimit: '10.000', currency: 'EUR' });
  });

  it('with decimalComma true (a copy for a German export) 10.000 is ten thousand; false, 10,000 is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-csv-amounts-'));
    const shipped = readFileSync(`mappings/${SHIPPED}`, 'utf8');
    expect(shipped).toContain('decimalComma: "null"');
    writeFileSync(join(dir, 'comma.yaml'), shipped.replace('decimalComma: "null"', 'decimalComma: "true"'));
    writeFileSync(join(dir, 'point.yaml'), shipped.replace('decimalComma: "null"', 'decimalComma: "false"'));
    const comma = await customers(join(dir, 'comma.yaml'));
    expect(credit(comma[2])).toEqual(['10000', 'EUR']);
    expect(comma[2].extensions).toEqual({ salutation: 'Firma' });
    const english = join(dir, 'english.csv');
    writeFileSync(
      english,
      'Customer Number,Name,Credit Limit,Currency\nK-1,Acme,"10,000",USD\nK-2,Beta,10.000,USD\n',
    );
    expect((await customers(join(dir, 'point.yaml'), english)).map(credit)).toEqual([
      ['10000', 'USD'],
      ['10', 'USD'],
    ]);
    expect((await customers(SHIPPED, english)).map(credit)).toEqual([null, null]);
  });
});

describe('CSV customer table: salutation (Anrede)', () => {
  it("is the person's title; Anrede Firma makes an organisation and stays in extensions", async () => {
    const rows = await customers(SHIPPED);
    expect(rows.map((c) => [c.partyType, c.person?.title ?? null])).toEqual([
      ['PERSON', 'Herr'],
      ['PERSON', 'Frau'],
      ['ORGANIZATION', null],
      ['PERSON', 'Dr.'],
      ['PERSON', 'Ms'],
    ]);
    expect(rows[2].organizationName).toBe('Nordwind Handel GmbH');
    expect(rows[2].extensions.salutation).toBe('Firma');
  });
});

describe('CSV customer table: the country cell', () => {
  const table = [
    'customer_id,type,name,country',
    'C-1,organization,Acme Widgets,ZZ',
    'C-2,organization,Beta GmbH,Germny',
    'C-3,organization,Gamma SA,France',
    'C-4,organization,Delta AG,de',
    'C-5,organization,Epsilon Ltd,',
  ].join('\n');

  it('a name or code the countries table knows is its ISO code; an empty cell is no country', async () => {
    const outcomes = await mapRecordsEagerly(
      findMapping(SHIPPED),
      findReader('csv').parse(Buffer.from(table))[0]!,
      { receivedAt: FIXTURE_RECEIVED_AT },
    );
    const mapped = outcomes.filter((o): o is CanonicalRecord => !isRecordFailure(o));
    expect(
      mapped.map((r) => {
        const { customer } = r.value as Json;
        return [customer.customerId, customer.addresses[0]?.countryCode];
      }),
    ).toEqual([
      ['csv:C-3', 'FR'],
      ['csv:C-4', 'DE'],
      ['csv:C-5', undefined],
    ]);
  });

  it('ZZ (no ISO 3166 code) and an unknown name are refused, each row alone, naming the field and its line', async () => {
    const outcomes = await mapRecordsEagerly(
      findMapping(SHIPPED),
      findReader('csv').parse(Buffer.from(table))[0]!,
      { receivedAt: FIXTURE_RECEIVED_AT },
    );
    const failures = outcomes.filter(isRecordFailure);
    expect(failures.map((f) => f.record)).toEqual([1, 2]);
    // The cell is the document's value: marked (a viewer and the logs read `country "…" is neither …`).
    expect(withoutDocumentValues(failures[0]!.error.message)).toMatch(
      /: country "…" is neither .*\(input line 2\)$/,
    );
    expect(withoutValueMarks(failures[0]!.error.message)).toBe(
      'mappings/csv/customer-table.to-canonical.yaml: customer.addresses[0].countryCode: country "ZZ" is neither an ISO 3166-1 alpha-2 code nor a country name the countries table (lookups/countries.yaml) knows: write its two-letter code (DE, FR, US), or add the spelling to that table (input line 2)',
    );
    expect(withoutValueMarks(failures[1]!.error.message)).toMatch(
      /countryCode: country "Germny" is neither .*\(input line 3\)$/,
    );
  });
});

describe('CSV customer table: columns of the systems’ own exports', () => {
  it('the first of several columns feeding one part wins, the later ones stay in extensions (phones and emails excepted): a contact keeps its own id, not its account’s', async () => {
    const rows = await customers(SHIPPED, 'formats/csv/fixtures/salesforce-dataloader-contacts.csv');
    expect(rows.map((c) => [c.customerId, c.extensions.ACCOUNTID])).toEqual([
      ['csv:0035g00000QrStUAAV', '0015g00000AbCdEAAV'],
      ['csv:0035g00000QrStVAAV', '0015g00000AbCdEAAV'],
      ['csv:0035g00000QrStWAAV', '0015g00000AbCdFAAV'],
      ['csv:0035g00000QrStXAAV', '0015g00000AbCdGAAV'],
    ]);
    // Phones and emails are lists: PHONE and MOBILEPHONE both, the first the primary one.
    expect(rows[0].phones.map((p: Json) => [p.number, p.primary])).toEqual([
      ['(512) 757-6000', true],
      ['(512) 757-9340', false],
    ]);
    expect(rows[0].extensions.MOBILEPHONE).toBeUndefined();
    expect(rows[3].phones.map((p: Json) => p.number)).toEqual(['+49301234567', '+491712345678']);
    expect(rows[0].addresses[0]).toMatchObject({ region: 'TX', postalCode: '78767', countryCode: 'US' });
  });

  it("Odoo's Is a Company says whose the Name is: a person's is split into given and family name", async () => {
    const rows = await customers(SHIPPED, 'formats/csv/fixtures/odoo-partners-export.csv');
    expect(
      rows.map((c) => [c.partyType, c.organizationName, c.person?.givenName, c.person?.familyName]),
    ).toEqual([
      ['ORGANIZATION', 'Azure Interior', undefined, undefined],
      ['PERSON', null, 'Brandon', 'Freeman'],
      ['ORGANIZATION', 'Deco Addict', undefined, undefined],
      ['ORGANIZATION', 'Schreinerei Kühn GmbH', undefined, undefined],
      ['PERSON', null, 'Élodie', 'Lefèvre'],
    ]);
  });

  it("Excel's text mark (Shopify's '+16175550134, '02141) is dropped before a digit or +, in every cell", async () => {
    const [maria] = await customers(SHIPPED, 'formats/csv/fixtures/shopify-customers-export.csv');
    expect(maria.customerId).toBe('csv:7012345678901');
    expect(maria.phones[0].number).toBe('+16175550134');
    expect(maria.addresses[0].postalCode).toBe('02141');
    // Its Default Address Phone and Phone hold one number: one phone.
    expect(maria.phones.map((p: Json) => p.number)).toEqual(['+16175550134']);
    expect(maria.extensions.Phone).toBeUndefined();
  });
});

/** A table written to a temporary file, as an export would be. */
function table(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'eai-csv-export-')), name);
  writeFileSync(file, text);
  return file;
}

describe('CSV customer table: nothing a column says is lost', () => {
  it("a type column's value that is no party type (Salesforce Account's Type) stays in extensions under its column", async () => {
    const file = table(
      'sf-accounts.csv',
      '"ID","NAME","TYPE","BILLINGCITY"\n' +
        '"0015g00000AbCdEAAV","Müller Maschinenbau GmbH","Customer - Direct","Berlin"\n' +
        '"0015g00000AbCdFAAV","Acme Corp","Organization","Boston"\n',
    );
    const [account, acme] = await customers(SHIPPED, file);
    expect(account.partyType).toBe('ORGANIZATION');
    expect(account.extensions).toEqual({ TYPE: 'Customer - Direct' });
    // A word the mapping reads as a party type is that, not an extension.
    expect(acme.partyType).toBe('ORGANIZATION');
    expect(acme.extensions).toEqual({});
    const odoo = table(
      'partners.csv',
      'id,name,is_company\n__export__.p_1,Jane Roe,WAHR\n__export__.p_2,Acme,maybe\n',
    );
    const [wahr, maybe] = await customers(SHIPPED, odoo);
    expect(wahr.partyType).toBe('ORGANIZATION');
    expect(maybe.extensions).toMatchObject({ is_company: 'maybe' });
  });
});

describe('CSV customer table: a person named in one cell', () => {
  it('a type column saying person makes the Name column the person’s name, not an extension "company"', async () => {
    const file = table(
      'people.csv',
      'customer_id,type,name,city\nC-1,person,Jane Roe,Boston\nC-2,company,Acme,Boston\n',
    );
    const [jane, acme] = await customers(SHIPPED, file);
    expect([jane.partyType, jane.person?.givenName, jane.person?.familyName]).toEqual([
      'PERSON',
      'Jane',
      'Roe',
    ]);
    expect(jane.extensions).toEqual({});
    expect([acme.partyType, acme.organizationName]).toEqual(['ORGANIZATION', 'Acme']);
  });
});

describe('CSV customer table: a full name in one cell', () => {
  it('a leading Dr. / Mr / Frau is the title, a particle (von der, van, de la) starts the family name', async () => {
    const file = table(
      'd365-contacts.csv',
      '(Do Not Modify) Contact,Full Name,Email\n' +
        'c-1,Dr. Hans-Peter von der Heide,hp@heide.example\n' +
        'c-2,Ludwig van Beethoven,lvb@example.com\n' +
        'c-3,Mrs Mary Ann Smith,mas@example.com\n' +
        'c-4,Prof. Dr. Ana de la Cruz,adlc@example.es\n' +
        'c-5,Madonna,m@example.com\n' +
        'c-6,Anna Le,al@example.com\n',
    );
    const rows = await customers(SHIPPED, file);
    expect(rows.map((c) => [c.person.title, c.person.givenName, c.person.familyName])).toEqual([
      ['Dr.', 'Hans-Peter', 'von der Heide'],
      [null, 'Ludwig', 'van Beethoven'],
      ['Mrs', 'Mary Ann', 'Smith'],
      ['Prof. Dr.', 'Ana', 'de la Cruz'],
      [null, null, 'Madonna'],
      // A particle as the last word is a family name of its own.
      [null, 'Anna', 'Le'],
    ]);
  });

  it('a name written family name first with a comma is that family name, a suffix after a comma stays with it', async () => {
    // Odoo's Name of a person typed "Smith, William" was split as given "Smith," and family "William": the golden
    // record's name vote then counted a name nobody has.
    const file = table(
      'odoo-people.csv',
      '"External ID","Name","Is a Company","Email"\n' +
        '"p-1","Smith, William","False","ws@example.com"\n' +
        '"p-2","von der Heide, Dr. Hans-Peter","False","hp@example.com"\n' +
        '"p-3","García López, María José","False","mj@example.es"\n' +
        '"p-4","John Smith, Jr.","False","js@example.com"\n' +
        '"p-5","Madonna,","False","m@example.com"\n',
    );
    const rows = await customers(SHIPPED, file);
    expect(rows.map((c) => [c.person.title, c.person.givenName, c.person.familyName])).toEqual([
      [null, 'William', 'Smith'],
      ['Dr.', 'Hans-Peter', 'von der Heide'],
      [null, 'María José', 'García López'],
      [null, 'John', 'Smith Jr.'],
      [null, null, 'Madonna'],
    ]);
  });
});

describe('CSV customer table: Odoo’s state display name', () => {
  it('drops the country code Odoo writes after a state ("California (US)"), as the Odoo connector does', async () => {
    const file = table(
      'odoo-contacts.csv',
      '"External ID","Name","Is a Company","Street","Zip","City","State","Country"\n' +
        '"p-1","Acme Corp.","True","12 Main St","02141","Boston","Massachusetts (US)","United States"\n' +
        '"p-2","Nordwind","True","Am Hafen 1","28195","Bremen","Bremen (DE)","Germany"\n' +
        '"p-3","Other","True","Rue 1","1000","Bruxelles","Région (FR)","Belgium"\n',
    );
    const rows = await customers(SHIPPED, file);
    expect(rows.map((c) => c.addresses[0].region)).toEqual(['Massachusetts', 'Bremen', 'Région (FR)']);
  });
});

describe('CSV customer table: Odoo res.partner exported import-compatible', () => {
  it('reads vat as the tax id and country_id/id (base.de) as the country, was both in extensions and no country', async () => {
    const file = table(
      'res_partner.csv',
      'id,name,is_company,parent_id/id,street,zip,city,state_id/id,country_id/id,phone,email,vat\n' +
        '__export__.res_partner_41,Müller Maschinenbau GmbH,True,,Friedrichstraße 123,10117,Berlin,base.state_de_be,base.de,+49 30 1234567,info@mueller.example,DE123456789\n' +
        '__export__.res_partner_42,Jürgen Weiß,False,__export__.res_partner_41,Friedrichstraße 123,10117,Berlin,,base.de,,j.weiss@mueller.example,\n',
    );
    const [company, person] = await customers(SHIPPED, file);
    expect(company.taxId).toEqual({ scheme: 'VAT', value: 'DE123456789' });
    expect(company.addresses[0].countryCode).toBe('DE');
    expect(company.extensions).toEqual({ 'state_id/id': 'base.state_de_be' });
    expect(person.addresses[0].countryCode).toBe('DE');
    expect(person.extensions).toEqual({ 'parent_id/id': '__export__.res_partner_41' });
  });
});

describe('CSV customer table: HubSpot contacts export', () => {
  it('Additional email addresses (a;b) are the contact’s emails after Email, each once, was one extension cell', async () => {
    const file = table(
      'hubspot.csv',
      '"Record ID","First Name","Last Name","Email","Additional email addresses"\n' +
        '"51","Jürgen","Weiß","j.weiss@mueller.example","juergen.weiss@gmail.com;j.weiss@mueller.example; jw@web.de"\n' +
        '"52","Jane","Roe","jane@example.com",""\n',
    );
    const [jurgen, jane] = await customers(SHIPPED, file);
    expect(jurgen.emails.map((e: Json) => [e.address, e.primary])).toEqual([
      ['j.weiss@mueller.example', true],
      ['juergen.weiss@gmail.com', false],
      ['jw@web.de', false],
    ]);
    expect(jurgen.extensions).toEqual({});
    expect(jane.emails.map((e: Json) => e.address)).toEqual(['jane@example.com']);
  });
});

describe('CSV customer table: an SAP customer master export (KNA1 with its ADRC address)', () => {
  it('ANRED Herr makes NAME1 a person’s name with that title, Firma an organisation; NAME_CO is the c/o line', async () => {
    const file = table(
      'kna1-adrc.csv',
      'KUNNR;ANRED;NAME1;NAME_CO;STREET;HOUSE_NUM1;CITY1;POST_CODE1;COUNTRY\r\n' +
        '0000100003;Firma;Weiß & Söhne OG;Frau Gruber;Kärntner Straße;5;Wien;1010;AT\r\n' +
        '0000100007;Herr;Max Mustermann;c/o Regus;Jungfernstieg;7;Hamburg;20354;DE\r\n',
    );
    const [company, person] = await customers(SHIPPED, file);
    expect([company.partyType, company.organizationName]).toEqual(['ORGANIZATION', 'Weiß & Söhne OG']);
    expect(company.addresses[0].lines).toEqual(['c/o Frau Gruber', 'Kärntner Straße 5']);
    expect(company.extensions).toEqual({ salutation: 'Firma' });
    expect(person.partyType).toBe('PERSON');
    expect(person.person).toMatchObject({ title: 'Herr', givenName: 'Max', familyName: 'Mustermann' });
    expect(person.organizationName).toBeNull();
    expect(person.addresses[0].lines).toEqual(['c/o Regus', 'Jungfernstieg 7']);
    expect(person.extensions).toEqual({});
  });
});

describe('CSV customer table: shipping addresses and PO boxes', () => {
  const table = (name: string, text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'eai-csv-addresses-')), name);
    writeFileSync(file, text);
    return file;
  };

  it("Salesforce's Shipping* columns (Data Loader and report names) are the SHIPPING address beside the billing one", async () => {
    const loader = table(
      'accounts.csv',
      'Id,Name,BillingStreet,BillingCity,BillingPostalCode,BillingCountry,ShippingStreet,ShippingCity,ShippingState,ShippingPostalCode,ShippingCountry\n' +
        '001A,Acme Corp,1 Main St,Boston,02110,US,500 Dock Rd,Newark,NJ,07114,US\n' +
        '001B,Beta GmbH,,,,,Lagerweg 3,Hamburg,,20457,Germany\n',
    );
    const [acme, beta] = await customers(SHIPPED, loader);
    expect(acme.addresses).toEqual([
      expect.objectContaining({ use: 'BILLING', lines: ['1 Main St'], city: 'Boston', countryCode: 'US' }),
      expect.objectContaining({
        use: 'SHIPPING',
        lines: ['500 Dock Rd'],
        city: 'Newark',
        region: 'NJ',
        postalCode: '07114',
        countryCode: 'US',
      }),
    ]);
    expect(acme.extensions ?? {}).toEqual({});
    expect(beta.addresses).toEqual([
      expect.objectContaining({
        use: 'SHIPPING',
        lines: ['Lagerweg 3'],
        postalCode: '20457',
        countryCode: 'DE',
      }),
    ]);
    const report = table(
      'report.csv',
      'Account ID,Account Name,Shipping Street,Shipping City,Shipping State/Province,Shipping Zip/Postal Code,Shipping Country\n' +
        '001C,Gamma Ltd,8 Quay St,Leeds,,LS1 4AP,United Kingdom\n',
    );
    const [gamma] = await customers(SHIPPED, report);
    expect(gamma.addresses).toEqual([
      expect.objectContaining({
        use: 'SHIPPING',
        lines: ['8 Quay St'],
        postalCode: 'LS1 4AP',
        countryCode: 'GB',
      }),
    ]);
  });

  it('a PO box column (SAP PO_BOX, Postfach) is a MAILING address with the box as its line, its own postal code first', async () => {
    const sap = table(
      'adrc.csv',
      'KUNNR,NAME1,STREET,HOUSE_NUM1,POST_CODE1,CITY1,COUNTRY,PO_BOX,POST_CODE2\n' +
        '100001,Müller GmbH,Hauptstraße,5,10115,Berlin,DE,12 34,10001\n' +
        '100002,Nord AG,,,,Hamburg,DE,567,\n',
    );
    const [mueller, nord] = await customers(SHIPPED, sap);
    expect(mueller.addresses).toEqual([
      expect.objectContaining({ use: 'BILLING', lines: ['Hauptstraße 5'], postalCode: '10115' }),
      expect.objectContaining({
        use: 'MAILING',
        lines: ['Postfach 12 34'],
        postalCode: '10001',
        city: 'Berlin',
      }),
    ]);
    expect(nord.addresses).toEqual([
      expect.objectContaining({ use: 'BILLING', lines: [], city: 'Hamburg' }),
      expect.objectContaining({
        use: 'MAILING',
        lines: ['Postfach 567'],
        city: 'Hamburg',
        countryCode: 'DE',
      }),
    ]);
    const english = table(
      'po.csv',
      'Customer ID,Company,P.O. Box,City,Zip,Country\nC1,Acme,PO Box 77,Austin,78701,US\n',
    );
    const [acme] = await customers(SHIPPED, english);
    expect(acme.addresses).toEqual([
      expect.objectContaining({ use: 'BILLING', lines: [], city: 'Austin' }),
      expect.objectContaining({ use: 'MAILING', lines: ['PO Box 77'], postalCode: '78701' }),
    ]);
  });
});
