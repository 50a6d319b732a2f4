import type { ContrlLevelError, ContrlSegmentError } from '../../../formats/edifact/contrl.ts';
import type { AckSegmentError, InterchangeNote } from '../../../formats/x12/acknowledgment.ts';
import { hasValueMarks } from '../../../lib/errors.ts';

/**
 * A dead letter's reason (`<ErrorClass>: <message>`, as the runtime gives it for a refused document) read for an
 * acknowledgment: where it points (the readers' `TAG (segment N, line L), element TAG01.2`, a mapping error's input
 * location) and what kind of problem its words name. Each EDI family turns that into its own codes: X12's AK5 / AK3 /
 * AK4 (`reasonCodes`), EDIFACT's UCM / UCS / UCD with the 0085 syntax error codes (`contrlReason`).
 */

/** The last segment a reason names, with its element (and component) when it names one. */
export interface ReasonLocation {
  tag: string;
  /** The reader's `segment N`: the segment's number in the piece read (its envelope counted). */
  segment: number;
  /** `BEG05` → 5, `QTY01.2` → 1 and component 2. */
  element?: number;
  component?: number;
  /** What the reason says after the location. */
  problem: string;
}

/** `…/BEG (segment 4, line 1), element BEG05` in a reader's location (the last segment named, with its element). */
const LOCATED =
  /([A-Z][A-Z0-9]{1,2})(?:#\d+)? \(segment (\d+), line \d+\)(?:, element ([A-Z][A-Z0-9]{1,2})(\d{2})(?:\.(\d+))?)?/g;

export function reasonLocation(reason: string): ReasonLocation | undefined {
  const located = [...reason.matchAll(LOCATED)].at(-1);
  if (!located) return undefined;
  const [whole, tag, segment, elementTag, elementNumber, component] = located;
  const at: ReasonLocation = {
    tag: tag!,
    segment: Number(segment),
    problem: reason.slice(located.index + whole.length),
  };
  if (elementTag === tag && elementNumber) {
    at.element = Number(elementNumber);
    if (component) at.component = Number(component);
  }
  return at;
}

export type ProblemKind =
  | 'date'
  | 'time'
  | 'missing'
  | 'too-long'
  | 'too-short'
  | 'digits'
  | 'character'
  | 'type'
  | 'value';

/** The kind of an element's problem from the readers' words; `value` when none is named. */
export function problemKind(message: string): ProblemKind {
  const text = message.toLowerCase();
  // The calendar's words (formats/text-input/calendar.ts): `day 30 does not exist in February`, `hour 25 does not exist`.
  if (/\bdate\b|yymmdd|\b(day|month) \d+ does not exist|has no day \d+/.test(text)) return 'date';
  if (/\btime\b|hhmm|\b(hour|minute|second) \d+ does not exist/.test(text)) return 'time';
  if (/missing|required|mandatory|is empty/.test(text)) return 'missing';
  if (/too long|longer than|at most \d+ characters/.test(text)) return 'too-long';
  if (/too short|shorter than|at least \d+ characters/.test(text)) return 'too-short';
  if (/more digits than/.test(text)) return 'digits';
  if (/invalid character|repetition separator/.test(text)) return 'character';
  if (/numeric|whole number|decimal/.test(text)) return 'type';
  return 'value';
}

// ---------------------------------------------------------------------------------------------------------------
// X12 (997 / TA1)

/** What a dead letter's reason says in 997 terms: the set's AK5 codes and AK3/AK4, or the interchange's TA1 note. */
export interface ReasonCodes {
  /** AK502..: 1 not supported, 2 trailer missing, 3 ST02/SE02 differ, 4 SE01 wrong, 5 segments in error. */
  codes: string[];
  segments?: AckSegmentError[];
  /** The problem is the interchange's (ISA): a TA1 says so instead of a 997. */
  interchange?: InterchangeNote;
}

/** The separators the 997 is written with: a copy of the bad element holding one is left out. */
const X12_SEPARATORS = /[*>~^]/;

/** AK403: date 8, time 9, missing 1, too long 5, too short 4, not numeric or invalid character 6, else 7 (code). */
const AK403: Record<ProblemKind, string> = {
  date: '8',
  time: '9',
  missing: '1',
  'too-long': '5',
  'too-short': '4',
  digits: '6',
  character: '6',
  type: '6',
  value: '7',
};

/** TA105 for an ISA element: 006 sender id, 008 receiver id, 014 date, 015 time, 018 control number. */
const TA105: Record<number, string> = { 6: '006', 8: '008', 9: '014', 10: '015', 13: '018' };

/** TA105 for an ISA problem: the element's code, else 022 (invalid control structure). */
function interchangeNote(message: string, element: number | undefined): InterchangeNote {
  const which = element ?? Number(/\bISA(\d{2})\b/.exec(message)?.[1]);
  const code = TA105[which] ?? '022';
  return { status: 'R', code };
}

/** Bidi controls, the hub's value marks among them: never in what goes back to a partner. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * The value a reason quotes, as the partner sent it, for AK404: the first one the reader marked (`quotedValue`:
 * `BEG05 ⁨"20240230"⁩ is …`, its JSON read back; `found ⁨TEN⁩`, a text as sent), else the first in quotes (a reason
 * written before the marks: `"USX" is not …`); none when it was cut (`…`: not the element as sent) or holds a bidi
 * control, so that the hub's marks never reach the partner's 997.
 */
function refusedValue(problem: string): string | undefined {
  const marked = /\u2068([^\u2069]*)\u2069/.exec(problem)?.[1];
  let value: string | undefined;
  if (marked !== undefined) {
    if (marked.endsWith('…')) return undefined;
    try {
      const parsed: unknown = marked.startsWith('"') ? JSON.parse(marked) : marked;
      value = typeof parsed === 'string' ? parsed : undefined;
    } catch {
      value = undefined;
    }
  } else if (!hasValueMarks(problem)) {
    // The reader quotes the value it refused: `BEG05 "20240230" is …`, `found "TEN"`, `"USX" is not …`.
    value = /"([^"]{1,99})"/.exec(problem)?.[1];
  }
  return value && value.length <= 99 && !BIDI_CONTROLS.test(value) ? value : undefined;
}

/**
 * A set's dead-letter reason in 997 terms. The set is the piece the splitter cut (its own ISA and GS, then ST): a
 * reader's `segment N` is N − 2 in the set. Envelope problems get their own AK5 code; a located segment (a reader's
 * FormatError, or a mapping error's input location) an AK3, with an AK4 when the element is named; anything else (a
 * mapping rule that failed) code 5 alone.
 */
export function reasonCodes(reason: string): ReasonCodes {
  // Its interchange was published before (file-drop/duplicates.ts): TA1 R 025, duplicate interchange control number.
  if (/\bduplicate interchange: /.test(reason))
    return { codes: ['5'], interchange: { status: 'R', code: '025' } };
  if (/\(ST01\) is not|this reader takes/.test(reason)) return { codes: ['1'] };
  if (/control number mismatch: SE02/.test(reason)) return { codes: ['3'] };
  if (/control count mismatch: SE01/.test(reason)) return { codes: ['4'] };
  if (/truncated|before the SE\b|ends before the SE/.test(reason)) return { codes: ['2'] };
  const at = reasonLocation(reason);
  if (!at) return { codes: ['5'] };
  if (at.tag === 'ISA') return { codes: ['5'], interchange: interchangeNote(reason, at.element) };
  const position = at.segment - 2;
  if (at.tag === 'GS' || at.tag === 'GE' || at.tag === 'IEA' || position < 1) return { codes: ['5'] };
  const bad: AckSegmentError = { tag: at.tag, position };
  if (at.element !== undefined) {
    const code = AK403[problemKind(at.problem)];
    const value = refusedValue(at.problem);
    bad.code = '8';
    bad.elements = [
      {
        position: at.element,
        code,
        ...(value && code !== '6' && !X12_SEPARATORS.test(value) ? { copy: value } : {}),
      },
    ];
  }
  return { codes: ['5'], segments: [bad] };
}

// ---------------------------------------------------------------------------------------------------------------
// EDIFACT (CONTRL)

/** What a dead letter's reason says in CONTRL terms, and at which level the error sits. */
export interface ContrlReason {
  /** `message`: the UCM's own error (UNH / UNT) or its UCS / UCD; `group` (UNG) and `interchange` (UNB): the UCF's / UCI's. */
  level: 'interchange' | 'group' | 'message';
  error?: ContrlLevelError;
  segments?: ContrlSegmentError[];
}

/** 0085 for an element's problem: 12 invalid value (EDIFACT has no code of its own for dates), 13 missing, …. */
const SYNTAX_ERROR: Record<ProblemKind, string> = {
  date: '12',
  time: '12',
  missing: '13',
  'too-long': '39',
  'too-short': '40',
  digits: '39',
  character: '21',
  type: '37',
  value: '12',
};

/**
 * A message's dead-letter reason in CONTRL terms. The message is the piece the splitter cut (its own UNB, UNG when
 * there is one, then UNH): a reader's `segment N` is N − `unhSegment` + 1 in the message, UNH being 1, as UCS 0096
 * counts. UNH / UNT problems are the UCM's (type not this connector's 14, UNT01 29, UNT02 28, no UNT 13); a located
 * data segment a UCS, with a UCD when the element is named (S011 counts the tag as position 1); UNB / UNG problems
 * the interchange's or the group's; bytes not in the character set 21; anything else (a mapping rule that failed)
 * 18, unspecified error, on the UCM.
 */
export function contrlReason(reason: string, unhSegment: number): ContrlReason {
  // Its interchange was published before (file-drop/duplicates.ts): 26, duplicate detected, at the UCI.
  if (/\bduplicate interchange: /.test(reason))
    return { level: 'interchange', error: { code: '26', segment: 'UNB' } };
  if (/\(UNH02\) is not|this reader takes/.test(reason)) {
    return {
      level: 'message',
      error: { code: '14', segment: 'UNH', element: { position: 3, component: 1 } },
    };
  }
  if (/control count mismatch: UNT01/.test(reason)) {
    return { level: 'message', error: { code: '29', segment: 'UNT', element: { position: 2 } } };
  }
  if (/control reference mismatch: UNT02/.test(reason)) {
    return { level: 'message', error: { code: '28', segment: 'UNT', element: { position: 3 } } };
  }
  // Its interchange (group) was cut short (split/edifact.ts): 13, missing, at the UNZ (UNE) its CONTRL rejects it with.
  if (/\btruncated: UNB#\d+ has no UNZ\b/.test(reason))
    return { level: 'interchange', error: { code: '13', segment: 'UNZ' } };
  if (/\btruncated: UNB#\d+\/UNG#\d+ has no UNE\b/.test(reason))
    return { level: 'group', error: { code: '13', segment: 'UNE' } };
  if (/truncated/.test(reason)) return { level: 'message', error: { code: '13', segment: 'UNT' } };
  if (/invalid UTF-8|UNB syntax identifier .* says/.test(reason))
    return { level: 'message', error: { code: '21' } };
  const at = reasonLocation(reason);
  if (!at) return { level: 'message', error: { code: '18' } };
  const kind = problemKind(at.problem);
  const element =
    at.element === undefined
      ? undefined
      : { position: at.element + 1, ...(at.component ? { component: at.component } : {}) };
  const serviceError = (segment: string): ContrlLevelError => ({
    code: element ? SYNTAX_ERROR[kind] : '18',
    segment,
    ...(element ? { element } : {}),
  });
  if (at.tag === 'UNB') return { level: 'interchange', error: serviceError('UNB') };
  if (at.tag === 'UNG') return { level: 'group', error: serviceError('UNG') };
  const position = at.segment - unhSegment + 1;
  // `missing mandatory segment BGM` at the UNH: a UCS at the last segment before where it belongs (13, missing).
  if (at.tag === 'UNH' && element === undefined && kind === 'missing') {
    return { level: 'message', segments: [{ position: 1, code: '13' }] };
  }
  if (at.tag === 'UNH' || at.tag === 'UNT') return { level: 'message', error: serviceError(at.tag) };
  if (position < 2 || /^UN[A-Z]$/.test(at.tag)) return { level: 'message', error: { code: '18' } };
  if (element === undefined) {
    return { level: 'message', segments: [{ position, code: kind === 'missing' ? '13' : '18' }] };
  }
  return { level: 'message', segments: [{ position, elements: [{ code: SYNTAX_ERROR[kind], ...element }] }] };
}
