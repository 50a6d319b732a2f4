import { quotedValue } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import { DEFAULT_SEPARATORS, type EdifactElement, type EdifactSeparators } from './segment.ts';

export interface EdifactSegmentInput {
  tag: string;
  elements: EdifactElement[];
}

export interface EdifactMessageInput {
  ref: string;
  type: string;
  version?: string;
  release?: string;
  agency?: string;
  associationCode?: string;
  /** The body between UNH and UNT; UNH and UNT (with its count) are written by the writer. */
  segments: EdifactSegmentInput[];
}

/** S002 / S003: the party's id (0004 / 0010), its qualifier (0007) and its routing address (0008 / 0014). */
export interface EdifactPartyInput {
  id: string;
  qualifier?: string;
  routing?: string;
}

export interface EdifactInterchangeInput {
  syntax?: string;
  syntaxVersion?: string;
  sender: EdifactPartyInput;
  recipient: EdifactPartyInput;
  /** YYMMDD and HHMM. */
  date: string;
  time: string;
  controlRef: string;
  applicationRef?: string;
  testIndicator?: string;
  messages: EdifactMessageInput[];
}

export interface EdifactWriteOptions {
  separators?: Partial<EdifactSeparators>;
  /** Write a UNA. Default: only when the separators differ from `:+.? '` (a UNA is always written then). */
  una?: boolean;
  lineEnding?: '' | '\n' | '\r\n';
  byteOrderMark?: boolean;
}

/**
 * Serializes interchanges; separators inside data are escaped with the release character, and UNH/UNT/UNZ
 * counts and references are derived, so what this writes reads back with the same values.
 */
export function writeEdifact(
  interchanges: EdifactInterchangeInput | EdifactInterchangeInput[],
  options: EdifactWriteOptions = {},
): Buffer {
  const separators = { ...DEFAULT_SEPARATORS, ...options.separators };
  const { component, element, release, segment: terminator } = separators;
  const custom = (Object.keys(DEFAULT_SEPARATORS) as (keyof EdifactSeparators)[]).some(
    (key) => separators[key] !== DEFAULT_SEPARATORS[key],
  );
  // The repetition separator (syntax version 4) is released in data too, when one is given.
  const specials = [release, component, element, terminator, separators.repetition ?? ''].filter(Boolean);
  const out: string[] = options.byteOrderMark ? ['\uFEFF'] : [];
  const end = `${terminator}${options.lineEnding ?? ''}`;
  if (options.una ?? custom) {
    out.push(
      'UNA',
      component,
      element,
      separators.decimal,
      release || ' ',
      separators.repetition || ' ',
      end,
    );
  }
  const escapeData = (value: string, location: string): string => {
    if (!specials.some((special) => value.includes(special))) return value;
    if (!release)
      throw new FormatError(
        'edifact',
        location,
        `value ${quotedValue(value)} holds a separator and no release character is set`,
      );
    let result = '';
    for (const char of value) result += specials.includes(char) ? release + char : char;
    return result;
  };
  const segment = (tag: string, elements: EdifactElement[], location: string): void => {
    const parts = elements.map((value, i) => {
      const where = `${location}/${tag}${String(i + 1).padStart(2, '0')}`;
      if (typeof value === 'string') return escapeData(value, where);
      const list = value.map((c) => escapeData(c, where));
      while (list.length > 1 && list[list.length - 1] === '') list.pop();
      return list.join(component);
    });
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    out.push(tag, parts.length > 0 ? element : '', parts.join(element), end);
  };

  const list = Array.isArray(interchanges) ? interchanges : [interchanges];
  list.forEach((unb, i) => {
    const where = `UNB#${i + 1}`;
    const party = (p: EdifactPartyInput): EdifactElement => [p.id, p.qualifier ?? '', p.routing ?? ''];
    segment(
      'UNB',
      [
        [unb.syntax ?? 'UNOC', unb.syntaxVersion ?? '3'],
        party(unb.sender),
        party(unb.recipient),
        [unb.date, unb.time],
        unb.controlRef,
        '',
        unb.applicationRef ?? '',
        '',
        '',
        '',
        unb.testIndicator ?? '',
      ],
      where,
    );
    unb.messages.forEach((message, m) => {
      const messageWhere = `${where}/UNH#${m + 1}`;
      const id = [message.type, message.version ?? 'D', message.release ?? '96A', message.agency ?? 'UN'];
      if (message.associationCode) id.push(message.associationCode);
      segment('UNH', [message.ref, id], messageWhere);
      message.segments.forEach((body, b) => {
        segment(body.tag, body.elements, `${messageWhere}/segment ${b + 2}`);
      });
      segment('UNT', [String(message.segments.length + 2), message.ref], messageWhere);
    });
    segment('UNZ', [String(unb.messages.length), unb.controlRef], where);
  });
  return Buffer.from(out.join(''), 'utf8');
}
