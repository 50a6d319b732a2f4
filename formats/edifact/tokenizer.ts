import { FormatError } from '../types.ts';
import { isWhitespace, LineCounter } from '../x12/text.ts';
import {
  DEFAULT_SEPARATORS,
  type EdifactElement,
  type EdifactSegment,
  type EdifactSeparators,
} from './segment.ts';

const TAG = /^[A-Z][A-Z0-9]{2}$/;

export interface ServiceStringAdvice {
  separators: EdifactSeparators;
  /** Whether the separators came from a UNA (else the defaults `:+.? '`). */
  una: boolean;
  /** Index of the first segment after the UNA. */
  start: number;
}

/** Reads the UNA if there is one; checks that the interchange then starts with UNB followed by the element separator. */
export function readServiceStringAdvice(text: string, format: string): ServiceStringAdvice {
  let start = 0;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  if (start >= text.length) throw new FormatError(format, 'byte 0', 'empty document');
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
        'UNA (line 1)',
        `invalid service string advice ${JSON.stringify(text.slice(start, start + 9))}: separators must be six distinct non-alphanumeric characters`,
      );
    }
    una = true;
    start += 3 + chars.join('').length;
    while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  }
  if (!text.startsWith('UNB', start)) {
    const line = text.slice(0, start).split('\n').length;
    throw new FormatError(
      format,
      `segment ${una ? 2 : 1}, line ${line}`,
      `not an EDIFACT interchange: expected ${una ? 'UNB after UNA' : 'UNA or UNB'}, found ${JSON.stringify(text.slice(start, start + 20))}`,
    );
  }
  if (text.slice(start + 3, start + 3 + separators.element.length) !== separators.element) {
    throw new FormatError(
      format,
      'UNB (segment 1)',
      `wrong separators: UNB is followed by ${JSON.stringify(text[start + 3] ?? '')}, but the ${una ? 'UNA declares' : 'default (no UNA) is'} element separator ${JSON.stringify(separators.element)}`,
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

/**
 * One pass over the text: indexOf on the terminator (skipping released ones), CR/LF and indentation between
 * segments ignored. A file that ends inside a segment is truncated (a final UNZ without terminator is tolerated).
 * `maxSegments` stops after that many (an envelope's head: UNB, UNG, UNH), whatever follows them.
 */
export function tokenize(
  text: string,
  advice: ServiceStringAdvice,
  format: string,
  maxSegments = Number.POSITIVE_INFINITY,
): EdifactSegment[] {
  const { separators } = advice;
  const segments: EdifactSegment[] = [];
  // Set once the UNB says syntax version 4 (UNB01.2): only then is the UNA's fifth character a repetition separator.
  let repetitionChecked = false;
  const lines = new LineCounter(text);
  let position = advice.start;
  while (position < text.length && segments.length < maxSegments) {
    while (position < text.length && isWhitespace(text.charCodeAt(position))) position++;
    if (position >= text.length) break;
    let end = findTerminator(text, position, separators);
    const unterminated = end === -1;
    if (unterminated) end = text.length;
    const line = lines.lineAt(position);
    const parts = splitSegment(text.slice(position, end), separators);
    const tag = parts[0]?.[0] ?? '';
    const number = segments.length + 1;
    if (!TAG.test(tag) || (parts[0]?.length ?? 0) > 1) {
      throw new FormatError(
        format,
        `segment ${number}, line ${line}`,
        `invalid segment tag ${JSON.stringify(text.slice(position, Math.min(end, position + 20)))}: wrong separators? expected element ${JSON.stringify(separators.element)}, terminator ${JSON.stringify(separators.segment)}`,
      );
    }
    if (unterminated && tag !== 'UNZ') {
      const problem =
        number === 1
          ? `wrong separators: no segment terminator ${JSON.stringify(separators.segment)} anywhere after the UNB`
          : 'truncated: the file ends inside this segment';
      throw new FormatError(format, `${tag} (segment ${number}, line ${line})`, problem);
    }
    if (number === 1 && separators.repetition) repetitionChecked = parts[1]?.[1] === '4';
    else if (repetitionChecked)
      checkNoRepetition(
        text.slice(position, end),
        separators,
        tag,
        `${tag} (segment ${number}, line ${line})`,
        format,
      );
    const elements: EdifactElement[] = new Array(parts.length - 1);
    for (let i = 1; i < parts.length; i++) {
      const element = parts[i]!;
      elements[i - 1] = element.length === 1 ? element[0]! : element;
    }
    // $loc is filled in once the segment's loop is known (envelope / format reader), not built twice here.
    segments.push({ $loc: '', tag, elements, segment: number, line });
    position = end + separators.segment.length;
  }
  return segments;
}
