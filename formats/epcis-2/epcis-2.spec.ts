import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSample } from '../../tests/samples.ts';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument, makeLargeXmlDocument } from './fixtures/large.ts';
import { parseIdentifier } from './identifiers.ts';
import { reader } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { one: read, refusal } = fixtureSupport(reader, fixtures);

describe('epcis-2 reader', () => {
  it('reads shipping and receiving object events with identifiers and transactions', () => {
    const doc = read('shipping-object-event-bare-words.json');
    expect([doc.kind, doc.id, doc.source]).toEqual([
      'EPCISDocument',
      'doc-ship-0001',
      'urn:epc:id:pgln:4012345.00000',
    ]);
    const [ship, receive] = doc.tree.events;
    expect(ship).toMatchObject({
      $loc: '/epcisBody/eventList/0',
      type: 'ObjectEvent',
      mapped: true,
      eventTime: '2024-03-12T08:30:00.000Z',
      eventTimeZoneOffset: '+01:00',
      bizStep: 'shipping',
      disposition: 'in_transit',
    });
    expect(ship!.epcList[0]).toEqual({
      $loc: '/epcisBody/eventList/0/epcList/0',
      uri: 'urn:epc:id:sgtin:4012345.011111.1001',
      scheme: 'sgtin',
      gtin: '04012345111118',
      serial: '1001',
    });
    expect(ship!.bizLocation!.id).toMatchObject({ gln: '4012345000016', glnExtension: '12' });
    expect(ship!.bizTransactions.map((t) => [t.type, t.id])).toEqual([
      ['po', 'urn:epcglobal:cbv:bt:0614141000005:PO-4711'],
      ['desadv', 'urn:epcglobal:cbv:bt:4012345000009:ASN-99'],
    ]);
    expect(ship!.destinations).toEqual([
      {
        $loc: '/epcisBody/eventList/0/destinationList/0',
        type: 'owning_party',
        id: 'urn:epc:id:pgln:0614141.00000',
        gln: '0614141000005',
      },
    ]);
    expect(receive).toMatchObject({
      bizStep: 'receiving',
      eventTime: '2024-03-13T14:05:00.000Z',
      eventTimeZoneOffset: '-05:00',
    });
  });

  it('normalises CBV URIs, CURIEs and URNs to bare words and keeps private values', () => {
    const { tree } = read('cbv-uris-and-curies.json');
    const [a, b] = tree.events;
    expect([a!.bizStep, a!.disposition, b!.bizStep, b!.disposition]).toEqual([
      'shipping',
      'in_transit',
      'receiving',
      'in_progress',
    ]);
    expect(a!.eventTime).toBe('2024-03-12T07:00:00.000Z');
    expect(a!.bizTransactions.map((t) => t.type)).toEqual(['bol', 'po', 'https://example.com/btt/custom']);
    expect(a!.sources[0]!.type).toBe('possessing_party');
    expect(a!.epcList[0]).toMatchObject({ scheme: 'sscc', sscc: '040123450000000016' });
  });

  it('reads the GLN of a source / destination in every form: sgln / pgln URN, Digital Link 414 / 417 / 254, bare', () => {
    const [urn, link] = read('gln-forms-urn-digital-link-bare.json').tree.events;
    const glns = (e: typeof urn) =>
      [...e!.sources, ...e!.destinations].map((p) => [p.type, p.gln, p.glnExtension]);
    expect(glns(urn)).toEqual([
      ['owning_party', '4012345000009', undefined],
      ['location', '4012345002256', undefined],
      ['owning_party', '0614141000012', undefined],
      ['location', '0614141007776', undefined],
    ]);
    expect(glns(link)).toEqual(glns(urn));
    expect(link!.readPoint!.id).toMatchObject({ gln: '4012345002256', glnExtension: 'DOOR-3' });
    expect(urn!.readPoint!.id).toMatchObject({ gln: '4012345002256', glnExtension: 'DOOR-3' });
    expect(link!.destinations[1]!.id).toBe('0614141007776');
  });

  it('parses GS1 Digital Link identifiers on any host', () => {
    const [event] = read('digital-link-identifiers.json').tree.events;
    expect(event!.epcList.map((e) => [e.gtin, e.serial, e.sscc])).toEqual([
      ['09520123456788', '12345', undefined],
      ['09520123456788', 'A/B', undefined],
      [undefined, undefined, '395201234567890123'],
    ]);
    expect(event!.readPoint!.id).toMatchObject({ gln: '9520123456788', glnExtension: 'dock-2' });
    expect(event!.quantityList.map((q) => [q.epcClass.gtin, q.epcClass.lot, q.quantity, q.uom])).toEqual([
      ['09520123456788', 'LOT-7', '12.5', 'KGM'],
      ['04012345111118', '4444', '10', null],
    ]);
  });

  it('refuses a Digital Link GTIN or GLN of the wrong length or with letters, naming the key', () => {
    expect(() => parseIdentifier('https://id.gs1.org/01/12345/21/1', '/epcList/0')).toThrow(
      /"https:\/\/id\.gs1\.org\/01\/12345\/21\/1" is not a valid GS1 Digital Link: its GTIN \(01\) "12345" must be 8, 12, 13, 14 digits/,
    );
    expect(() => parseIdentifier('https://id.gs1.org/414/401234500001X', '/readPoint/id')).toThrow(
      /its GLN \(414\)/,
    );
    expect(parseIdentifier('https://id.gs1.org/01/012345678905', '/epcList/0').gtin).toBe('00012345678905');
  });

  it('reads a quantityList entry without a quantity (optional in EPCIS 2.0) as a class of unknown quantity', () => {
    const [event] = read('shipping-classes-without-quantity.json').tree.events;
    expect(event!.quantityList.map((q) => [q.epcClass.uri, q.quantity])).toEqual([
      ['urn:epc:class:lgtin:4012345.012345.LOT-7', null],
      ['urn:epc:class:lgtin:4012345.054321.LOT-9', '12'],
      ['urn:epc:idpat:sgtin:4012345.077889.*', null],
    ]);
  });

  it("reads a list of one written as its one item (JSON-LD compaction, as in GS1's own examples)", () => {
    const event = {
      type: 'ObjectEvent',
      eventTime: '2020-07-03T10:00:00.000+02:00',
      eventTimeZoneOffset: '+02:00',
      epcList: 'urn:epc:id:sgtin:4012345.011111.987',
      action: 'OBSERVE',
      bizStep: 'shipping',
      sourceList: { type: 'owning_party', source: 'urn:epc:id:pgln:4012345.00001' },
      bizTransactionList: { type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:4012345000009:PO-17' },
    };
    const [doc] = reader.parse(Buffer.from(JSON.stringify(event)));
    const [read] = doc!.tree.events;
    expect(read!.epcList.map((e) => e.uri)).toEqual(['urn:epc:id:sgtin:4012345.011111.987']);
    expect(read!.sources.map((p) => [p.$loc, p.type])).toEqual([['/sourceList', 'owning_party']]);
    expect(read!.bizTransactions).toHaveLength(1);
    // What is no item of the list is still refused, at the list.
    expect(() => reader.parse(Buffer.from(JSON.stringify({ ...event, sourceList: 7 })))).toThrow(
      /\/sourceList.*sourceList must be an array/,
    );
  });

  it('reads aggregation events whatever the field order', () => {
    const [event] = read('aggregation-event-sscc.json').tree.events;
    expect(event!.type).toBe('AggregationEvent');
    expect(event!.parentId).toMatchObject({ sscc: '040123450000000016' });
    expect(event!.childEpcs.map((c) => c.serial)).toEqual(['1001', '1002']);
    expect(event!.childQuantityList[0]).toMatchObject({
      quantity: '24',
      uom: 'EA',
      $loc: '/epcisBody/eventList/0/childQuantityList/0',
    });
  });

  it('reads query documents and bare events with extensions', () => {
    const query = read('query-document.json');
    expect(query.kind).toBe('EPCISQueryDocument');
    expect(query.tree.events[0]).toMatchObject({
      $loc: '/epcisBody/queryResults/resultsBody/eventList/0',
      recordTime: '2024-05-01T10:00:05.000Z',
    });
    const single = read('single-event-with-extensions.json');
    expect([single.kind, single.id]).toEqual([
      'ObjectEvent',
      'urn:uuid:4a4b2b3c-1111-4e2e-9c7d-000000000001',
    ]);
    const event = single.tree.events[0]!;
    expect(event.$loc).toBe('');
    expect(event.eventTime).toBe('2024-06-01T14:15:00.000Z');
    expect(event.eventTimeZoneOffset).toBe('-04:00');
    expect(event.bizStep).toBe('departing');
    // Under their namespace IRI, as the event's @context declares the prefix (`example`: https://ns.example.com/epcis/).
    expect(event.extensions).toEqual({
      'https://ns.example.com/epcis/carrier': {
        $loc: '/example:carrier',
        scac: 'ABCD',
        trailer: 'TR-9',
      },
      'https://ns.example.com/epcis/temperature': 4.5,
    });
    expect(Object.keys(event.unmapped)).toEqual(['sensorElementList']);
  });

  it('keys user extensions by namespace IRI, from a JSON-LD @context or XML xmlns alike; an undeclared prefix as written', () => {
    // Trial: `example:myField` kept its prefix as written, `<ext1:default>` too, and a readPoint's `example:dock` was
    // dropped without a word: the same partner field had another key per prefix and per binding (GS1's XML binds
    // ext1 to http://example.com/ext1, its JSON-LD to http://example.com/ext1/).
    const json = {
      '@context': [
        'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld',
        { example: 'http://ns.example.com/epcis/', ext: { '@id': 'http://example.com/ext1/' } },
      ],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2024-06-01T10:20:00Z',
      epcisBody: {
        eventList: [
          {
            type: 'ObjectEvent',
            eventTime: '2024-06-01T10:15:00-04:00',
            epcList: ['urn:epc:id:sscc:0614141.1234567890'],
            action: 'OBSERVE',
            bizStep: 'shipping',
            readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234', 'example:dock': 'D4' },
            'example:myField': 'mine',
            'example:nested': { 'example:inner': 'x' },
            'ext:default': 'd',
            'http://ns.other.example/ext#flag': true,
            'other:undeclared': 'kept',
          },
        ],
      },
    };
    const [doc] = reader.parse(Buffer.from(JSON.stringify(json)));
    const strip = (value: unknown) =>
      JSON.parse(JSON.stringify(value, (k, v) => (k === '$loc' ? undefined : v)));
    expect(strip(doc!.tree.events[0]!.extensions)).toEqual({
      'http://ns.example.com/epcis/myField': 'mine',
      'http://ns.example.com/epcis/nested': { 'http://ns.example.com/epcis/inner': 'x' },
      'http://example.com/ext1/default': 'd',
      'http://ns.other.example/ext#flag': true,
      'other:undeclared': 'kept',
      'readPoint.http://ns.example.com/epcis/dock': 'D4',
    });
    const xml = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ext1="http://example.com/ext1"
      xmlns:ex="http://ns.example.com/epcis/" schemaVersion="2.0" creationDate="2024-06-01T10:20:00Z">
      <EPCISBody><EventList><ObjectEvent>
        <eventTime>2024-06-01T10:15:00-04:00</eventTime><eventTimeZoneOffset>-04:00</eventTimeZoneOffset>
        <epcList><epc>urn:epc:id:sscc:0614141.1234567890</epc></epcList><action>OBSERVE</action>
        <bizStep>shipping</bizStep>
        <readPoint><id>urn:epc:id:sgln:0614141.07346.1234</id><ex:dock>D4</ex:dock></readPoint>
        <ex:myField>mine</ex:myField><ex:nested><ex:inner>x</ex:inner></ex:nested>
        <ext1:default>d</ext1:default>
      </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>`;
    const [fromXml] = reader.parse(Buffer.from(xml));
    expect(strip(fromXml!.tree.events[0]!.extensions)).toEqual({
      'http://ns.example.com/epcis/myField': 'mine',
      'http://ns.example.com/epcis/nested': { 'http://ns.example.com/epcis/inner': 'x' },
      'http://example.com/ext1/default': 'd',
      'readPoint.http://ns.example.com/epcis/dock': 'D4',
    });
  });

  it('reads the shared sample TransactionEvent as mapped', () => {
    const [doc] = reader.parse(readSample('epcis-2/openepcis-JumbledFieldsOrder.json'));
    const event = doc!.tree.events[0]!;
    expect([event.type, event.mapped, event.bizStep, event.eventTimeZoneOffset]).toEqual([
      'TransactionEvent',
      true,
      'shipping',
      '-06:00',
    ]);
    expect(event.bizTransactions.map((t) => t.type)).toEqual(['po', 'pedigree']);
    expect(event.sources.map((s) => s.type)).toEqual(['owning_party', 'location', 'possessing_party']);
  });
});

describe('epcis-2 event types the hub does not map', () => {
  const event = (type: string) => ({
    type,
    eventTime: '2024-06-03T06:00:00.000Z',
    eventTimeZoneOffset: '+02:00',
    bizStep: 'shipping',
  });
  const doc = (events: unknown[]) =>
    Buffer.from(
      JSON.stringify({ type: 'EPCISDocument', schemaVersion: '2.0', epcisBody: { eventList: events } }),
    );

  it('keeps them read but unmapped beside an event it maps', () => {
    const [parsed] = reader.parse(doc([event('TransformationEvent'), event('ObjectEvent')]));
    expect(parsed!.tree.events.map((e) => [e.type, e.mapped])).toEqual([
      ['TransformationEvent', false],
      ['ObjectEvent', true],
    ]);
  });

  it('refuses a document or bare event holding only them, naming the types at the first event', () => {
    const only = refusal(doc([event('AssociationEvent'), event('TransformationEvent')]));
    expect(only.location).toBe('/epcisBody/eventList/0/type');
    expect(only.message).toMatch(/all 2 events are AssociationEvent, TransformationEvent/);
    const bare = refusal(Buffer.from(JSON.stringify(event('AssociationEvent'))));
    expect(bare.location).toBe('/type');
  });
});

describe('epcis-2 error declarations', () => {
  it('refuses an event that declares an earlier one erroneous, instead of reading it as a new milestone', () => {
    const retraction = {
      type: 'ObjectEvent',
      eventID: 'ni:///sha-256;a1b2?ver=CBV2.0',
      eventTime: '2024-06-03T06:00:00.000Z',
      eventTimeZoneOffset: '+02:00',
      epcList: ['urn:epc:id:sscc:4012345.0000000017'],
      action: 'OBSERVE',
      bizStep: 'shipping',
      errorDeclaration: { declarationTime: '2024-06-04T08:00:00.000Z', reason: 'incorrect_data' },
    };
    const body = { type: 'EPCISDocument', schemaVersion: '2.0', epcisBody: { eventList: [retraction] } };
    const error = refusal(Buffer.from(JSON.stringify(body)));
    expect(error.location).toBe('/epcisBody/eventList/0/errorDeclaration');
    expect(error.message).toMatch(
      /event ni:\/\/\/sha-256;a1b2\?ver=CBV2.0 is declared erroneous \(reason incorrect_data\); the hub does not apply retractions/,
    );
  });

  it('keeps a Transformation or Association event that declares an error unmapped beside the shipping events', () => {
    const { tree } = read('association-error-declaration-beside-shipping.json');
    expect(tree.events.map((e) => [e.type, e.mapped])).toEqual([
      ['ObjectEvent', true],
      ['ObjectEvent', true],
      ['AssociationEvent', false],
    ]);
  });
});

describe('epcis-2 broken input', () => {
  itRefusesBrokenFixtures(reader, fixtures, {
    'truncated.json': /^line \d+, column \d+$/,
    'invalid-utf8.json': /^byte 147$/,
    'quantity-as-text.json': /^\/epcisBody\/eventList\/0\/quantityList\/1\/quantity$/,
    'missing-event-list.json': /^\/epcisBody\/eventList$/,
    'unknown-event-type.json': /^\/epcisBody\/eventList\/0\/type$/,
    'transformation-event-only.json': {
      location: /^\/epcisBody\/eventList\/0\/type$/,
      message:
        /no event the hub maps: the event is TransformationEvent; only ObjectEvent, AggregationEvent, TransactionEvent/,
    },
    'event-time-without-zone.json': /^\/epcisBody\/eventList\/0\/eventTime$/,
    // A bizStep in EPCIS's own namespace was read as a partner's extension: the shipping event yielded no record.
    'event-fields-in-epcis-namespace.xml': {
      location:
        /^\/epcis:EPCISDocument\/EPCISBody\[1\]\/EventList\[1\]\/ObjectEvent\[1\]\/epcis:bizStep\[1\]$/,
      message:
        /<epcis:bizStep> is in EPCIS's namespace urn:epcglobal:epcis:xsd:2, but an event's fields have none .*: write <bizStep>/,
    },
    'digital-link-sscc-check-digit.json': {
      location: /^\/epcisBody\/eventList\/0\/epcList\/0$/,
      message:
        /"https:\/\/id\.gs1\.org\/00\/340123450000000021" is not a valid GS1 Digital Link: its SSCC \(00\) "340123450000000021" ends in check digit 1, not 4/,
    },
    'creation-date-without-zone.json': {
      location: /^\/creationDate$/,
      message: /not an ISO 8601 date-time with a zone: .?"2024-06-03 08:00"/,
    },
  });
  itHandlesLargeInputWithin10s(
    'parses a 5 MB document within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.events.length).toBeGreaterThan(10_000),
  );
  itHandlesLargeInputWithin10s(
    'parses a 5 MB EPCIS 1.2 XML document within 10 s',
    () => makeLargeXmlDocument(5_000_000),
    (input) => expect(reader.parse(input)[0]!.tree.events.length).toBeGreaterThan(8_000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/limit is 8388608 bytes/),
  );
});

describe('epcis-2 XML (the EPCIS 2.0 XML binding and EPCIS 1.2 / 1.1)', () => {
  /** A tree without its locations, which name JSON pointers in one binding and element paths in the other. */
  const withoutLocs = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(withoutLocs)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([key]) => key !== '$loc')
              .map(([key, v]) => [key, withoutLocs(v)]),
          )
        : value;
  const xml = (events: string, root = 'epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"') =>
    Buffer.from(
      `<?xml version="1.0"?>\n<${root} schemaVersion="1.2" creationDate="2019-03-12T14:02:11Z">` +
        `<EPCISBody><EventList>${events}</EventList></EPCISBody></${root.split(' ')[0]}>`,
    );
  const EVENTS = '/epcis:EPCISDocument/EPCISBody[1]/EventList[1]';

  it('reads the XML twin of a JSON fixture into the same tree and document id', () => {
    const fromJson = read('transaction-event-shipping-po.json');
    const fromXml = read('transaction-event-shipping-po.xml');
    expect(withoutLocs(fromXml.tree)).toEqual(withoutLocs(fromJson.tree));
    expect([fromXml.kind, fromXml.id, fromXml.source]).toEqual([fromJson.kind, fromJson.id, fromJson.source]);
    expect(fromXml.tree.events[0]!.$loc).toBe(`${EVENTS}/TransactionEvent[1]`);
    expect(fromXml.tree.events[0]!.quantityList[0]!.quantity).toBe('10');
  });

  it("reads EPCIS 1.2 with its SBDH header and extension wrappers: the header's id and sender, URN vocabulary as words", () => {
    const doc = read('epcis-1.2-sbdh-packing-shipping.xml');
    expect([doc.kind, doc.id, doc.source]).toEqual([
      'EPCISDocument',
      'a1b2c3d4-0001',
      'urn:epc:id:sgln:0312345.00000.0',
    ]);
    expect(doc.tree.schemaVersion).toBe('1.2');
    expect(doc.tree.creationDate).toBe('2019-03-12T19:02:11.000Z');
    const [packing, shipping] = doc.tree.events;
    expect(packing).toMatchObject({ type: 'AggregationEvent', action: 'ADD', bizStep: 'packing' });
    expect(packing!.parentId!.sscc).toBe('003123450000000110');
    expect(packing!.childEpcs.map((e) => e.serial)).toEqual(['1001', '1002']);
    expect(shipping).toMatchObject({ type: 'ObjectEvent', bizStep: 'shipping', disposition: 'in_transit' });
    expect(shipping!.bizTransactions.map((t) => [t.type, t.id])).toEqual([
      ['po', 'urn:epcglobal:cbv:bt:0398765000004:PO-4711'],
      ['desadv', 'urn:epcglobal:cbv:bt:0312345000005:ASN-889'],
    ]);
    // Under 1.2's <extension>: quantities, sources and destinations.
    expect(shipping!.quantityList.map((q) => [q.epcClass.lot, q.quantity, q.uom])).toEqual([
      ['LOT77', '12', 'EA'],
    ]);
    expect(shipping!.sources.map((s) => [s.type, s.gln])).toEqual([['owning_party', '0312345000004']]);
    expect(shipping!.destinations.map((d) => [d.type, d.gln])).toEqual([
      ['owning_party', '0398765000008'],
      ['location', '0398765000015'],
    ]);
  });

  it('locates a refusal at its element: a time without a zone, a quantity that is no number', () => {
    const time = refusal(
      xml(
        '<ObjectEvent><eventTime>2019-03-12T14:00:00Z</eventTime><action>OBSERVE</action></ObjectEvent>' +
          '<ObjectEvent><eventTime>2019-03-12T14:00:00</eventTime><action>OBSERVE</action></ObjectEvent>',
      ),
    );
    expect(time.location).toBe(`${EVENTS}/ObjectEvent[2]/eventTime`);
    expect(time.message).toMatch(/not an ISO 8601 date-time with a zone: .?"2019-03-12T14:00:00"/);
    const quantity = refusal(
      xml(
        '<ObjectEvent><eventTime>2019-03-12T14:00:00Z</eventTime><epcList/><action>OBSERVE</action><extension>' +
          '<quantityList><quantityElement><epcClass>urn:epc:class:lgtin:0312345.012346.L1</epcClass>' +
          '<quantity>12,5</quantity></quantityElement></quantityList></extension></ObjectEvent>',
      ),
    );
    expect(quantity.location).toBe(`${EVENTS}/ObjectEvent[1]/quantityList/0/quantity`);
    expect(quantity.message).toMatch(/"12,5"/);
  });

  it("refuses 1.2's error declaration (in baseExtension) as the JSON binding's, and reads 1.2's TransformationEvent", () => {
    const declared = refusal(
      xml(
        '<ObjectEvent><eventTime>2019-03-12T14:00:00Z</eventTime><baseExtension><eventID>ev-1</eventID>' +
          '<errorDeclaration><declarationTime>2019-03-13T08:00:00Z</declarationTime><reason>incorrect_data</reason>' +
          '</errorDeclaration></baseExtension><action>OBSERVE</action></ObjectEvent>',
      ),
    );
    expect(declared.location).toBe(`${EVENTS}/ObjectEvent[1]/errorDeclaration`);
    expect(declared.message).toMatch(/the event ev-1 is declared erroneous \(reason incorrect_data\)/);
    const [parsed] = reader.parse(
      xml(
        '<ObjectEvent><eventTime>2019-03-12T14:00:00Z</eventTime><action>OBSERVE</action></ObjectEvent>' +
          '<extension><TransformationEvent><eventTime>2019-03-12T15:00:00Z</eventTime></TransformationEvent></extension>',
      ),
    );
    expect(parsed!.tree.events.map((e) => [e.type, e.mapped])).toEqual([
      ['ObjectEvent', true],
      ['TransformationEvent', false],
    ]);
  });

  it('refuses what is not an EPCIS XML document, a DTD and malformed XML, each with its place', () => {
    const root = refusal(Buffer.from('<ORDERS05><IDOC/></ORDERS05>'));
    expect(root.message).toMatch(/root element is <ORDERS05>, not EPCISDocument or EPCISQueryDocument/);
    const noBody = refusal(Buffer.from('<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"/>'));
    expect(noBody.message).toMatch(/EPCISDocument without EPCISBody/);
    const dtd = refusal(
      Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<EPCISDocument/>'),
    );
    expect(dtd.location).toBe('line 2, column 1');
    expect(dtd.message).toMatch(/DOCTYPE declarations are not accepted$/);
    const broken = refusal(xml('<ObjectEvent><eventTime>2019-03-12T14:00:00Z</eventTime>'));
    expect(broken.location).toMatch(/^line \d+, column \d+$/);
  });

  it('reads a bare <!DOCTYPE name> in the prolog (GS1 examples), and refuses one with an id or after the root', () => {
    const { tree } = read('epcis-2.0-xml-bare-doctype.xml');
    expect(tree.events.map((e) => [e.type, e.bizStep])).toEqual([['ObjectEvent', 'receiving']]);
    const system = refusal(
      Buffer.from('<!DOCTYPE EPCISDocument SYSTEM "http://example.com/x.dtd">\n<EPCISDocument/>'),
    );
    expect(system.message).toMatch(/DOCTYPE declarations are not accepted$/);
    const late = refusal(Buffer.from('<EPCISDocument>\n<!DOCTYPE project>\n</EPCISDocument>'));
    expect(late.location).toBe('line 2, column 1');
    const second = refusal(
      Buffer.from('<!DOCTYPE project>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<EPCISDocument/>'),
    );
    expect(second.location).toBe('line 2, column 1');
  });
});

describe('epcis-2 EPC URNs', () => {
  const withEpcs = (epcList: string[], readPoint = 'urn:epc:id:sgln:4012345.00001.0') =>
    Buffer.from(
      JSON.stringify({
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        epcisBody: {
          eventList: [
            {
              type: 'ObjectEvent',
              eventTime: '2024-06-03T06:00:00.000Z',
              eventTimeZoneOffset: '+02:00',
              epcList,
              action: 'OBSERVE',
              bizStep: 'shipping',
              readPoint: { id: readPoint },
            },
          ],
        },
      }),
    );

  it('refuses one whose company prefix and reference do not have the digits of its scheme, naming the URN where it stands', () => {
    // 12 digits where an SGTIN has 13: it was read as GTIN 5952123443217, another article.
    const sgtin = refusal(
      withEpcs(['urn:epc:id:sgtin:4012345.011111.1', 'urn:epc:id:sgtin:9521234.54321.SER-2']),
    );
    expect(sgtin.location).toBe('/epcisBody/eventList/0/epcList/1');
    expect(sgtin.message).toContain(
      '"urn:epc:id:sgtin:9521234.54321.SER-2" is not a valid SGTIN (GS1 EPC Tag Data Standard): its company prefix (7 digits) and indicator/item reference (5) must have 13 digits together, not 12',
    );
    expect(refusal(withEpcs(['urn:epc:id:sscc:4012345.000000001'])).message).toMatch(
      /"urn:epc:id:sscc:4012345\.000000001" is not a valid SSCC .*serial reference \(9\) must have 17 digits together, not 16/,
    );
    expect(refusal(withEpcs([], 'urn:epc:id:sgln:4012345.0001.0')).message).toMatch(
      /is not a valid SGLN .*location reference \(4\) must have 12 digits together, not 11/,
    );
    expect(refusal(withEpcs(['urn:epc:id:sgtin:40123.4501111.1'])).message).toMatch(
      /its company prefix "40123" must be 6 to 12 digits/,
    );
    expect(refusal(withEpcs(['urn:epc:id:sgtin:4012345.01111X.1'])).message).toMatch(
      /its indicator\/item reference "01111X" must be digits/,
    );
  });

  it('reads one of the right digits with a company prefix of any allowed length', () => {
    const [parsed] = reader.parse(
      withEpcs(['urn:epc:id:sgtin:401234.0511111.7', 'urn:epc:id:sgtin:401234511111.0.8']),
    );
    expect(parsed!.tree.events[0]!.epcList.map((e) => e.gtin)).toEqual(['04012345111118', '04012345111118']);
  });
});
