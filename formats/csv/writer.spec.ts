import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { findWriter } from '../index.ts';
import { FormatError } from '../types.ts';
import { parseCsv } from './index.ts';
import { type CsvWriteOptionsInput, type CsvWriteTree, writeCsv } from './writer.ts';

/** What the reader makes of the written table: its header and its rows without their `$loc`. */
function readBack(tree: CsvWriteTree) {
  const [document] = parseCsv(writeCsv(tree));
  return {
    header: document!.header,
    rows: document!.tree.rows.map(({ $loc: _, ...cells }) => cells),
  };
}

function refusal(tree: unknown): string {
  try {
    writeCsv(tree as CsvWriteTree);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('csv writer', () => {
  it('is the writer of format csv', () => {
    expect(findWriter('csv').write).toBe(writeCsv);
  });

  it('writes RFC 4180: comma, CRLF, a quoted cell for a comma, a quote or a line break, quotes doubled', () => {
    const text = writeCsv({
      rows: [
        { id: '1', name: 'Café "Zur Linde", KG', street: 'Am Markt 1\nEingang Nord' },
        { id: '2', name: 'Müller', street: 'Hauptstr. 5' },
      ],
    }).toString('utf8');
    expect(text).toBe(
      'id,name,street\r\n1,"Café ""Zur Linde"", KG","Am Markt 1\nEingang Nord"\r\n2,Müller,Hauptstr. 5\r\n',
    );
  });

  it('reads back to the same values: separators, quotes, line breaks, spaces at the ends, umlauts and other scripts', () => {
    const rows = [
      {
        Kundennummer: '100234',
        Name: 'Müller Maschinenbau GmbH; Werk Süd',
        Straße: 'Am Markt 1\r\nEingang Nord',
        Notiz: 'sagt "Grüß Gott", ruft | zurück\tbald',
        Ort: '  Köln  ',
      },
      {
        Kundennummer: '100235',
        Name: '佐藤-Ñúñez Ørsted',
        Straße: 'Leopoldstr. 7, Hinterhaus',
        Ort: 'München',
      },
    ];
    expect(readBack({ rows })).toEqual({
      header: ['Kundennummer', 'Name', 'Straße', 'Notiz', 'Ort'],
      rows,
    });
    // UTF-8 without a byte-order mark: the umlauts as their UTF-8 bytes.
    const bytes = writeCsv({ rows });
    expect(bytes.subarray(0, 3).toString('hex')).not.toBe('efbbbf');
    expect(bytes.includes(Buffer.from('Müller', 'utf8'))).toBe(true);
  });

  it('reads back a header whose names hold another delimiter (the reader finds the delimiter from the header line)', () => {
    const rows = [{ 'a;b': 'x', 'c|d': 'y', 'e\tf': 'z' }];
    expect(readBack({ rows })).toEqual({ header: ['a;b', 'c|d', 'e\tf'], rows });
    // A single column named with a semicolon is still a comma table.
    expect(readBack([{ 'x;y;z': '1' }])).toEqual({ header: ['x;y;z'], rows: [{ 'x;y;z': '1' }] });
  });

  it('takes the columns from header in its order, else from the rows in the order their keys first appear', () => {
    // The first row has no email: without header, that column comes last.
    const rows = [
      { id: '1', name: 'A' },
      { id: '2', email: 'b@example.com', name: 'B' },
    ];
    expect(readBack({ rows }).header).toEqual(['id', 'name', 'email']);
    const fixed = readBack({ header: ['id', 'email', 'name', 'phone'], rows });
    expect(fixed.header).toEqual(['id', 'email', 'name', 'phone']);
    // An empty cell reads back absent, as null and a missing key are written.
    expect(fixed.rows).toEqual(rows);
    expect(writeCsv({ header: ['id', 'name'], rows: [{ id: '1', name: null }] }).toString()).toBe(
      'id,name\r\n1,\r\n',
    );
  });

  it('writes numbers and booleans as JSON writes them; a list of rows is a tree too, and $loc is no column', () => {
    const read = parseCsv(Buffer.from('id,limit\n7,25000.50\n'))[0]!.tree;
    expect(writeCsv(read).toString()).toBe('id,limit\r\n7,25000.50\r\n');
    expect(writeCsv([{ n: 1.5, ok: true, e: 1e21 }]).toString()).toBe('n,ok,e\r\n1.5,true,1e+21\r\n');
  });

  it('refuses what it cannot write so that it reads back, naming the row and the column', () => {
    expect(refusal({ rows: [] })).toBe('csv: rows: no rows to write (a table without rows is not read back)');
    expect(refusal({})).toBe('csv: rows: no rows to write (a table without rows is not read back)');
    expect(refusal({ id: '1', name: 'A' })).toMatch(
      /^csv: \(document root\): "id" is not part of a csv tree, which holds rows/,
    );
    expect(refusal({ rows: [{ id: '1', lines: ['a', 'b'] }] })).toBe(
      'csv: row 1, column "lines": a cell is text, a number or a boolean, got a list: make it one value in the mapping (e.g. $join(list, \', \'))',
    );
    expect(refusal({ rows: [{ id: '1' }, { id: 'a\u0000b' }] })).toBe(
      'csv: row 2, column "id": control character U+0000: a table holds text only',
    );
    expect(refusal({ header: ['id'], rows: [{ id: '1', name: 'A' }] })).toBe(
      'csv: row 1, column "name": not in header (id): add it to header, or do not map it',
    );
    expect(refusal({ header: ['id', 'id'], rows: [{ id: '1' }] })).toBe(
      'csv: header[1]: "id" is named twice',
    );
    expect(refusal([{ '': 'x' }])).toBe(
      'csv: header: a column needs a name: a row has a key that is empty or spaces',
    );
    expect(refusal([{ id: '1' }, { id: '' }])).toBe(
      'csv: row 2: no value in the table\'s one column "id": an empty line is not read as a row',
    );
    expect(refusal({ rows: ['x'] })).toBe('csv: row 1: a row is an object of cells by column name');
  });

  it("writes a fixture table the reader read back to the reader's same rows", () => {
    const input = readFileSync(new URL('fixtures/customers-semicolon.csv', import.meta.url));
    const [document] = parseCsv(input);
    const again = parseCsv(writeCsv({ header: document!.header, rows: document!.tree.rows }))[0]!;
    expect(again.header).toEqual(document!.header);
    expect(again.tree.rows.map(({ $loc: _, ...c }) => c)).toEqual(
      document!.tree.rows.map(({ $loc: _, ...c }) => c),
    );
  });
});

describe("csv writer options (a mapping's options.csv)", () => {
  const rows = [
    { id: '1', name: 'Müller; Söhne, KG', note: 'a|b\tc' },
    { id: '2', name: ' Li ', note: 'say "hi"' },
  ];
  const text = (options: CsvWriteOptionsInput, tree: CsvWriteTree = rows) =>
    writeCsv(tree, options).toString('utf8');
  const readBackWith = (options: CsvWriteOptionsInput, tree: CsvWriteTree = rows) =>
    parseCsv(writeCsv(tree, options))[0]!.tree.rows.map(({ $loc: _, ...cells }) => cells);

  it('writes each delimiter, quoting a cell that holds it (and a comma, always), and reads back the same cells', () => {
    expect(text({ delimiter: ';' })).toBe(
      'id;name;note\r\n1;"Müller; Söhne, KG";a|b\tc\r\n2;" Li ";"say ""hi"""\r\n',
    );
    expect(text({ delimiter: '\t' })).toBe(
      'id\tname\tnote\r\n1\t"Müller; Söhne, KG"\t"a|b\tc"\r\n2\t" Li "\t"say ""hi"""\r\n',
    );
    expect(text({ delimiter: '|' })).toBe(
      'id|name|note\r\n1|"Müller; Söhne, KG"|"a|b\tc"\r\n2|" Li "|"say ""hi"""\r\n',
    );
    for (const delimiter of [',', ';', '\t', '|'] as const) expect(readBackWith({ delimiter })).toEqual(rows);
    // A table of one column has no delimiter in its header line: the reader takes a comma, so a comma is quoted.
    expect(readBackWith({ delimiter: ';' }, [{ name: 'a, b' }])).toEqual([{ name: 'a, b' }]);
  });

  it('writes LF line ends and a UTF-8 byte-order mark when asked; CRLF and no mark by default', () => {
    expect(text({ lineEnding: 'LF' })).toBe(
      'id,name,note\n1,"Müller; Söhne, KG",a|b\tc\n2," Li ","say ""hi"""\n',
    );
    const marked = writeCsv(rows, { byteOrderMark: true });
    expect(marked.subarray(0, 3).toString('hex')).toBe('efbbbf');
    expect(writeCsv(rows, {}).subarray(0, 3).toString('hex')).not.toBe('efbbbf');
    expect(text({}).split('\r\n')).toHaveLength(4);
    expect(readBackWith({ byteOrderMark: true, lineEnding: 'LF', delimiter: ';' })).toEqual(rows);
  });

  it("escapes formulas when asked: a text cell starting with = + - @ tab or CR gets a leading '; numbers and other cells stay", () => {
    const risky = [
      { a: '=HYPERLINK("http://x","y")', b: '+49 30 1234567', c: '-2+3', d: '@SUM(A1)' },
      { a: '\tcmd', b: '\r=1', c: -5, d: 'ok = fine' },
    ];
    expect(readBackWith({ formulaEscape: true }, risky)).toEqual([
      { a: '\'=HYPERLINK("http://x","y")', b: "'+49 30 1234567", c: "'-2+3", d: "'@SUM(A1)" },
      { a: "'\tcmd", b: "'\r=1", c: '-5', d: 'ok = fine' },
    ]);
    // Off by default: the cells as they are (a system importing the table keeps what it gets).
    expect(readBackWith({}, risky)[0]).toEqual(risky[0]);
    expect(text({ formulaEscape: true }, [{ a: '=1' }])).toBe("a\r\n'=1\r\n");
  });

  it('refuses an option it does not know or a value it does not take, naming it', () => {
    const refused = (options: unknown) => () => writeCsv(rows, options as CsvWriteOptionsInput);
    expect(refused({ delimiter: ':' })).toThrow(ConfigError);
    expect(refused({ delimiter: ':' })).toThrow(/^csv writer: options\.csv\.delimiter: /);
    expect(refused({ quote: "'" })).toThrow(/^csv writer: options\.csv\.quote: /);
  });
});
