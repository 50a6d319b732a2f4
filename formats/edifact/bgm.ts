import type { EdifactChecks } from './fields.ts';
import { type EdifactSegment, positionName, value } from './segment.ts';

/**
 * BGM's elements after the document number are codes in every EDIFACT message that has a BGM (ORDERS, DESADV,
 * INVOIC…): 1225 message function and 4343 response type, an..3 (1373 and 3453 in later directories), letters and
 * digits; some senders write longer numeric ones, such as a DESADV's `700101`. The number itself (C106 1004, an..35)
 * may hold any character, so a + in it must be released (?+). An unreleased one (`BGM+220+PO+4711/24+9`, for
 * `PO?+4711/24`) shifts the number's rest into 1225: the document would map silently as number PO. A value there that
 * is no code is refused, saying to release the +. (A rest that looks like a code, `PO+4711`, cannot be told from one.)
 */
export function checkBgmCodes(segment: EdifactSegment, check: EdifactChecks): void {
  for (let n = 3; n <= segment.elements.length; n++) {
    const code = value(segment, n);
    if (!/^[A-Za-z0-9]*$/.test(code))
      check.fail(
        check.at(segment, n),
        `${positionName(segment, n)} ${JSON.stringify(code)} is not a code (letters and digits): is a + in the document number (BGM02) not released? Write it as ?+ (BGM+${value(segment, 1)}+${value(segment, 2)}?+${code}…)`,
      );
  }
}
