import { join } from 'node:path';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { threadCpuTimer } from '../../tests/thread-cpu.ts';
import { fixtureSupport, itHandlesLargeInputWithin10s, itRefusesBrokenFixtures } from '../test-support.ts';
import { makeLargeDocument } from './fixtures/large.ts';
import { reader, type XmlTree } from './index.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const { fixture, one, refusal } = fixtureSupport(reader, fixtures);
// biome-ignore lint/suspicious/noExplicitAny: a tree read back by the document's own element names
type Xml = Record<string, any>;

const OASIS = 'UBL-Order-2.1-Example.xml';
const PREFIXED = 'ubl-order-peppol-prefixed.xml';
const UBL_NS =
  'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2" ' +
  'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" ' +
  'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"';

const tree = (text: string): Xml => reader.parse(Buffer.from(text))[0]!.tree as Xml;
const refused = (text: string) => refusal(Buffer.from(text));
/** What a mapping expression reads from a tree, as plain JSON (JSONata marks its result sequences). */
const read = async (expression: string, input: unknown): Promise<unknown> =>
  JSON.parse(JSON.stringify((await jsonata(expression).evaluate(input)) ?? null));

describe('xml reader: the tree', () => {
  it('reads the OASIS UBL 2.1 Order example: the root under its local name, $loc the element path', () => {
    const doc = one(OASIS);
    expect([doc.format, doc.kind, doc.source]).toEqual(['xml', 'Order', 'xml']);
    expect(doc.id).toMatch(/^[0-9a-f]{16}$/);
    const order = (doc.tree as Xml).Order;
    expect(doc.tree.$loc).toBe('/');
    expect(order).toMatchObject({
      $loc: '/Order',
      ID: '34',
      IssueDate: '2010-01-20',
      DocumentCurrencyCode: 'SEK',
    });
    expect(order.OrderLine).toHaveLength(2);
    expect(order.OrderLine[1].$loc).toBe('/Order/cac:OrderLine[2]');
    expect(order.OrderLine[1].LineItem.Item).toMatchObject({
      $loc: '/Order/cac:OrderLine[2]/cac:LineItem[1]/cac:Item[1]',
      Name: 'Pensel 20 mm',
      Description: 'Very good pencils for red paint.',
    });
  });

  it('names elements by local name: the same paths read a document whatever prefixes its sender chose', async () => {
    // The OASIS example: default namespace for Order, cbc: and cac: for the components. The PEPPOL one: ubl:Order,
    // ns2: for the basic components.
    const oasis = one(OASIS).tree;
    const prefixed = one(PREFIXED).tree;
    expect(await read('Order.OrderLine.LineItem.Item.Name', oasis)).toEqual(['Falu Rödfärg', 'Pensel 20 mm']);
    expect(await read('Order.OrderLine.LineItem.Item.Name', prefixed)).toBe('Pigment Falu red, 25 kg bag');
    expect(await read('Order.BuyerCustomerParty.Party.PartyName.Name', oasis)).toBe('Johnssons byggvaror');
    expect(await read('Order.BuyerCustomerParty.Party.PartyName.Name', prefixed)).toBe(
      'Nordwind Handel GmbH',
    );
    // The location keeps the names as written, to find the element in the file.
    expect((prefixed as Xml).Order.$loc).toBe('/ubl:Order');
    // Two elements of one local name in different namespaces are one list, in document order.
    const mixed = tree('<a:R xmlns:a="urn:a" xmlns:b="urn:b"><a:X>1</a:X><b:X>2</b:X><a:X>3</a:X></a:R>');
    expect(mixed.R.X).toEqual(['1', '2', '3']);
  });

  it('reaches attributes: @name in an element with children, <element>@<name> beside a text-only element', async () => {
    const order = (one(OASIS).tree as Xml).Order;
    const line = order.OrderLine[0].LineItem;
    expect(line.Quantity).toBe('120');
    expect(line['Quantity@unitCode']).toBe('LTR');
    expect(line.Price['PriceAmount@currencyID']).toBe('SEK');
    expect(await read('Order.AnticipatedMonetaryTotal.`PayableAmount@currencyID`', one(OASIS).tree)).toBe(
      'SEK',
    );
    // An ID with a schemeID and one without are read by the same path: the attribute never changes the text's.
    expect(await read('Order.BuyerCustomerParty.Party.PartyIdentification.ID', one(OASIS).tree)).toEqual([
      '7300070011115',
      'PartyID123',
    ]);
    // Namespace declarations are not data; attributes keep their names as written (xml:lang).
    expect(Object.keys(order).filter((k) => k.includes('xmlns'))).toEqual([]);
    const t = tree(
      '<R xmlns="urn:r" version="2" xml:lang="sv"><Ref type="a">1</Ref><Ref>2</Ref><Ref type="c">3</Ref></R>',
    );
    expect(t.R).toEqual({
      $loc: '/R',
      '@version': '2',
      '@xml:lang': 'sv',
      Ref: ['1', '2', '3'],
      // Aligned with the elements: null where one has no such attribute.
      'Ref@type': ['a', null, 'c'],
    });
    // A text-only root keeps its attributes beside it too.
    expect(tree('<Code listID="UNCL1001">220</Code>')).toEqual({
      $loc: '/',
      Code: '220',
      'Code@listID': 'UNCL1001',
    });
  });

  it('reads one element and several by the same paths: an array only where an element repeats', async () => {
    const line = (n: number) =>
      `<cac:OrderLine><cbc:Note>note ${n}</cbc:Note><cac:LineItem><cbc:ID>${n}</cbc:ID></cac:LineItem></cac:OrderLine>`;
    const single = tree(`<Order ${UBL_NS}>${line(1)}</Order>`);
    const many = tree(`<Order ${UBL_NS}>${line(1)}${line(2)}</Order>`);
    expect(single.Order.OrderLine.LineItem.ID).toBe('1');
    expect(many.Order.OrderLine.map((l: Xml) => l.LineItem.ID)).toEqual(['1', '2']);
    for (const [expression, one, several] of [
      ['Order.OrderLine.LineItem.ID', '1', ['1', '2']],
      ['Order.OrderLine[0].LineItem.ID', '1', '1'],
      ['Order.OrderLine[-1].LineItem.ID', '1', '2'],
      ['Order.OrderLine[LineItem.ID = "1"].Note', 'note 1', 'note 1'],
      ['$count(Order.OrderLine)', 1, 2],
      ['$join(Order.OrderLine.Note, "; ")', 'note 1', 'note 1; note 2'],
    ] as const) {
      expect(await read(expression, single), expression).toEqual(one);
      expect(await read(expression, many), expression).toEqual(several);
    }
  });

  it('keeps text as written (trimmed at both ends), references decoded once, CDATA as written, mixed content as #text', () => {
    const t = tree(
      '<R>\n  <A>  two  spaces  inside  </A>\n' +
        '  <B>M&#252;ller &amp;amp; S&#xF6;hne &lt;&gt;&quot;&apos;</B>\n' +
        '  <C><![CDATA[<b>&amp;</b>]]></C>\n' +
        '  <D>Price: <![CDATA[<5>]]> each</D>\n' +
        '  <E/>\n' +
        '  <P lang="en">Deliver <em>before</em> noon, <em>gate 3</em>.</P>\n</R>',
    );
    expect(t.R.A).toBe('two  spaces  inside');
    expect(t.R.B).toBe('Müller &amp; Söhne <>"\'');
    expect(t.R.C).toBe('<b>&amp;</b>');
    expect(t.R.D).toBe('Price: <5> each');
    expect(t.R.E).toBe('');
    expect(t.R.P).toEqual({
      $loc: '/R/P[1]',
      '@lang': 'en',
      em: ['before', 'gate 3'],
      '#text': 'Deliver  noon, .',
    });
    // An element with children holds no #text when only indentation stands between them.
    expect(Object.keys(t.R)).not.toContain('#text');
  });

  it('keeps numbers as the text that was sent: no double rounds them, no zero goes', () => {
    const t = tree(
      '<R><Amount currencyID="EUR">0.1000000000000000055</Amount><Id>007</Id><Big>12345678901234567890</Big>' +
        '<Exp>1e400</Exp><Qty>150.000</Qty><Flag>true</Flag></R>',
    );
    expect(t.R).toMatchObject({
      Amount: '0.1000000000000000055',
      Id: '007',
      Big: '12345678901234567890',
      Exp: '1e400',
      Qty: '150.000',
      Flag: 'true',
    });
  });

  it('keeps every name as written, those JavaScript objects reserve too: data, never a prototype', () => {
    const names = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'];
    const elements = names.map((n) => `<${n} ${n}="a"><x>${n}</x></${n}>`).join('');
    const t = tree(`<R>${elements}<toString>leaf</toString></R>`);
    expect(Object.keys(t.R)).toEqual(['$loc', ...names]);
    for (const name of names) {
      const value = Object.getOwnPropertyDescriptor(t.R, name)?.value;
      expect(value, name).toEqual(
        name === 'toString'
          ? [{ $loc: '/R/toString[1]', '@toString': 'a', x: 'toString' }, 'leaf']
          : { $loc: `/R/${name}[1]`, [`@${name}`]: 'a', x: name },
      );
    }
    expect(Object.getPrototypeOf(t.R)).toBe(Object.prototype);
    expect(({} as Xml).x).toBeUndefined();
    // Beside a text-only element, and as the root.
    expect(tree('<R><__proto__ __proto__="b">leaf</__proto__></R>').R['__proto__@__proto__']).toBe('b');
    expect(Object.getOwnPropertyDescriptor(tree('<constructor>c</constructor>'), 'constructor')?.value).toBe(
      'c',
    );
  });

  it('names a document by its bytes: the same bytes keep their id, a change gets a new one', () => {
    const bytes = fixture(OASIS);
    const id = reader.parse(bytes)[0]!.id;
    expect(reader.parse(Buffer.from(bytes))[0]!.id).toBe(id);
    expect(reader.parse(Buffer.from(bytes.toString('utf8').replace('>34<', '>35<')))[0]!.id).not.toBe(id);
  });

  it('reads the character set the declaration names, and UTF-16 with a byte-order mark', () => {
    const xml = '<?xml version="1.0" encoding="windows-1252"?><R><Name>Müller € AB</Name></R>';
    const bytes = Buffer.from(new Uint8Array([...xml].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0)))));
    expect((reader.parse(bytes)[0]!.tree as Xml).R.Name).toBe('Müller € AB');
    const utf16 = Buffer.from(
      '\ufeff<?xml version="1.0" encoding="UTF-16"?><R><Name>Ödåsen</Name></R>',
      'utf16le',
    );
    expect((reader.parse(utf16)[0]!.tree as Xml).R.Name).toBe('Ödåsen');
  });

  it('ignores a bare <!DOCTYPE name>, which declares nothing', () => {
    expect(tree('<?xml version="1.0"?>\n<!DOCTYPE Order>\n<Order><ID>34</ID></Order>').Order.ID).toBe('34');
  });
});

describe('xml reader: refusals, each with its line and column', () => {
  it('refuses a billion-laughs DOCTYPE at once, without expanding it', () => {
    const cpuMs = threadCpuTimer();
    const error = refusal(fixture('broken/billion-laughs.xml'));
    expect(error.location).toBe('line 2, column 1');
    expect(error.message).toBe('xml: line 2, column 1: DOCTYPE declarations are not accepted');
    expect(cpuMs()).toBeLessThan(1_000);
  });

  it('refuses an external entity and an external DTD, so no file or URL is ever read', () => {
    expect(refusal(fixture('broken/external-entity.xml')).message).toBe(
      'xml: line 2, column 1: DOCTYPE declarations are not accepted',
    );
    expect(refusal(fixture('broken/external-dtd.xml')).message).toBe(
      'xml: line 3, column 1: DOCTYPE declarations are not accepted',
    );
    // Hidden after a long comment, or with the reference in an attribute, it is refused the same.
    const late = `<!--${'x'.repeat(5_000)}-->\n<!DOCTYPE R [<!ENTITY e SYSTEM "file:///etc/passwd">]><R a="&e;"/>`;
    expect(refused(late).location).toBe('line 2, column 1');
  });

  it('refuses an entity nobody may declare, and a bad character reference, where it stands', () => {
    expect(refusal(fixture('broken/undeclared-entity.xml')).message).toBe(
      'xml: line 5, column 21: undeclared entity &nbsp; (only &amp; &lt; &gt; &quot; &apos;)',
    );
    expect(refused('<R>\n  <A>&#0;</A></R>').message).toBe(
      'xml: line 2, column 6: character reference &#0; names no XML character',
    );
  });

  it('refuses elements nested deeper than 64 levels at the tag that goes too deep, with the path', () => {
    const error = refused(`<R>\n${'<a>'.repeat(100)}${'</a>'.repeat(100)}</R>`);
    expect(error.location).toBe('line 2, column 190');
    expect(error.message).toMatch(/elements nested deeper than 64 levels \(\/R\/a\/a\/a\/a\/a\/a\/a\/…\)$/);
    // 64 levels are read.
    expect(tree(`<R>${'<a>'.repeat(63)}x${'</a>'.repeat(63)}</R>`).R.a.a.a.$loc).toBe('/R/a[1]/a[1]/a[1]');
  });

  it('refuses malformed XML at its line and column', () => {
    expect(refusal(fixture('broken/mismatched-end-tag.xml')).message).toBe(
      "xml: line 5, column 28: malformed XML: Expected closing tag 'cbc:IssueDate' (opened in line 5, col 3) instead of closing tag 'cbc:IssueTime'.",
    );
    expect(refused('<R><A x="1" x="2"/></R>').message).toMatch(
      /^xml: line 1, column \d+: malformed XML: .*x/,
    );
    expect(refused('<R>a & b</R>').location).toBe('line 1, column 6');
    expect(refused('').message).toBe('xml: line 1, column 1: empty document: no root element');
    expect(refused('{"not": "xml"}').message).toMatch(/^xml: line 1, column 1: malformed XML/);
  });

  it('refuses a root element without content: nothing to map', () => {
    expect(refusal(fixture('broken/empty-root.xml')).message).toBe(
      'xml: /Order: the root element <Order> is empty: nothing to map',
    );
    // An attribute or text is content.
    expect(tree('<Ping at="2025-01-01"/>')['Ping@at']).toBe('2025-01-01');
  });

  itRefusesBrokenFixtures(reader, fixtures, {
    'billion-laughs.xml': {
      location: /^line 2, column 1$/,
      message: /DOCTYPE declarations are not accepted/,
    },
    'external-entity.xml': {
      location: /^line 2, column 1$/,
      message: /DOCTYPE declarations are not accepted/,
    },
    'external-dtd.xml': { location: /^line 3, column 1$/, message: /DOCTYPE declarations are not accepted/ },
    'undeclared-entity.xml': { location: /^line 5, column 21$/, message: /undeclared entity &nbsp;/ },
    'nested-too-deep.xml': { location: /^line 3, column \d+$/, message: /nested deeper than 64 levels/ },
    'mismatched-end-tag.xml': {
      location: /^line 5, column 28$/,
      message: /malformed XML: Expected closing tag/,
    },
    'unclosed-root.xml': { location: /^line 2, column 1$/, message: /malformed XML: Unclosed tag 'Order'/ },
    'two-root-elements.xml': {
      location: /^line 3, column \d+$/,
      message: /malformed XML: Multiple possible root/,
    },
    'invalid-utf8.xml': { location: /^byte 56$/, message: /invalid UTF-8 .*line 3, column 10/ },
    'empty-root.xml': { location: /^\/Order$/, message: /is empty: nothing to map/ },
  });

  itHandlesLargeInputWithin10s(
    'reads a 5 MB order (5,000 lines) within 10 s',
    () => makeLargeDocument(5_000_000),
    (input) =>
      expect((reader.parse(input)[0]!.tree as XmlTree & Xml).Order.OrderLine.length).toBeGreaterThan(5_000),
  );
  itHandlesLargeInputWithin10s(
    'refuses a 50 MB document within 10 s, before parsing it',
    () => makeLargeDocument(50_000_000),
    (input) => expect(refusal(input).message).toMatch(/^xml: byte 8388608: .*limit is 8388608 bytes/),
  );
});
