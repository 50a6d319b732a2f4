import type { AckSegmentError, InterchangeNote } from '../../../formats/x12/acknowledgment.ts';

/** What a dead letter's reason says in 997 terms: the set's AK5 codes and AK3/AK4, or the interchange's TA1 note. */
export interface ReasonCodes {
  /** AK502..: 1 not supported, 2 trailer missing, 3 ST02/SE02 differ, 4 SE01 wrong, 5 segments in error. */
  codes: string[];
  segments?: AckSegmentError[];
  /** The problem is the interchange's (ISA): a TA1 says so instead of a 997. */
  interchange?: InterchangeNote;
}

/** `…/BEG (segment 4, line 1), element BEG05` in a reader's location (the last segment named, with its element). */
const LOCATED =
  /([A-Z][A-Z0-9]{1,2})(?:#\d+)? \(segment (\d+), line \d+\)(?:, element ([A-Z][A-Z0-9]{1,2})(\d{2}))?/g;
/** The separators the 997 is written with: a copy of the bad element holding one is left out. */
const OUR_SEPARATORS = /[*>~^]/;

/** AK403 from the reader's words: date 8, time 9, missing 1, too long 5, too short 4, not numeric 6, else 7 (code). */
function elementCode(message: string): string {
  const text = message.toLowerCase();
  // The calendar's words (formats/text-input/calendar.ts): `day 30 does not exist in February`, `hour 25 does not exist`.
  if (/\bdate\b|yymmdd|\b(day|month) \d+ does not exist|has no day \d+/.test(text)) return '8';
  if (/\btime\b|hhmm|\b(hour|minute|second) \d+ does not exist/.test(text)) return '9';
  if (/missing|required|mandatory|is empty/.test(text)) return '1';
  if (/too long|longer than|at most \d+ characters/.test(text)) return '5';
  if (/too short|shorter than|at least \d+ characters/.test(text)) return '4';
  if (/numeric|whole number|decimal|invalid character/.test(text)) return '6';
  return '7';
}

/** TA105 for an ISA problem: 014 date, 015 time, 018 control number, else 022 (invalid control structure). */
function interchangeNote(message: string, element: string | undefined): InterchangeNote {
  const which = element ?? /\bISA(\d{2})\b/.exec(message)?.[0]?.slice(3);
  const code = which === '09' ? '014' : which === '10' ? '015' : which === '13' ? '018' : '022';
  return { status: 'R', code };
}

/**
 * A set's dead-letter reason (`<ErrorClass>: <message>`, as the runtime gives it for a refused document) in 997 terms.
 * The set is the piece the splitter cut (its own ISA and GS, then ST): a reader's `segment N` is N − 2 in the set.
 * Envelope problems get their own AK5 code; a located segment (a reader's FormatError, or a mapping error's input
 * location) an AK3, with an AK4 when the element is named; anything else (a mapping rule that failed) code 5 alone.
 */
export function reasonCodes(reason: string): ReasonCodes {
  if (/\(ST01\) is not|this reader takes/.test(reason)) return { codes: ['1'] };
  if (/control number mismatch: SE02/.test(reason)) return { codes: ['3'] };
  if (/control count mismatch: SE01/.test(reason)) return { codes: ['4'] };
  if (/truncated|before the SE\b|ends before the SE/.test(reason)) return { codes: ['2'] };
  const located = [...reason.matchAll(LOCATED)].at(-1);
  if (!located) return { codes: ['5'] };
  const [, tag, segment, elementTag, elementNumber] = located;
  if (tag === 'ISA') return { codes: ['5'], interchange: interchangeNote(reason, elementNumber) };
  const position = Number(segment) - 2;
  if (tag === 'GS' || tag === 'GE' || tag === 'IEA' || position < 1) return { codes: ['5'] };
  const bad: AckSegmentError = { tag: tag!, position };
  if (elementTag === tag && elementNumber) {
    const problem = reason.slice(located.index + located[0].length);
    const code = elementCode(problem);
    // The reader quotes the value it refused: `BEG05 "20240230" is …`, `found "TEN"`, `"USX" is not …`.
    const value = /"([^"]{1,99})"/.exec(problem)?.[1];
    bad.code = '8';
    bad.elements = [
      {
        position: Number(elementNumber),
        code,
        ...(value && code !== '6' && !OUR_SEPARATORS.test(value) ? { copy: value } : {}),
      },
    ];
  }
  return { codes: ['5'], segments: [bad] };
}
