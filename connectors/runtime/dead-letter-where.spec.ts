import { describe, expect, it } from 'vitest';
import { inFile } from './mapping-step.ts';

/**
 * A message a drop folder cut out of a big file is read in an envelope of its own, so the reader's error names that
 * envelope whichever set of the file it was: `inFile` names the set's place in the file instead. A dead letter made
 * so by the mapping step, on the real bus: dead-letter-where.int.spec.ts.
 */

describe('dead letters of a message cut out of a file', () => {
  it('counts EDIFACT segments from the UNH, an IDoc by its number in the file, and keeps the splitter note', () => {
    expect(
      inFile(
        'edifact-orders: UNB#1/UNH#1/DTM (segment 4, line 5), element DTM01.2: bad',
        'UNB#1/UNH#123 (byte 900)',
      ),
    ).toBe(
      'edifact-orders: UNB#1/UNH#123/DTM (segment 3 of the message, the message starting at byte 900 of the file), element DTM01.2: bad',
    );
    expect(
      inFile(
        'edifact-desadv: UNB#1/UNG#1/UNH#1/UNT (segment 12, line 12): count',
        'UNB#1/UNG#2/UNH#7 (byte 50)',
      ),
    ).toBe(
      'edifact-desadv: UNB#1/UNG#2/UNH#7/UNT (segment 10 of the message, the message starting at byte 50 of the file): count',
    );
    expect(
      inFile(
        'sap-idoc-orders05: /ORDERS05/IDOC[1]/E1EDP01[1]/MENGE: not a number',
        '/ORDERS05/IDOC[150] (byte 77)',
      ),
    ).toBe('sap-idoc-orders05: /ORDERS05/IDOC[150]/E1EDP01[1]/MENGE: not a number');
    expect(
      inFile(
        'x12-856: ISA#1/GS#1/ST#1/GE (segment 12, line 12): no SE',
        'ISA#1/GS#1/ST#10 (byte 2800): truncated: the file ends before the SE',
      ),
    ).toBe(
      'x12-856: ISA#1/GS#1/ST#10/GE (segment 10 of the message, the message starting at byte 2800 of the file): no SE (truncated: the file ends before the SE)',
    );
    expect(inFile('x12: byte 234: invalid UTF-8', 'ISA#1/GS#1/ST#7 (byte 2000)')).toBe(
      'ISA#1/GS#1/ST#7 (byte 2000): x12: byte 234: invalid UTF-8',
    );
  });
});
