import { FormatError } from '../types.ts';
import type { X12Element, X12Segment, X12Separators } from './segment.ts';
import { isFiller, isWhitespace, LineCounter } from './text.ts';

const TAG = /^[A-Z][A-Z0-9]{1,2}$/;
const TRAILING_BLANKS = /[ \t\r]+$/;
/** A padded ISA is 106 characters; a short one is shorter. Anything past this is not an ISA. */
const MAX_ISA_LENGTH = 400;

function isSeparatorCandidate(char: string): boolean {
  return char.length > 0 && !/^[\p{L}\p{N} \t]$/u.test(char);
}

/**
 * Reads the separators from the ISA by counting element separators rather than by fixed offsets, so short
 * (unpadded) ISAs, a byte-order mark, indentation and multi-byte terminators all work.
 */
export function detectSeparators(text: string, start: number, format: string): X12Separators {
  const separators = detectSeparatorsAsWritten(text, start, format);
  if (separators.segment === '\n' || separators.segment === '\r') return separators;
  // A file wrapped at a fixed width (80 characters a line) may break the ISA itself: read it without its breaks.
  const head = text.slice(start, start + MAX_ISA_LENGTH + 8);
  if (!/[\r\n]/.test(head.slice(0, head.indexOf(separators.segment) + 1 || head.length))) return separators;
  return detectSeparatorsAsWritten(head.replace(/[\r\n]+/g, ''), 0, format);
}

/** Why a transaction set (or group) without its ISA is refused, and what the sender does (formats/detect.ts says it too). */
export const BARE_X12 =
  'this is a transaction set without its interchange envelope (ISA … IEA), whose ISA06 names the trading partner the hub keys the document by: send the interchange as the partner’s translator writes it';

function detectSeparatorsAsWritten(text: string, start: number, format: string): X12Separators {
  if (!text.startsWith('ISA', start)) {
    const seen = JSON.stringify(text.slice(start, start + 20));
    throw new FormatError(
      format,
      'segment 1, line 1',
      `not an X12 interchange: expected ISA, found ${seen}${/^(ST|GS)[^A-Za-z0-9\s]/.test(text.slice(start, start + 3)) ? `; ${BARE_X12}` : ''}`,
    );
  }
  const elementSeparator = text[start + 3] ?? '';
  if (!isSeparatorCandidate(elementSeparator)) {
    throw new FormatError(
      format,
      'ISA (segment 1)',
      `undetectable element separator ${JSON.stringify(elementSeparator)} after ISA`,
    );
  }
  let position = start + 3;
  for (let count = 1; count < 16; count++) {
    position = text.indexOf(elementSeparator, position + 1);
    if (position === -1 || position - start > MAX_ISA_LENGTH) {
      throw new FormatError(
        format,
        'ISA (segment 1)',
        `truncated or malformed ISA: only ${count} of 16 elements found`,
      );
    }
  }
  const component = String.fromCodePoint(text.codePointAt(position + 1) ?? 0);
  let terminator = String.fromCodePoint(text.codePointAt(position + 1 + component.length) ?? 0);
  if (terminator === '\r' && text[position + 1 + component.length + 1] === '\n') terminator = '\n';
  // Blanks after ISA16 and then a line break: the segments end at the line break, their trailing blanks dropped
  // (files formatted for reading, each line ending "~ " or with padding before the newline).
  if (terminator === ' ' || terminator === '\t') {
    let next = position + 1 + component.length;
    while (text[next] === ' ' || text[next] === '\t') next++;
    if (text[next] === '\n' || (text[next] === '\r' && text[next + 1] === '\n')) terminator = '\n';
  }
  const isa11 = text.slice(start, position).split(elementSeparator)[11] ?? '';
  const problems: string[] = [];
  if (!isSeparatorCandidate(component) || component === elementSeparator)
    problems.push('component separator (ISA16)');
  if (terminator === '\0' || /^[\p{L}\p{N} ]$/u.test(terminator) || terminator === elementSeparator) {
    problems.push('segment terminator');
  }
  if (problems.length > 0) {
    throw new FormatError(
      format,
      'ISA (segment 1)',
      `undetectable ${problems.join(' and ')}: ISA ends ${JSON.stringify(text.slice(position, position + 4))}`,
    );
  }
  const separators: X12Separators = { element: elementSeparator, component, segment: terminator };
  if (isa11.length === 1 && isSeparatorCandidate(isa11) && isa11 !== component && isa11 !== terminator) {
    separators.repetition = isa11;
  }
  return separators;
}

/** Where the first segment starts: after a BOM (already dropped) and leading whitespace. */
export function firstSegmentStart(text: string): number {
  let start = 0;
  while (start < text.length && isWhitespace(text.charCodeAt(start))) start++;
  return start;
}

function splitElements(raw: string, separators: X12Separators, isIsa: boolean): X12Element[] {
  const parts = raw.split(separators.element);
  const elements: X12Element[] = new Array(parts.length - 1);
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    // ISA16 *is* the component separator, so the ISA is never split into components.
    elements[i - 1] = !isIsa && part.includes(separators.component) ? part.split(separators.component) : part;
  }
  return elements;
}

/**
 * Splits the whole text into segments in one pass (indexOf on the terminator, no per-character loop, no string
 * building), skipping CR/LF/indentation between segments. A file that ends inside a segment is truncated,
 * except a final IEA without its terminator, which real files do. Every ISA sets the separators of its interchange
 * (a file may hold several, each with its own), and when the terminator is not a line break, CR and LF are not data
 * wherever they stand (files wrapped at 80 characters cut segments in two): they are dropped, and a segment's line is
 * the line it starts on.
 */
export function tokenize(
  text: string,
  start: number,
  first: X12Separators,
  format: string,
  /** Filled with each ISA's separators, for the envelope (`interchange.separators`). */
  separatorsOf?: Map<X12Segment, X12Separators>,
): X12Segment[] {
  const segments: X12Segment[] = [];
  const lines = new LineCounter(text);
  let separators = first;
  let terminator = separators.segment;
  let dropLineBreaks = terminator !== '\n' && terminator !== '\r';
  let position = start;
  while (position < text.length) {
    while (position < text.length && isFiller(text.charCodeAt(position))) position++;
    if (position >= text.length) break;
    if (
      segments.length > 0 &&
      text.charCodeAt(position) === 0x49 /* I */ &&
      text.startsWith('ISA', position)
    ) {
      separators = detectSeparators(text, position, format);
      terminator = separators.segment;
      dropLineBreaks = terminator !== '\n' && terminator !== '\r';
    }
    let end = text.indexOf(terminator, position);
    const unterminated = end === -1;
    if (unterminated) end = text.length;
    let raw = text.slice(position, end);
    if (dropLineBreaks) {
      if (raw.includes('\n') || raw.includes('\r')) raw = raw.replace(/[\r\n]+/g, '');
    } else if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (terminator === '\n' && (raw.endsWith(' ') || raw.endsWith('\t') || raw.endsWith('\r'))) {
      raw = raw.replace(TRAILING_BLANKS, '');
    }
    const line = lines.lineAt(position);
    const tagEnd = raw.indexOf(separators.element);
    const tag = tagEnd === -1 ? raw : raw.slice(0, tagEnd);
    const number = segments.length + 1;
    if (!TAG.test(tag)) {
      throw new FormatError(
        format,
        `segment ${number}, line ${line}`,
        `invalid segment tag ${JSON.stringify(tag.slice(0, 20))}: wrong separators? the ISA declares element ${JSON.stringify(separators.element)}, segment terminator ${JSON.stringify(separators.segment)}`,
      );
    }
    if (unterminated && tag !== 'IEA') {
      throw new FormatError(
        format,
        `${tag} (segment ${number}, line ${line})`,
        'truncated: the file ends inside this segment',
      );
    }
    const elements = splitElements(raw, separators, tag === 'ISA');
    // $loc is filled in once the segment's loop is known (envelope / format reader), not built twice here.
    const segment: X12Segment = { $loc: '', tag, elements, segment: number, line };
    if (tag === 'ISA') separatorsOf?.set(segment, separators);
    segments.push(segment);
    position = end + terminator.length;
  }
  return segments;
}
