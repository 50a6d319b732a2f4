import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { quotedValue, withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import { compileMapping } from './compile.ts';
import { mappingFunctions, parseTime, timestamp } from './functions.ts';
import { mapDocument } from './run.ts';
import { loadMappingFile } from './spec.ts';

// `$parseTime(text, picture, zone?)`: a partner's date and time in a form of its own (ShipStation's `12/8/2011 12:56
// PM`), read with JSONata's picture parsing (`$toMillis`'s XPath pictures) in the partner's zone. `$toMillis(text,
// picture)` alone reads the wall clock as UTC, whatever `options.timeZone` says.
const US = '[M]/[D]/[Y] [h]:[m01] [P]';

/** The message `refuse` throws. */
function refusal(refuse: () => unknown): string {
  try {
    refuse();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was refused');
}

describe('$parseTime: a date and time in a picture of its own, in a zone', () => {
  it('reads ShipStation’s US form in the mapping’s zone (options.timeZone), not as UTC', () => {
    const { parseTime: bound } = mappingFunctions({}, 'America/Chicago') as {
      parseTime: (text: unknown, picture: unknown, zone?: unknown) => string | undefined;
    };
    // 12:56 PM in Chicago on 8 December 2011 (CST, -6) is 18:56 UTC.
    expect(bound('12/8/2011 12:56 PM', US)).toBe('2011-12-08T18:56:00.000Z');
    // A zone given wins over the mapping's.
    expect(bound('12/8/2011 12:56 PM', US, 'UTC')).toBe('2011-12-08T12:56:00.000Z');
    expect(parseTime('12/8/2011 12:56 AM', US, 'Europe/Berlin')).toBe('2011-12-07T23:56:00.000Z');
    expect(parseTime('31.12.2024 23:59:59', '[D01].[M01].[Y0001] [H01]:[m01]:[s01]', 'Asia/Tokyo')).toBe(
      '2024-12-31T14:59:59.000Z',
    );
  });

  it('takes the offset the text names when its picture has one ([Z]), whatever the zone', () => {
    expect(parseTime('12/8/2011 12:56 PM -05:00', `${US} [Z]`, 'Asia/Tokyo')).toBe(
      '2011-12-08T17:56:00.000Z',
    );
  });

  it('reads the wall clock across daylight saving changes as $timestamp does (America/New_York, 2024)', () => {
    const zone = 'America/New_York';
    // 10 March: 1:59 AM is still EST (-5), 3:00 AM already EDT (-4).
    expect(parseTime('3/10/2024 1:59 AM', US, zone)).toBe('2024-03-10T06:59:00.000Z');
    expect(parseTime('3/10/2024 3:00 AM', US, zone)).toBe('2024-03-10T07:00:00.000Z');
    // 2:30 AM does not exist that night, 1:30 AM on 3 November twice: the same instants as $timestamp gives.
    expect(parseTime('3/10/2024 2:30 AM', US, zone)).toBe(timestamp('2024-03-10', '02:30', zone));
    expect(parseTime('11/3/2024 1:30 AM', US, zone)).toBe(timestamp('2024-11-03', '01:30', zone));
    expect(parseTime('11/3/2024 1:30 AM', US, zone)).toBe('2024-11-03T05:30:00.000Z');
    // A day later the offset is EST again.
    expect(parseTime('11/4/2024 1:30 AM', US, zone)).toBe('2024-11-04T06:30:00.000Z');
  });

  it('reads a date alone as midnight UTC, the canonical convention, in every zone (as $timestamp)', () => {
    expect(parseTime('12/8/2011', '[M]/[D]/[Y]', 'America/Chicago')).toBe('2011-12-08T00:00:00.000Z');
  });

  it('writes nothing for nothing and refuses what the picture does not read, naming both', () => {
    expect(parseTime(undefined, US)).toBeUndefined();
    expect(parseTime(null, US)).toBeUndefined();
    expect(parseTime('  ', US)).toBeUndefined();
    expect(() => parseTime('2011-12-08 12:56', US, 'UTC')).toThrow(
      `$parseTime: ${quotedValue('2011-12-08 12:56')} does not match the picture "[M]/[D]/[Y] [h]:[m01] [P]"`,
    );
    expect(() => parseTime('2/30/2024 9:00 AM', US, 'UTC')).toThrow(
      `$parseTime: ${quotedValue('2/30/2024 9:00 AM')} is not a date and time that exists ("[M]/[D]/[Y] [h]:[m01] [P]")`,
    );
    expect(() => parseTime('12/8/2011 12:56 PM', US, 'Europe/Atlantis')).toThrow(
      '$parseTime: "Europe/Atlantis" is not a time zone name',
    );
    expect(() => parseTime('12/8 12:56 PM', '[M]/[D] [h]:[m01] [P]', 'UTC')).toThrow(
      '$parseTime: the picture "[M]/[D] [h]:[m01] [P]" has no year, month and day ([Y], [M], [D]): a date is not made up',
    );
    expect(() => parseTime('12/8/2011', undefined, 'UTC')).toThrow('$parseTime: a picture is needed');
  });

  it("quotes the document's text as a value: a viewer and the logs read the refusal without it, the picture kept", () => {
    for (const text of ['2011-12-08 12:56', '2/30/2024 9:00 AM']) {
      const message = refusal(() => parseTime(text, US, 'UTC'));
      expect(withoutDocumentValues(message)).not.toContain(text);
      expect(withoutDocumentValues(message)).toMatch(
        /^\$parseTime: "…" (does not match|is not a date and time that exists)/,
      );
      expect(withoutDocumentValues(message)).toContain('[M]/[D]/[Y] [h]:[m01] [P]');
      expect(withoutValueMarks(message)).toContain(`"${text}"`);
    }
  });
});

describe('$parseTime in a mapping', () => {
  it('reads a ShipStation order table’s dates in the mapping’s options.timeZone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-parse-time-'));
    try {
      writeFileSync(join(dir, 'orders.csv'), 'orderNumber,orderDate\nSS-1,12/8/2011 12:56 PM\n');
      const file = join(dir, 'orders.to-canonical.yaml');
      writeFileSync(
        file,
        [
          'description: ShipStation orders',
          'input: csv',
          'output: eai.canonical.SalesOrderEvent',
          'onlyByName: true',
          'options: {timeZone: America/Chicago}',
          'fixtures: {inputs: ., expected: orders.expected}',
          'records: rows',
          'fields:',
          `  changeType: "'CREATED'"`,
          `  occurredAt: $parseTime(orderDate, '[M]/[D]/[Y] [h]:[m01] [P]')`,
          `  origin: {system: "'shipstation'"}`,
          '  salesOrder:',
          '    orderId: orderNumber',
          '    orderNumber: orderNumber',
          `    orderDate: $parseTime(orderDate, '[M]/[D]/[Y] [h]:[m01] [P]')`,
          `    currency: "'USD'"`,
          `    customer: {name: "'x'"}`,
          '    lines: "[]"',
          `    status: "'OPEN'"`,
        ].join('\n'),
      );
      const mapping = compileMapping(loadMappingFile(file));
      const [document] = findReader('csv').parse(readFileSync(join(dir, 'orders.csv')));
      const [record] = await mapDocument(mapping, document!);
      const value = JSON.parse(JSON.stringify(record!.value));
      expect(value.salesOrder.orderDate).toBe('2011-12-08T18:56:00.000Z');
      expect(value.occurredAt).toBe('2011-12-08T18:56:00.000Z');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
