import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, unreadDocument } from './detect.ts';
import { readers } from './index.ts';

const FORMATS = new URL('.', import.meta.url).pathname;
/** The formats whose envelope names them: every document of theirs is recognised. */
const NAMED_BY_ENVELOPE = [
  'x12-850',
  'x12-856',
  'edifact-orders',
  'edifact-desadv',
  'sap-idoc-orders05',
  'epcis-2',
  'salesforce-cdc',
  'hubspot-contact',
  'hubspot-company',
  'xml',
];

function documents(format: string, sub = ''): string[] {
  const dir = join(FORMATS, format, 'fixtures', sub);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && !path.endsWith('.ts') && !path.endsWith('.md'));
}

describe('detectFormat', () => {
  it("recognises every fixture of the formats their envelope names, and never names another format's", () => {
    let recognised = 0;
    for (const { name } of readers) {
      for (const path of documents(name)) {
        const bytes = readFileSync(path);
        const detected = detectFormat(bytes);
        if (NAMED_BY_ENVELOPE.includes(name)) {
          // A company batch that holds a contact's event too is the contact source's, which takes both.
          const withContacts =
            name === 'hubspot-company' && /"objectTypeId":"0-1"|"contact\./.test(String(bytes));
          expect(detected, path).toBe(withContacts ? 'hubspot-contact' : name);
          recognised++;
        } else expect(detected, path).toBeUndefined();
      }
    }
    expect(recognised).toBeGreaterThan(50);
  });

  it('reads damaged documents without failing, naming only what their envelope says', () => {
    for (const { name } of readers) {
      for (const path of documents(name, 'broken')) {
        const detected = detectFormat(readFileSync(path));
        expect(detected === undefined || NAMED_BY_ENVELOPE.includes(detected), path).toBe(true);
      }
    }
    // The group says purchase orders (GS*PO), whatever a transaction set inside claims.
    const mixed = readFileSync(join(FORMATS, 'x12-850/fixtures/broken/message-type-856.edi'));
    expect(detectFormat(mixed)).toBe('x12-850');
  });

  it('takes the separators an EDIFACT UNA or an X12 ISA declares, after a byte order mark and blank lines', () => {
    const una = "\uFEFF\n\nUNA|^.? 'UNB^UNOC|3^SENDER|RECEIVER^260101|1200|1'UNH^1^DESADV|D|96A|UN'";
    expect(detectFormat(Buffer.from(una))).toBe('edifact-desadv');
    const isa = 'ISA|00|          |00|          |ZZ|A|ZZ|B|260101|1200|U|00401|000000001|0|P|>~ST|850|0001~';
    expect(detectFormat(Buffer.from(isa))).toBe('x12-850');
    // A ship-to party (N1*ST) is not a transaction set header.
    expect(detectFormat(Buffer.from('ISA*00*~N1*ST*850 Main Street~'))).toBeUndefined();
    expect(detectFormat(Buffer.from('{"line_items": []}'))).toBeUndefined();
    expect(detectFormat(Buffer.from(''))).toBeUndefined();
  });

  it('reads the envelope of a UTF-16 document by its byte-order mark, little- or big-endian', () => {
    const utf16 = (text: string, endian: 'le' | 'be') => {
      const units = Buffer.from(text, 'utf16le');
      if (endian === 'be') units.swap16();
      return Buffer.concat([Buffer.from(endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), units]);
    };
    // A Salesforce change event a Windows shell wrote out (PowerShell's `>` writes UTF-16LE): its reader then names
    // the --encoding to give, where an undetected document only asked for --format.
    const cdc = readFileSync(join(FORMATS, 'salesforce-cdc/fixtures/cometd-account-update.json'), 'utf8');
    const idoc = readFileSync(join(FORMATS, 'sap-idoc-orders05/fixtures/partner-lifnr-only.xml'), 'utf8');
    for (const endian of ['le', 'be'] as const) {
      expect(detectFormat(utf16(cdc, endian)), endian).toBe('salesforce-cdc');
      expect(detectFormat(utf16(idoc, endian)), endian).toBe('sap-idoc-orders05');
    }
    const invoice =
      '<?xml version="1.0"?><INVOIC02><IDOC><EDI_DC40><IDOCTYP>INVOIC02</IDOCTYP></EDI_DC40></IDOC></INVOIC02>';
    expect(unreadDocument(utf16(invoice, 'le'))).toBe(
      'a SAP IDoc of basic type INVOIC02; the hub reads ORDERS05 (sap-idoc-orders05)',
    );
  });

  it('says what an envelope names that no reader takes, with the ones of its standard the hub reads', () => {
    const x12 =
      'ISA*00*          *00*          *ZZ*A*ZZ*B*240105*0930*U*00401*000000777*0*P*>~GS*IN*A*B*20240105*0930*777*X*004010~ST*810*0001~';
    expect(detectFormat(Buffer.from(x12))).toBeUndefined();
    expect(unreadDocument(Buffer.from(x12))).toBe(
      'an X12 810 transaction set; the hub reads X12 850 (x12-850) and 856 (x12-856)',
    );
    const edifact = "UNA:+.? 'UNB+UNOC:3+S:14+R:14+240105:0930+1'UNH+1+INVOIC:D:96A:UN'BGM+380+INV1+9'";
    expect(unreadDocument(Buffer.from(edifact))).toBe(
      'an EDIFACT INVOIC message; the hub reads EDIFACT ORDERS (edifact-orders) and DESADV (edifact-desadv)',
    );
    // A set or message without its interchange names its type, but nothing reads it without the envelope.
    expect(unreadDocument(readFileSync(join(FORMATS, 'x12-850/fixtures/broken/set-without-isa.edi')))).toBe(
      'an X12 850 transaction set without its interchange envelope (ISA … IEA), whose ISA06 names the trading partner the hub keys the document by: send the interchange as the partner’s translator writes it',
    );
    expect(
      unreadDocument(readFileSync(join(FORMATS, 'edifact-orders/fixtures/broken/message-without-unb.edi'))),
    ).toBe(
      'an EDIFACT ORDERS message without its interchange envelope (UNB … UNZ), whose UNB names the sender the hub keys the document by: send the interchange as the partner’s translator writes it',
    );
    const idoc =
      '<?xml version="1.0"?><INVOIC02><IDOC><EDI_DC40><IDOCTYP>INVOIC02</IDOCTYP></EDI_DC40></IDOC></INVOIC02>';
    expect(unreadDocument(Buffer.from(idoc))).toBe(
      'a SAP IDoc of basic type INVOIC02; the hub reads ORDERS05 (sap-idoc-orders05)',
    );
    // Any other XML is the generic reader's (a UBL order, a cXML one, a system's export), an IDoc of another type not.
    expect(detectFormat(Buffer.from('\uFEFF<?xml version="1.0"?>\n<cXML><Request/></cXML>'))).toBe('xml');
    expect(detectFormat(Buffer.from(idoc))).toBeUndefined();
    // Nothing to say of a document the hub reads, or of one whose envelope names nothing.
    for (const { name } of readers)
      for (const path of documents(name)) expect(unreadDocument(readFileSync(path)), path).toBeUndefined();
    expect(unreadDocument(Buffer.from('{"line_items": []}'))).toBeUndefined();
  });

  it("recognises a HubSpot webhook batch by its events' keys when it holds a contact's event, and names another's", () => {
    // Trial: a batch as HubSpot's webhook documentation shows it was not recognised, and the error listed every format.
    const event = (type: string, extra = '') =>
      `{"eventId": 1, "subscriptionId": 25, "portalId": 33, "appId": 1160452, "occurredAt": 1722286785235, "subscriptionType": "${type}", "attemptNumber": 0, "objectId": 123, "changeSource": "CRM"${extra}}`;
    const contact = `[\n  ${event('contact.propertyChange', ', "propertyName": "firstname", "propertyValue": "sample-value"')}\n]`;
    expect(detectFormat(Buffer.from(contact))).toBe('hubspot-contact');
    expect(detectFormat(Buffer.from(`[${event('object.creation', ', "objectTypeId": "0-1"')}]`))).toBe(
      'hubspot-contact',
    );
    // A company's events alone: the company format's (a B2B portal's companies, formats/hubspot-company).
    const company = `[${event('company.creation')}, ${event('deal.propertyChange')}]`;
    expect(detectFormat(Buffer.from(company))).toBe('hubspot-company');
    expect(detectFormat(Buffer.from(`[${event('object.creation', ', "objectTypeId": "0-2"')}]`))).toBe(
      'hubspot-company',
    );
    const deals = `[${event('deal.creation')}, ${event('object.creation', ', "objectTypeId": "0-3"')}]`;
    expect(detectFormat(Buffer.from(deals))).toBeUndefined();
    expect(unreadDocument(Buffer.from(deals))).toBe(
      "a HubSpot webhook batch of deal.creation, object.creation events, none a contact's or a company's: the hub maps HubSpot contact and company subscriptions (--format hubspot-contact or hubspot-company reads such a batch, setting other objects' events apart unmapped)",
    );
    // A JSON document without a webhook event's keys is not taken for one.
    expect(
      detectFormat(Buffer.from('[{"eventId": 1, "portalId": 33, "subscriptionType": "contact.creation"}]')),
    ).toBeUndefined();
  });
});
