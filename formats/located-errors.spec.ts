import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { threadCpuTimer } from '../tests/thread-cpu.ts';
import { FormatError, findReader, readers } from './index.ts';

/**
 * Issue 16 §3: no raw JavaScript error leaves a reader (`Invalid time value`, `Maximum call stack size exceeded`,
 * the XML parser's `Maximum nested tags exceeded`), no location is empty or half-built, and impossible values
 * (30 February, hour 24, month 13, over-precise decimals) are refused by the reader at the element that holds them,
 * naming the field. Each case fails if a raw error escaped (the refusal helper rethrows anything but a FormatError).
 */

const fixture = (format: string, name: string): string =>
  readFileSync(join(import.meta.dirname, format, 'fixtures', name), 'utf8');

/** The FormatError of `format` for the input; any other error, or none, fails the test. */
function refusal(format: string, input: string | Buffer): FormatError {
  try {
    findReader(format).parse(Buffer.isBuffer(input) ? input : Buffer.from(input));
  } catch (error) {
    if (error instanceof FormatError) {
      expect(error.format).toBe(format);
      expect(error.location.trim()).not.toBe('');
      expect(error.message).not.toMatch(/undefined|: :|^[\w-]+: ,/);
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${format} to refuse the input`);
}

/** Replaces exactly one occurrence, so a fixture that changes under the spec fails it instead of testing nothing. */
function edit(text: string, from: string | RegExp, to: string): string {
  const matches =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g'))?.length ?? 0);
  expect(matches, `${String(from)} occurs once`).toBe(1);
  return text.replace(from, to);
}

const JSON_FORMATS = [
  'odoo-sale-order',
  'epcis-2',
  'salesforce-cdc',
  'hubspot-contact',
  'salesforce-sobject',
  'hubspot-batch-upsert',
  'hubspot-crm-object',
  'json',
];

describe('deep nesting', () => {
  for (const format of JSON_FORMATS) {
    it(`${format}: a million nested arrays are refused at level 65 with line and column`, () => {
      const error = refusal(format, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
      expect(error.location).toBe('line 1, column 65');
      expect(error.message).toMatch(/JSON nested deeper than 64 levels \(at \/0\/0\/0/);
    });
  }

  it('epcis-2: deep nesting inside an extension field names its JSON pointer', () => {
    const text = edit(
      fixture('epcis-2', 'single-event-with-extensions.json'),
      /"example:carrier": \{/,
      `"example:carrier": ${'{"a":'.repeat(100)}1${'}'.repeat(100)}, "x": {`,
    );
    const error = refusal('epcis-2', text);
    expect(error.location).toMatch(/^line \d+, column \d+$/);
    expect(error.message).toMatch(/\(at \/example:carrier\/a\/a\//);
  });

  it('salesforce-cdc: a deep field value (deep-frozen and walked) is refused, not a stack overflow', () => {
    const text = edit(
      fixture('salesforce-cdc', 'pubsub-nulled-fields.json'),
      '"Energy"',
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    );
    expect(refusal('salesforce-cdc', text).message).toMatch(
      /nested deeper than 64 levels \(at \/Industry\/0\/0/,
    );
  });

  it('sap-idoc-orders05: 10,000 nested elements are refused at the first too deep, with its path', () => {
    const text = `<?xml version="1.0"?>\n<ORDERS05>${'<E1X>'.repeat(10_000)}${'</E1X>'.repeat(10_000)}</ORDERS05>`;
    const error = refusal('sap-idoc-orders05', text);
    expect(error.location).toMatch(/^line 2, column \d+$/);
    expect(error.message).toMatch(/nested deeper than 64 levels \(\/ORDERS05\/E1X\/E1X/);
  });
});

describe('huge and out-of-range epochs', () => {
  const cdc = fixture('salesforce-cdc', 'pubsub-nulled-fields.json');
  it.each([
    [
      '99999999999999999999',
      /commitTimestamp must be epoch milliseconds \(a whole number\), got .?99999999999999999999.?$/,
    ],
    ['1e20', /commitTimestamp must be epoch milliseconds/],
    ['8640000000000001', /commitTimestamp 8640000000000001 is not an instant between 1970 and 9999/],
    ['-1', /commitTimestamp -1 is not an instant between 1970 and 9999/],
  ])('salesforce-cdc commitTimestamp %s', (value, message) => {
    const error = refusal('salesforce-cdc', edit(cdc, '1696444513000,', `${value},`));
    expect(error.location).toBe('/ChangeEventHeader/commitTimestamp');
    expect(error.message).toMatch(message);
  });

  it('salesforce-cdc: a datetime field of 1e300 is refused at its pointer, naming the field', () => {
    const error = refusal(
      'salesforce-cdc',
      edit(cdc, '"LastModifiedDate": 1696444513000', '"LastModifiedDate": 1e300'),
    );
    expect(error.location).toBe('/LastModifiedDate');
    expect(error.message).toMatch(/LastModifiedDate must be epoch milliseconds/);
  });

  it('hubspot-contact: occurredAt past year 9999 is refused at its pointer', () => {
    const text = edit(fixture('hubspot-contact', 'deletion.json'), '1710236500000', '999999999999999');
    const error = refusal('hubspot-contact', text);
    expect(error.location).toBe('/0/occurredAt');
    expect(error.message).toMatch(/occurredAt 999999999999999 is not an instant between 1970 and 9999/);
  });
});

describe('empty and garbled documents: never an empty or half-built location', () => {
  for (const reader of readers) {
    it.each([
      ['empty', ''],
      ['blank', '  \n'],
      ['binary', '\u0000\u0001\u0002'],
      // Any JSON object is a document of the generic json reader: its wrong format is JSON with no object in it.
      ['wrong format', reader.name === 'json' ? '[1]' : '{"x":[1]}'],
      ['wrong format', "UNZ+1+1'"],
    ])(`${reader.name}: %s`, (_name, input) => {
      refusal(reader.name, input);
    });
  }

  it('x12-856: an empty HL03 is refused at the HL, located in its set', () => {
    const text = edit(fixture('x12-856', 'hl-shipment-order-pack-item.edi'), /HL\*1\*\*S/, 'HL*1**');
    const error = refusal('x12-856', text);
    expect(error.location).toMatch(/^ISA#1\/GS#1\/ST#1\/HL#1\/HL \(segment \d+, line \d+\)$/);
    expect(error.message).toMatch(/HL03 \(level code\) is empty/);
  });

  it('x12-856: an empty HL01 is refused at the HL; an HL keeps its id, parent and level codes in the tree', () => {
    const text = edit(fixture('x12-856', 'hl-shipment-order-pack-item.edi'), 'HL*2*1*O~', 'HL**1*O~');
    const error = refusal('x12-856', text);
    expect(error.location).toMatch(/\/HL \(segment 20, line 20\)$/);
    expect(error.message).toMatch(/HL01 \(hierarchical id\) is empty/);
    const [document] = findReader('x12-856').parse(
      Buffer.from(fixture('x12-856', 'hl-shipment-order-pack-item.edi')),
    );
    const [shipment] = (document!.tree as { hierarchy: Array<{ children: unknown[] }> }).hierarchy;
    expect(shipment).toMatchObject({ id: '1', levelCode: 'S', level: 'shipment' });
    expect(shipment!.children[0]).toMatchObject({ id: '2', parentId: '1', levelCode: 'O', level: 'order' });
  });

  it('x12-856: a second HL with an HL01 already used is refused, naming where the first one stands', () => {
    const text = edit(fixture('x12-856', 'hl-shipment-order-pack-item.edi'), 'HL*2*1*O~', 'HL*1*1*O~');
    const error = refusal('x12-856', text);
    expect(error.location).toMatch(/^ISA#1\/GS#1\/ST#1\/HL#1\/HL \(segment 20, line 20\)$/);
    expect(error.message).toMatch(
      /HL01 "1" is used twice \(first at ISA#1\/GS#1\/ST#1\/HL#1\/HL \(segment 7, line 7\)\)/,
    );
  });

  it("x12-850: a BEG05 error names its set and the segment, as the other segments' errors do", () => {
    const text = edit(fixture('x12-850', 'amt-ctt-td5-routing.edi'), '**20240310~', '**2024031~');
    const error = refusal('x12-850', text);
    expect(error.location).toMatch(/^ISA#1\/GS#1\/ST#1\/BEG \(segment 4, line 4\), element BEG05$/);
  });

  it('edifact-orders: a file that starts with UNZ names that segment', () => {
    const error = refusal('edifact-orders', "UNZ+1+10042'");
    expect(error.location).toBe('segment 1, line 1');
    expect(error.message).toMatch(/expected UNA or UNB, found "UNZ/);
    const afterUna = refusal('edifact-orders', "UNA:+.? '\nUNZ+1+10042'");
    // A UNA is not a segment (segments are numbered from the UNB, as in every other location).
    expect(afterUna.location).toBe('segment 1, line 2');
    expect(afterUna.message).toMatch(/expected UNB after UNA, found "UNZ/);
    const trailing = refusal(
      'edifact-orders',
      `${fixture('edifact-orders', 'no-una-defaults-crlf.edi')}UNZ+1+1'`,
    );
    expect(trailing.location).toMatch(/^UNZ \(segment \d+, line \d+\)$/);
    expect(trailing.message).toMatch(/expected UNB, found UNZ/);
  });

  it('JSON root errors read "(document root)", not ": :"', () => {
    expect(refusal('salesforce-sobject', '[]').message).toBe(
      'salesforce-sobject: (document root): an sObject body is a JSON object',
    );
  });

  it('sap-idoc-orders05: an empty document is refused at line 1, column 1', () => {
    expect(refusal('sap-idoc-orders05', '').location).toBe('line 1, column 1');
    expect(refusal('sap-idoc-orders05', '<?xml version="1.0"?>').location).not.toMatch(/undefined/);
  });
});

describe('impossible values are refused by the reader, at the field', () => {
  const x850 = fixture('x12-850', 'amt-ctt-td5-routing.edi');
  const orders = fixture('edifact-orders', 'no-una-defaults-crlf.edi');
  const idoc = fixture('sap-idoc-orders05', 'hhmm-and-blank-times.xml');
  const odoo = fixture('odoo-sale-order', 'envelope-expanded-lines.json');
  const epcis = fixture('epcis-2', 'transaction-event-shipping-po.json');

  const cases: Array<[string, string, string, RegExp, RegExp]> = [
    [
      'x12-850',
      'BEG05 30 February',
      edit(x850, '**20240310~', '**20240230~'),
      /BEG \(segment 4, line 4\), element BEG05$/,
      /BEG05 .?"20240230".?: February has no day 30/,
    ],
    [
      'x12-850',
      'BEG05 29 February of 2023',
      edit(x850, '**20240310~', '**20230229~'),
      /element BEG05$/,
      /February has no day 29 in 2023/,
    ],
    [
      'x12-850',
      'GS05 hour 24',
      edit(x850, '*20240312*0850*', '*20240312*2400*'),
      /^ISA#1\/GS#1 \(segment 2, line 2\), element GS05$/,
      /GS05 .?"2400".?: hour 24 does not exist/,
    ],
    [
      'x12-850',
      'ISA09 month 13',
      edit(x850, '*240312*', '*241312*'),
      /^ISA#1 \(segment 1, line 1\), element ISA09$/,
      /month 13 does not exist/,
    ],
    [
      'x12-850',
      'PO104 over-precise',
      edit(x850, '*5.09*', '*5.0912345*'),
      /PO1 \(segment \d+, line \d+\), element PO104$/,
      /PO104 5.0912345 has more digits than an exact decimal keeps/,
    ],
    [
      'x12-850',
      'PO102 20 digits',
      edit(x850, 'PO1*1*5*', 'PO1*1*12345678901234567890*'),
      /element PO102$/,
      /18 before the point/,
    ],
    [
      'edifact-orders',
      'DTM 102 30 February',
      edit(orders, '137:20240312:102', '137:20240230:102'),
      /DTM \(segment \d+, line \d+\), element DTM01\.2$/,
      /February has no day 30/,
    ],
    [
      'edifact-orders',
      'DTM 203 minute 60',
      edit(orders, '2:202403201400:203', '2:202403201460:203'),
      /element DTM01\.2$/,
      /minute 60 does not exist/,
    ],
    [
      'edifact-orders',
      'DTM unknown format code',
      edit(orders, '2:202403201400:203', '2:2024W12:999'),
      /element DTM01\.3$/,
      /DTM\+2 format code "999" is not one this reader decodes \(101, 102, 106, 201, 203/,
    ],
    [
      'edifact-orders',
      'UNB time 2460',
      edit(orders, '240312:1430', '240312:1460'),
      /^UNB#1 \(segment 1, line 1\), element UNB04\.2$/,
      /minute 60 does not exist/,
    ],
    [
      'sap-idoc-orders05',
      'DATUM 31 April',
      edit(idoc, '<DATUM>20231007</DATUM>', '<DATUM>20230431</DATUM>'),
      /\/E1EDK03\[1\]\/DATUM$/,
      /DATUM is not a date/,
    ],
    [
      'sap-idoc-orders05',
      'MENGE over-precise',
      edit(idoc, '<MENGE>10.000</MENGE>', '<MENGE>10.0000001</MENGE>'),
      /\/E1EDP01\[1\]\/MENGE$/,
      /MENGE 10.0000001 has more digits/,
    ],
    [
      'odoo-sale-order',
      'date_order 30 February',
      edit(odoo, '"2024-03-12 08:30:00"', '"2024-02-30 08:30:00"'),
      /^\/result\/0\/date_order$/,
      /date_order 2024-02-30 08:30:00: February has no day 30/,
    ],
    [
      'odoo-sale-order',
      'amount_total 0.1+0.2',
      edit(odoo, '"amount_total": 2012.5', '"amount_total": 0.30000000000000004'),
      /^\/result\/0\/amount_total$/,
      /amount_total: 0.30000000000000004 has 17 decimal places; at most 6/,
    ],
    [
      'epcis-2',
      'eventTime hour 24',
      edit(epcis, '"2024-06-03T06:00:00.000Z"', '"2024-06-03T24:00:00.000Z"'),
      /^\/epcisBody\/eventList\/0\/eventTime$/,
      /hour 24 does not exist/,
    ],
  ];
  it.each(cases)('%s: %s', (format, _title, input, location, message) => {
    const error = refusal(format, input);
    expect(error.location).toMatch(location);
    expect(error.message).toMatch(message);
  });
});

describe('found by the fuzz run (tests/fuzz), pinned', () => {
  it('salesforce-sobject: a malformed percent-escape in the upsert URL is refused at attributes.url (was URIError)', () => {
    const body =
      '{"attributes":{"type":"Account","url":"/services/data/v61.0/sobjects/Account/ERP_Id__c/10%E0%A4%A"},"Name":"A"}';
    const error = refusal('salesforce-sobject', body);
    expect(error.location).toBe('/attributes/url');
    expect(error.message).toMatch(/malformed percent-encoding in the external id .?"10%E0%A4%A"/);
  });

  it('epcis-2: a malformed percent-escape in an EPC class is refused at the identifier (was URIError)', () => {
    const epcis = fixture('epcis-2', 'transaction-event-shipping-po.json');
    const text = edit(epcis, 'lgtin:4012345.011111.4444', 'lgtin:4012345.011111.%E0%A4%A');
    expect(refusal('epcis-2', text).location).toBe('/epcisBody/eventList/0/quantityList/0/epcClass');
  });

  it('epcis-2: an event without a type says so (was "unknown event type undefined")', () => {
    const epcis = fixture('epcis-2', 'transaction-event-shipping-po.json');
    const error = refusal('epcis-2', edit(epcis, '"type": "TransactionEvent",', ''));
    expect(error.message).toMatch(/unknown event type nothing$/);
  });

  it('sap-idoc-orders05: 500,000 tags that never close are refused within 5 s (the quadratic depth check took minutes)', () => {
    const cpuMs = threadCpuTimer();
    refusal('sap-idoc-orders05', `<?xml version="1.0"?>\n<ORDERS05 x="1"${'<E1X'.repeat(500_000)}`);
    refusal(
      'sap-idoc-orders05',
      `<?xml version="1.0"?>\n<ORDERS05><IDOC>${'<E1X^'.repeat(200_000)}</IDOC></ORDERS05>`,
    );
    expect(cpuMs()).toBeLessThan(5_000);
  });
});
