import { quotedValue } from '../../lib/errors.ts';
import { FormatError } from '../types.ts';
import type { X12Element, X12Separators } from './segment.ts';

/** A segment to write: its tag and its elements (a component list for composites). */
export interface X12SegmentInput {
  tag: string;
  elements: X12Element[];
}

export interface X12TransactionSetInput {
  type: string;
  controlNumber: string;
  implementationReference?: string;
  /** The body between ST and SE; ST and SE are written, and SE01 counted, by the writer. */
  segments: X12SegmentInput[];
}

export interface X12GroupInput {
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  date: string;
  time: string;
  controlNumber: string;
  agency?: string;
  version: string;
  transactionSets: X12TransactionSetInput[];
}

export interface X12InterchangeInput {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** YYMMDD and HHMM. */
  date: string;
  time: string;
  controlNumber: string;
  version?: string;
  /** P production, T test. */
  usage?: string;
  acknowledgmentRequested?: string;
  /** Interchange-level segments written between ISA and the first GS, e.g. a TA1 (interchange acknowledgment). */
  segments?: X12SegmentInput[];
  groups: X12GroupInput[];
}

export interface X12WriteOptions {
  /** Defaults: `*`, `>`, `~`, repetition `^` (written in ISA11 for version 00402 and later). */
  separators?: Partial<X12Separators>;
  /** Written after each terminator: '' (default), '\n' or '\r\n'. */
  lineEnding?: '' | '\n' | '\r\n';
  /** Pad ISA fields to their fixed widths (default true); false writes the short ISA some partners send. */
  padIsa?: boolean;
  byteOrderMark?: boolean;
}

const DEFAULT_SEPARATORS: X12Separators = { element: '*', component: '>', segment: '~', repetition: '^' };

/**
 * Serializes interchanges with the given separators; ISA/GS/ST/SE/GE/IEA and their counts are derived, so the
 * caller cannot write a file whose control counts lie. X12 has no escape character: data holding a separator is
 * refused with its location rather than silently corrupting the file.
 */
export function writeX12(
  interchanges: X12InterchangeInput | X12InterchangeInput[],
  options: X12WriteOptions = {},
): Buffer {
  const chosen = { ...DEFAULT_SEPARATORS, ...options.separators };
  // The default repetition separator must not collide with separators the caller picked.
  const taken = [chosen.element, chosen.component, chosen.segment];
  const repetition =
    options.separators?.repetition ??
    ['^', '{', '}', '`', '!'].find((candidate) => !taken.includes(candidate));
  const separators: X12Separators = repetition ? { ...chosen, repetition } : { ...chosen };
  const forbidden = [
    separators.element,
    separators.component,
    separators.segment,
    separators.repetition ?? '',
  ].filter(Boolean);
  const out: string[] = options.byteOrderMark ? ['\uFEFF'] : [];
  const end = `${separators.segment}${options.lineEnding ?? ''}`;
  const pad = options.padIsa ?? true;

  const field = (value: string, location: string): string => {
    for (const separator of forbidden) {
      if (value.includes(separator)) {
        throw new FormatError(
          'x12',
          location,
          `value ${quotedValue(value)} contains the separator ${JSON.stringify(separator)}`,
        );
      }
    }
    return value;
  };
  const segment = (tag: string, elements: X12Element[], location: string): void => {
    const parts = elements.map((value, i) => {
      const where = `${location}/${tag}${String(i + 1).padStart(2, '0')}`;
      return typeof value === 'string'
        ? field(value, where)
        : value.map((c) => field(c, where)).join(separators.component);
    });
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    out.push(tag, parts.length > 0 ? separators.element : '', parts.join(separators.element), end);
  };

  const list = Array.isArray(interchanges) ? interchanges : [interchanges];
  list.forEach((isa, i) => {
    const where = `ISA#${i + 1}`;
    const version = isa.version ?? '00401';
    const repetition = version >= '00402' && separators.repetition ? separators.repetition : 'U';
    const fixed = (value: string, width: number): string => (pad ? value.padEnd(width, ' ') : value);
    const isaElements = [
      '00',
      fixed('', 10),
      '00',
      fixed('', 10),
      isa.senderQualifier,
      fixed(isa.senderId, 15),
      isa.receiverQualifier,
      fixed(isa.receiverId, 15),
      isa.date,
      isa.time,
      repetition,
      version,
      isa.controlNumber.padStart(9, '0'),
      isa.acknowledgmentRequested ?? '0',
      isa.usage ?? 'P',
    ].map((value, n) => (n === 10 ? value : field(value, `${where}/ISA${String(n + 1).padStart(2, '0')}`)));
    out.push(
      'ISA',
      separators.element,
      isaElements.join(separators.element),
      separators.element,
      separators.component,
      end,
    );
    (isa.segments ?? []).forEach((body, b) => {
      segment(body.tag, body.elements, `${where}/segment ${b + 2}`);
    });
    isa.groups.forEach((gs, g) => {
      const groupWhere = `${where}/GS#${g + 1}`;
      segment(
        'GS',
        [
          gs.functionalId,
          gs.senderCode,
          gs.receiverCode,
          gs.date,
          gs.time,
          gs.controlNumber,
          gs.agency ?? 'X',
          gs.version,
        ],
        groupWhere,
      );
      gs.transactionSets.forEach((st, s) => {
        const setWhere = `${groupWhere}/ST#${s + 1}`;
        segment(
          'ST',
          st.implementationReference
            ? [st.type, st.controlNumber, st.implementationReference]
            : [st.type, st.controlNumber],
          setWhere,
        );
        st.segments.forEach((body, b) => {
          segment(body.tag, body.elements, `${setWhere}/segment ${b + 2}`);
        });
        segment('SE', [String(st.segments.length + 2), st.controlNumber], setWhere);
      });
      segment('GE', [String(gs.transactionSets.length), gs.controlNumber], groupWhere);
    });
    segment('IEA', [String(isa.groups.length), isa.controlNumber.padStart(9, '0')], where);
  });
  return Buffer.from(out.join(''), 'utf8');
}
