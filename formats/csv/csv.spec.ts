import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../types.ts';
import { csvHeader, detectDelimiter, parseCsv } from './index.ts';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
const rowsOf = (text: string) => parseCsv(Buffer.from(text))[0]!.tree.rows;

function refusal(text: string): string {
  try {
    parseCsv(Buffer.from(text));
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('csv format', () => {
  it('reads a semicolon export with a BOM, CRLF, quoted delimiters, doubled quotes and a line break in a cell', () => {
    const rows = parseCsv(fixture('customers-semicolon.csv'))[0]!.tree.rows;
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({
      $loc: 'line 2',
      Kundennummer: '100234',
      Name: 'Müller Maschinenbau GmbH',
    });
    expect(Object.keys(rows[0]!)).not.toContain('Vorname'); // empty cells are absent
    expect(rows[1]).toMatchObject({ Strasse: 'Leopoldstr. 7; Hinterhaus' });
    expect(rows[2]).toMatchObject({
      $loc: 'line 4',
      Name: 'Café "Zur Linde" KG',
      Strasse: 'Am Markt 1\r\nEingang Nord',
    });
  });

  it('finds the delimiter from the header, outside quotes', () => {
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('a;b;"x,y,z"')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('a|b')).toBe('|');
    expect(detectDelimiter('single')).toBe(',');
    expect(rowsOf('id\tname\n1\tAcme, Inc.\n')).toEqual([{ $loc: 'line 2', id: '1', name: 'Acme, Inc.' }]);
  });

  it('counts the lines of rows after a cell that spans lines, and skips blank lines', () => {
    const rows = rowsOf('id,note\n1,"two\nlines"\n\n2,x\n');
    expect(rows.map((r) => r.$loc)).toEqual(['line 2', 'line 5']);
  });

  it('drops the spaces around delimiters, as exports written with ", " have them; a quoted cell keeps its own', () => {
    // FEBRL's data sets (the record-linkage benchmark) are written so: `rec_id, given_name, surname`.
    expect(rowsOf('rec_id, given_name, surname\nrec-1-org, michaela , "  neumann, jr"\n')).toEqual([
      { $loc: 'line 2', rec_id: 'rec-1-org', given_name: 'michaela', surname: '  neumann, jr' },
    ]);
    // A cell of spaces only is empty, so absent.
    expect(rowsOf('a;b\nx;   \n')).toEqual([{ $loc: 'line 2', a: 'x' }]);
  });

  it('refuses with the line and what to do', () => {
    // More rows that do not fit the header than rows that do: not this header's table (another delimiter?).
    expect(refusal('a,b,c\n1,2,3\n\n4,5\n6\n')).toBe(
      'csv: line 4: 2 cells where the header names 3 columns; 2 of the 3 rows do not have the header\'s 3 cells (split at ",", the header\'s delimiter): the table is refused whole; check its delimiter and header line',
    );
    expect(refusal('a,b,a\n1,2,3\n')).toBe('csv: line 1: column 3: "a" repeats column 1');
    expect(refusal('a,,c\n')).toBe('csv: line 1: column 2 has no name: name it, or remove the empty column');
    // Excel's and SAP's exports end each line with the separator: said so, with what to do.
    expect(refusal('id;name;city;\r\n1;Muster GmbH;Köln;\r\n')).toBe(
      'csv: line 1: column 4 has no name: the header line ends with a separator (;)? remove it, or name the column',
    );
    expect(refusal('id\tname \t\n1\tx\t\n')).toBe(
      'csv: line 1: column 3 has no name: the header line ends with a separator (tab)? remove it, or name the column',
    );
    expect(() => csvHeader(Buffer.from('id,name,\n'))).toThrow(
      'csv: line 1: column 3 has no name: the header line ends with a separator (,)? remove it, or name the column',
    );
    // A last column named by an empty quoted cell is not a separator at the end.
    expect(refusal('id;name;""\n1;x;y\n')).toBe(
      'csv: line 1: column 3 has no name: name it, or remove the empty column',
    );
    // Where the row with the quote starts, not the end of the table where the parser noticed (after a quoted cell
    // over two lines, and a doubled quote, which open and close cells).
    expect(refusal('a,b\n1,"2\n3,4\n')).toBe(
      'csv: line 2: a quoted cell opened in this row is never closed (a " is missing)',
    );
    expect(refusal('a,b\n"x\ny",1\n"say ""hi""",2\n5,"6\n7,8\n9,10\n')).toBe(
      'csv: line 5: a quoted cell opened in this row is never closed (a " is missing)',
    );
    expect(refusal('a;b\n1;2"x"\n')).toBe(
      'csv: line 2: cell 2: a quote inside an unquoted cell (quote the whole cell and double its quotes: "")',
    );
    expect(refusal('\n')).toBe('csv: line 1: expected a header line naming the columns');
  });
});

describe('csv format: a row with another number of cells than the header', () => {
  const HEADER = 'id,name,email,country,city,zip';

  it('is a row of its own that cannot be read, at its line, saying how many cells against how many columns', () => {
    const [document] = parseCsv(
      Buffer.from(
        `${HEADER}\n1,A,a@x,DE,Berlin,10115\n2,B,b@x,DE,Bonn,53111,extra\n3,C,c@x,DE\n4,D,d@x,DE,Kiel,24103\n`,
      ),
    );
    // In its place, its `$loc` alone, so the rows after it keep their numbers.
    expect(document!.tree.rows.map((r) => r.$loc)).toEqual(['line 2', 'line 3', 'line 4', 'line 5']);
    expect(document!.tree.rows[1]).toEqual({ $loc: 'line 3' });
    expect(document!.tree.rows[3]).toMatchObject({ id: '4', zip: '24103' });
    expect(document!.unreadable).toEqual([
      { location: 'line 3', problem: '7 cells where the header names 6 columns' },
      { location: 'line 4', problem: '4 cells where the header names 6 columns' },
    ]);
    expect(parseCsv(Buffer.from('a,b\n1,2\nonly\n'))[0]!.unreadable).toEqual([
      { location: 'line 3', problem: '1 cell where the header names 2 columns' },
    ]);
    // A table whose rows all fit has none.
    expect(parseCsv(Buffer.from('a,b\n1,2\n'))[0]).not.toHaveProperty('unreadable');
  });

  it('counts the lines of quoted cells over several lines, in the unfit row and before it', () => {
    const [document] = parseCsv(
      Buffer.from(
        'id,note,city\n1,"two\r\nlines",Bonn\n2,"three\nline\ncell",Kiel,extra\n\n3,"a, b",Ulm\n4,"x\ny"\n5,ok,Hof\n',
      ),
    );
    expect(document!.tree.rows.map((r) => r.$loc)).toEqual([
      'line 2',
      'line 4',
      'line 8',
      'line 9',
      'line 11',
    ]);
    expect(document!.unreadable).toEqual([
      { location: 'line 4', problem: '4 cells where the header names 3 columns' },
      { location: 'line 9', problem: '2 cells where the header names 3 columns' },
    ]);
    expect(document!.tree.rows[4]).toEqual({ $loc: 'line 11', id: '5', note: 'ok', city: 'Hof' });
  });

  it('a table whose only row does not fit, or a broken header, is refused whole', () => {
    expect(refusal('a;b;c\n1;2\n')).toMatch(
      /^csv: line 2: 2 cells where the header names 3 columns; 1 of the 1 rows/,
    );
    expect(refusal('a,b,a\n1,2,3\n1,2\n')).toBe('csv: line 1: column 3: "a" repeats column 1');
  });
});

describe('csv format: not a table', () => {
  it('refuses binary data and a header without rows', () => {
    expect(refusal('id,name\n1,a\u0000b\n')).toBe(
      'csv: line 2: control character U+0000: binary data, not a text table',
    );
    expect(refusal('id,name\n')).toBe('csv: line 2: a header line and no rows under it');
  });
});
