import { FormatError, nameInterchange } from '../types.ts';
import { isFiller, isWhitespace, LineCounter } from '../x12/text.ts';
import {
  DEFAULT_SEPARATORS,
  type EdifactElement,
  type EdifactSegment,
  type EdifactSeparators,
  value,
} from './segment.ts';

/** Why a message without its UNB is refused, and what the sender does (formats/detect.ts says it too). */
export const BARE_EDIFACT =
  'this is a message without its interchange envelope (UNB … UNZ), whose UNB names the sender the hub keys the document by: send the interchange as the partner’s translator writes it';

const TAG = /^[A-Z][A-Z0-9]{2}$/;

export interface ServiceStringAdvice {
  separators: EdifactSeparators;
  /** Whether the separators came from a UNA (else the defaults `:+.? '`). */
  una: boolean;
  /** Index of the first segment after the UNA. */
  start: number;
}

/** Whether `code` is a line feed or carriage return. */
function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d;
}

/** Whether the text at `at` starts with `word`, line breaks inside it skipped (a file wrapped at a fixed width). */
function startsWithUnwrapped(text: string, word: string, at: number): boolean {
  let position = at;
  for (let i = 0; i < word.length; i++) {
    while (position < text.length && isLineBreak(text.charCodeAt(position))) position++;
    if (text[position] !== word[i]) return false;
    position++;
  }
  return true;
}

/** The character at `at`, line breaks skipped, and the position after it. */
function charUnwrapped(text: string, at: number): { char: string; next: number } {
  let position = at;
  while (position < text.length && isLineBreak(text.charCodeAt(position))) position++;
  return { char: text[position] ?? '', next: position + 1 };
}

/** Where an interchange starts (its UNA, or UNB without one) in a file: `segment` numbers its first segment. */
export interface InterchangeStart {
  from: number;
  segment: number;
  /** The separators of the interchange before, kept by a UNB that has no UNA and does not use the defaults. */
  previous?: EdifactSeparators;
}

/**
 * Reads the UNA if there is one; checks that the interchange then starts with UNB followed by the element separator.
 * A file may hold several interchanges, each with its own UNA (`at` the start of the next one): separators are the
 * interchange's, and one without a UNA has the defaults (or, when its UNB is followed by the element separator of
 * the interchange before and not by `+`, that one's: the partner kept them).
 */
export function readServiceStringAdvice(
  text: string,
  format: string,
  at: InterchangeStart = { from: 0, segment: 1 },
): ServiceStringAdvice {
  let start = at.from;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  if (start >= text.length) throw new FormatError(format, 'byte 0', 'empty document');
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  let separators = DEFAULT_SEPARATORS;
  let una = false;
  if (text.startsWith('UNA', start)) {
    const chars = [...text.slice(start + 3, start + 9)];
    const [component = '', element = '', decimal = '', release = '', repetition = '', segment = ''] = chars;
    separators = {
      component,
      element,
      decimal,
      release: release === ' ' ? '' : release,
      segment,
      repetition: repetition === ' ' ? '' : repetition,
    };
    const used = [component, element, release === ' ' ? '' : release, segment].filter(Boolean);
    if (chars.length < 6 || new Set(used).size !== used.length || used.some((c) => /[\p{L}\p{N}]/u.test(c))) {
      throw new FormatError(
        format,
        `UNA (line ${lineOf(start)})`,
        `invalid service string advice ${JSON.stringify(text.slice(start, start + 9))}: separators must be six distinct non-alphanumeric characters`,
      );
    }
    // `UNA:+.?'` and a line break: five service characters where six belong (the reserved one, a space, left out).
    // Read by position, the apostrophe is the reserved character and the line break the terminator, so every segment
    // would keep its apostrophe as data (UNT02 `193'` not UNH01 `193`): said here, where the cause is.
    if (repetition === "'" && (segment === '\n' || segment === '\r')) {
      throw new FormatError(
        format,
        `UNA (byte ${start}, line ${lineOf(start)})`,
        `service string advice ${JSON.stringify(text.slice(start, start + 8))} has five characters where six belong (component, element, decimal mark, release, reserved, terminator): the reserved space is missing, so the line break would end segments and every apostrophe be data; write ${JSON.stringify(`UNA${component}${element}${decimal}${release} '`)}`,
      );
    }
    una = true;
    start += 3 + chars.join('').length;
    while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  }
  if (!startsWithUnwrapped(text, 'UNB', start)) {
    throw new FormatError(
      format,
      `segment ${at.segment}, line ${lineOf(start)}`,
      `not an EDIFACT interchange: expected ${una ? 'UNB after UNA' : 'UNA or UNB'}, found ${JSON.stringify(text.slice(start, start + 20))}${startsWithUnwrapped(text, 'UNH', start) ? `; ${BARE_EDIFACT}` : ''}`,
    );
  }
  let afterTag = start;
  for (let i = 0; i < 3; i++) afterTag = charUnwrapped(text, afterTag).next;
  const following = charUnwrapped(text, afterTag).char;
  if (!una && at.previous && following !== separators.element && following === at.previous.element)
    separators = at.previous;
  if (following !== separators.element) {
    throw new FormatError(
      format,
      `UNB (segment ${at.segment}, line ${lineOf(start)})`,
      `wrong separators: UNB is followed by ${JSON.stringify(following)}, but the ${una ? 'UNA declares' : 'default (no UNA) is'} element separator ${JSON.stringify(separators.element)}`,
    );
  }
  return { separators, una, start };
}

/** Finds the next unescaped terminator: a terminator preceded by an odd run of release characters is data. */
function findTerminator(text: string, from: number, separators: EdifactSeparators): number {
  let end = text.indexOf(separators.segment, from);
  if (!separators.release) return end;
  while (end !== -1) {
    let releases = 0;
    while (end - releases - 1 >= from && text[end - releases - 1] === separators.release) releases++;
    if (releases % 2 === 0) return end;
    end = text.indexOf(separators.segment, end + 1);
  }
  return -1;
}

/** Splits a segment's text into elements and components, honouring the release character. */
function splitSegment(raw: string, separators: EdifactSeparators): string[][] {
  const { element, component, release } = separators;
  if (!release || !raw.includes(release)) {
    return raw.split(element).map((part) => part.split(component));
  }
  const elements: string[][] = [];
  let components: string[] = [];
  let current = '';
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char === release) {
      current += raw.slice(from, i) + (raw[i + 1] ?? '');
      i++;
      from = i + 1;
    } else if (char === component || char === element) {
      components.push(current + raw.slice(from, i));
      current = '';
      from = i + 1;
      if (char === element) {
        elements.push(components);
        components = [];
      }
    }
  }
  components.push(current + raw.slice(from));
  elements.push(components);
  return elements;
}

/**
 * Syntax version 4 declares a repetition separator in the UNA (its fifth character): unreleased in data it repeats
 * the element, which this reader does not model (the messages it reads have no repeating data elements). Read as
 * text it would change the value (`Müller*Einkauf`), so it is refused at its element; text that holds the character
 * releases it (`?*`). Versions 1–3 reserve that position: there it is only text.
 */
function checkNoRepetition(
  raw: string,
  separators: EdifactSeparators,
  tag: string,
  where: string,
  format: string,
): void {
  const { repetition, release, element } = separators;
  if (!repetition || !raw.includes(repetition)) return;
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (release && char === release) i++;
    else if (char === element) n++;
    else if (char === repetition) {
      throw new FormatError(
        format,
        `${where}, element ${tag}${String(n).padStart(2, '0')}`,
        `unreleased repetition separator ${JSON.stringify(repetition)} (UNA, syntax version 4): repeated data elements are not read; text holding it must release it (${JSON.stringify(`${release}${repetition}`)})`,
      );
    }
  }
}

/** One interchange's segments as the tokenizer cut them, and the separators they were cut with. */
export interface TokenizedInterchange {
  advice: ServiceStringAdvice;
  /** Its UNB (the first segment), undefined when the text held nothing after the UNA. */
  unb: EdifactSegment | undefined;
}

/**
 * One pass over the text: indexOf on the terminator (skipping released ones), CR/LF and indentation between
 * segments ignored. A file that ends inside a segment is truncated (a final UNZ without terminator is tolerated).
 * `maxSegments` stops after that many (an envelope's head: UNB, UNG, UNH), whatever follows them. Reads one
 * interchange: it stops after its UNZ when the next one starts (a UNA or a UNB), or at a UNA.
 */
export function tokenize(
  text: string,
  advice: ServiceStringAdvice,
  format: string,
  maxSegments = Number.POSITIVE_INFINITY,
): EdifactSegment[] {
  const segments: EdifactSegment[] = [];
  tokenizeInterchange(text, advice, format, { segments, lines: new LineCounter(text), maxSegments });
  return segments;
}

/**
 * Every interchange of a file, each with the separators its own UNA (or the defaults) declares: the segments are
 * numbered through the file (a UNA is not a segment), so locations stay the file's.
 */
export function tokenizeFile(
  text: string,
  format: string,
): { segments: EdifactSegment[]; interchanges: TokenizedInterchange[] } {
  const state: TokenizerState = {
    segments: [],
    lines: new LineCounter(text),
    maxSegments: Number.POSITIVE_INFINITY,
  };
  const interchanges: TokenizedInterchange[] = [];
  let at: InterchangeStart = { from: 0, segment: 1 };
  for (;;) {
    const advice = readServiceStringAdvice(text, format, at);
    const first = state.segments.length;
    let end: number;
    try {
      end = tokenizeInterchange(text, advice, format, state);
    } catch (error) {
      // A file cut inside a segment: the error still names the interchange its UNB opens (sender, 0020).
      const unb = state.segments[first];
      if (unb?.tag === 'UNB') nameInterchange(error, { sender: value(unb, 2), controlNumber: value(unb, 5) });
      throw error;
    }
    interchanges.push({ advice, unb: state.segments[first] });
    let next = end;
    while (next < text.length && isFiller(text.charCodeAt(next))) next++;
    if (next >= text.length) break;
    at = { from: next, segment: state.segments.length + 1, previous: advice.separators };
  }
  return { segments: state.segments, interchanges };
}

interface TokenizerState {
  segments: EdifactSegment[];
  lines: LineCounter;
  maxSegments: number;
}

/**
 * Cuts one interchange's segments into `state.segments` and returns where it stopped: the end of the text, or the
 * start of the next interchange (a UNA anywhere, a UNB right after a UNZ). When the terminator is not a line break,
 * CR and LF are not data wherever they stand (files wrapped at 80 characters cut segments in two): they are dropped,
 * and a segment's line is the line it starts on.
 */
function tokenizeInterchange(
  text: string,
  advice: ServiceStringAdvice,
  format: string,
  state: TokenizerState,
): number {
  const { separators } = advice;
  const { segments, lines } = state;
  const dropLineBreaks = separators.segment !== '\n' && separators.segment !== '\r';
  const firstNumber = segments.length + 1;
  // Set once the UNB says syntax version 4 (UNB01.2): only then is the UNA's fifth character a repetition separator.
  let repetitionChecked = false;
  let afterUnz = false;
  let position = advice.start;
  while (position < text.length && segments.length < state.maxSegments) {
    while (position < text.length && isFiller(text.charCodeAt(position))) position++;
    if (position >= text.length) break;
    const number = segments.length + 1;
    if (
      number > firstNumber &&
      text.charCodeAt(position) === 0x55 /* U */ &&
      (startsWithUnwrapped(text, 'UNA', position) || (afterUnz && startsWithUnwrapped(text, 'UNB', position)))
    )
      return position;
    let end = findTerminator(text, position, separators);
    const unterminated = end === -1;
    if (unterminated) end = text.length;
    const line = lines.lineAt(position);
    let raw = text.slice(position, end);
    if (dropLineBreaks && (raw.includes('\n') || raw.includes('\r'))) raw = raw.replace(/[\r\n]+/g, '');
    const parts = splitSegment(raw, separators);
    const tag = parts[0]?.[0] ?? '';
    if (!TAG.test(tag) || (parts[0]?.length ?? 0) > 1) {
      throw new FormatError(
        format,
        `segment ${number}, line ${line}`,
        `invalid segment tag ${JSON.stringify(raw.slice(0, 20))}: wrong separators? expected element ${JSON.stringify(separators.element)}, terminator ${JSON.stringify(separators.segment)}`,
      );
    }
    if (unterminated && tag !== 'UNZ') {
      const problem =
        number === firstNumber
          ? `wrong separators: no segment terminator ${JSON.stringify(separators.segment)} anywhere after the UNB`
          : 'truncated: the file ends inside this segment';
      throw new FormatError(format, `${tag} (segment ${number}, line ${line})`, problem);
    }
    if (number === firstNumber && separators.repetition) repetitionChecked = parts[1]?.[1] === '4';
    else if (repetitionChecked)
      checkNoRepetition(raw, separators, tag, `${tag} (segment ${number}, line ${line})`, format);
    const elements: EdifactElement[] = new Array(parts.length - 1);
    for (let i = 1; i < parts.length; i++) {
      const element = parts[i]!;
      elements[i - 1] = element.length === 1 ? element[0]! : element;
    }
    // $loc is filled in once the segment's loop is known (envelope / format reader), not built twice here.
    segments.push({ $loc: '', tag, elements, segment: number, line });
    afterUnz = tag === 'UNZ';
    position = end + separators.segment.length;
  }
  return position;
}
