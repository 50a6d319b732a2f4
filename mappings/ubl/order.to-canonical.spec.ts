import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mappingChooser } from '../../connectors/runtime/source-step.ts';
import { findReader } from '../../formats/index.ts';
import { withoutValueMarks } from '../../lib/errors.ts';
import { runEai } from '../../tests/run-eai.ts';
import { findMapping, inboundMapping, MappingError, mapDocument } from '../index.ts';

/**
 * Cases the fixtures (order.to-canonical.expected) do not cover: which documents the mapping refuses and how it says
 * so, the currency and times UBL leaves open, and that a generic XML mapping is used only where it is named; then the
 * OASIS example through the real `eai map` process.
 */
// biome-ignore lint/suspicious/noExplicitAny: canonical records read back as plain JSON
type Json = Record<string, any>;

const mapping = findMapping('ubl/order.to-canonical.yaml');
const reader = findReader('xml');
const OASIS = 'formats/xml/fixtures/UBL-Order-2.1-Example.xml';

const NS =
  'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" ' +
  'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" ' +
  'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';
const BUYER =
  '<cac:BuyerCustomerParty><cac:Party><cbc:EndpointID schemeID="0088">4035811991021</cbc:EndpointID>' +
  '<cac:PartyName><cbc:Name>Nordwind Handel GmbH</cbc:Name></cac:PartyName></cac:Party></cac:BuyerCustomerParty>';
const LINE =
  '<cac:OrderLine><cac:LineItem><cbc:ID>1</cbc:ID><cbc:Quantity unitCode="C62">2</cbc:Quantity>' +
  '<cbc:LineExtensionAmount currencyID="NOK">40.00</cbc:LineExtensionAmount><cac:Item><cbc:Name>Brush</cbc:Name>' +
  '</cac:Item></cac:LineItem></cac:OrderLine>';

/** A UBL Order of the header fields given (raw XML) and LINE, unless other lines are given. */
function order({ header = '', buyer = BUYER, lines = LINE, root = 'Order' } = {}): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} ${NS}><cbc:ID>PO-7</cbc:ID>` +
    `<cbc:IssueDate>2025-03-14</cbc:IssueDate>${header}${buyer}${lines}</${root}>`
  );
}

async function mapped(xml: string): Promise<Json> {
  const [document] = reader.parse(Buffer.from(xml));
  const records = await mapDocument(mapping, document!, { receivedAt: new Date('2025-01-01T00:00:00Z') });
  expect(records).toHaveLength(1);
  return JSON.parse(JSON.stringify(records[0]!.value)) as Json;
}

async function refusal(xml: string): Promise<MappingError> {
  const [document] = reader.parse(Buffer.from(xml));
  const error = await mapDocument(mapping, document!).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MappingError);
  return error as MappingError;
}

describe('UBL Order → SalesOrderEvent', () => {
  it('names the order by the buyer: ubl:<EndpointID>:<ID>, else its first PartyIdentification', async () => {
    expect((await mapped(order())).salesOrder.orderId).toBe('ubl:4035811991021:PO-7');
    const byPartyId = BUYER.replace(/<cbc:EndpointID.*?<\/cbc:EndpointID>/, '').replace(
      '<cac:PartyName>',
      '<cac:PartyIdentification><cbc:ID>NW-1</cbc:ID></cac:PartyIdentification><cac:PartyName>',
    );
    expect((await mapped(order({ buyer: byPartyId }))).salesOrder.orderId).toBe('ubl:NW-1:PO-7');
    const anonymous = BUYER.replace(/<cbc:EndpointID.*?<\/cbc:EndpointID>/, '');
    expect((await refusal(order({ buyer: anonymous }))).message).toMatch(
      /let\.system: the buyer \(cac:BuyerCustomerParty\/cac:Party\) has neither cbc:EndpointID nor cac:PartyIdentification\/cbc:ID/,
    );
  });

  it('refuses another UBL document (an Invoice), naming its root element', async () => {
    const error = await refusal(order({ root: 'Invoice' }));
    expect(withoutValueMarks(error.message)).toMatch(
      /let\.order: the document is a <Invoice>, not a UBL Order/,
    );
  });

  it('takes the currency of the amounts when the order states no DocumentCurrencyCode; XXX without amounts', async () => {
    expect((await mapped(order())).salesOrder.currency).toBe('NOK');
    const unpriced = LINE.replace(/<cbc:LineExtensionAmount.*?<\/cbc:LineExtensionAmount>/, '');
    const { salesOrder } = await mapped(order({ lines: unpriced }));
    expect([salesOrder.currency, salesOrder.lines[0].lineAmount]).toEqual(['XXX', null]);
  });

  it('reads a time with its zone as such, one without in options.timeZone (UTC)', async () => {
    expect(
      (await mapped(order({ header: '<cbc:IssueTime>09:15:00+01:00</cbc:IssueTime>' }))).occurredAt,
    ).toBe('2025-03-14T08:15:00.000Z');
    expect((await mapped(order({ header: '<cbc:IssueTime>09:15:00</cbc:IssueTime>' }))).occurredAt).toBe(
      '2025-03-14T09:15:00.000Z',
    );
    expect((await mapped(order())).salesOrder.orderDate).toBe('2025-03-14T00:00:00.000Z');
  });

  it('maps one order line and several alike, and a line without a quantity is refused at that line', async () => {
    const one = await mapped(order());
    const two = await mapped(order({ lines: LINE + LINE.replace('<cbc:ID>1<', '<cbc:ID>002<') }));
    expect(one.salesOrder.lines.map((l: Json) => l.lineNumber)).toEqual(['1']);
    expect(two.salesOrder.lines.map((l: Json) => l.lineNumber)).toEqual(['1', '2']);
    expect(two.salesOrder.lines[1]).toEqual({ ...one.salesOrder.lines[0], lineNumber: '2' });
    const error = await refusal(order({ lines: LINE.replace(/<cbc:Quantity.*?<\/cbc:Quantity>/, '') }));
    expect(error.message).toMatch(/salesOrder\.lines\[0\]\.quantity\.value: required/);
    expect(error.message).toContain('/Order/cac:OrderLine[1]');
  });

  it('is read only where named: never the default of xml, never taken for another format', () => {
    expect(() => inboundMapping('xml')).toThrow(
      'no mapping reads format "xml" by default: name one (--mapping <file>, a connector\'s mapping:), e.g. a copy of ubl/order.to-canonical.yaml',
    );
    const choose = mappingChooser({ name: 'peppol', mapping: 'ubl/order.to-canonical.yaml', baseDir: '.' });
    expect(choose({ format: 'xml', bytes: Buffer.from('<Order/>') }).file).toBe(mapping.file);
    // An IDoc arriving at the same connector is mapped by SAP's own mapping, not by the UBL one.
    expect(choose({ format: 'sap-idoc-orders05', bytes: Buffer.from('<ORDERS05/>') }).spec.input).toBe(
      'sap-idoc-orders05',
    );
  });
});

describe('eai map on the OASIS UBL 2.1 Order example (a real process)', () => {
  it('prints the records of the expected output; the format is the one the named mapping reads', async () => {
    const result = await runEai(['map', OASIS, '--mapping', 'ubl/order.to-canonical.yaml', '--json']);
    expect(result.code).toBe(0);
    const expected = readFileSync(
      'mappings/ubl/order.to-canonical.expected/UBL-Order-2.1-Example.xml.json',
      'utf8',
    );
    const records = JSON.parse(result.stdout) as Json[];
    // Fixture runs fix $doc.receivedAt; the records hold no receipt time, so the CLI's are the same.
    expect(records).toEqual(JSON.parse(expected));
    expect(records.map((r) => [r.schema, r.key])).toEqual([
      ['eai.canonical.SalesOrderEvent', 'ubl:7300072311115:34'],
    ]);
    // What no expression read is said on stderr (the embedded PDF, among others), by element path.
    const [warning] = JSON.parse(result.stderr).warnings;
    expect(warning.warning).toBe('UnmappedInput');
    expect(warning.unused).toContainEqual({
      location: '/Order/cac:AdditionalDocumentReference[2]/cac:Attachment[1]',
      field: 'EmbeddedDocumentBinaryObject',
    });
  });

  it('--tree prints what the expressions read; without --mapping, one line says to name one', async () => {
    const tree = await runEai(['map', '--format', 'xml', '--input', OASIS, '--tree', '--json']);
    expect(tree.code).toBe(0);
    const [document] = JSON.parse(tree.stdout);
    expect(document.tree.Order.OrderLine[0].LineItem['Quantity@unitCode']).toBe('LTR');
    const unnamed = await runEai(['map', '--format', 'xml', '--input', OASIS]);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toBe(
      'no mapping reads format "xml" by default: name one (--mapping <file>, a connector\'s mapping:), e.g. a copy of ubl/order.to-canonical.yaml\n',
    );
  });
});
