import { FormatError } from '../types.ts';
import { writeX12, type X12InterchangeInput, type X12SegmentInput, type X12WriteOptions } from './writer.ts';

/**
 * The 997 functional acknowledgment (and the TA1 interchange acknowledgment) the receiver of an X12 interchange sends
 * back: one 997 per functional group received (AK1), an AK2..AK5 loop per transaction set with its fate, AK9 with the
 * group's, in an interchange of its own with sender and receiver swapped and control numbers of its own.
 *
 * Versions: 004010 and 005010. The 997 keeps the AK3 / AK4 / AK5 segments in 005010 too; IK3 / IK4 / IK5 are the
 * 999's (005010X231 implementation acknowledgment), not the 997's. 005010 adds AK103 (the group's GS08), AK203 (the
 * set's ST03) and the third component of AK401 (repeating data element position).
 */

/** AK501 / AK901: accepted, accepted with errors noted, partially accepted (AK901 only), rejected. */
export type AckStatus = 'A' | 'E' | 'P' | 'R';

/** AK4: one data element in error. */
export interface AckElementError {
  /** AK401-1: the element's position in its segment (1-based). */
  position: number;
  /** AK401-2: the component's position in a composite. */
  component?: number;
  /** AK401-3 (005010 only): the repetition's position in a repeated element. */
  repetition?: number;
  /** AK402: the X12 data element reference number (e.g. 373 for a date). */
  reference?: string;
  /** AK403: 1 mandatory missing, 2 conditional missing, 3 too many elements, 4 too short, 5 too long, 6 invalid character, 7 invalid code value, 8 invalid date, 9 invalid time, 10 exclusion violated. */
  code: string;
  /** AK404: a copy of the bad element (left out when it holds a separator, or for code 6). */
  copy?: string;
}

/** AK3: one segment in error. */
export interface AckSegmentError {
  /** AK301: the segment's tag. */
  tag: string;
  /** AK302: its position in the set, ST being 1. */
  position: number;
  /** AK303: the bounded loop's LS/LE identifier. */
  loop?: string;
  /** AK304: 1 unrecognized segment, 2 unexpected, 3 mandatory missing, 4 loop over maximum, 5 segment over maximum use, 6 not in the set, 7 out of sequence, 8 has data element errors. */
  code?: string;
  elements?: AckElementError[];
}

/** One transaction set received and what became of it. */
export interface AckSet {
  /** ST01 and ST02 as received. */
  type: string;
  controlNumber: string;
  /** ST03 (005010): written as AK203. */
  implementationReference?: string;
  status: Exclude<AckStatus, 'P'>;
  /** AK502..AK506 (at most five), e.g. `5` one or more segments in error; a rejected set needs one. */
  codes?: string[];
  segments?: AckSegmentError[];
}

/** One functional group received: its GS as sent and its sets in order. */
export interface AckGroup {
  /** GS01, GS02, GS03, GS06, GS08 as received. */
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  controlNumber: string;
  version: string;
  /** AK902: the number of sets GE01 declared (default: the sets received). */
  declaredSets?: number;
  /** AK905..AK909 (at most five), group-level errors such as `5` (GE01 does not match the count). */
  codes?: string[];
  sets: AckSet[];
}

/** The interchange received: its ISA as sent (trimmed) and its groups. */
export interface ReceivedInterchange {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA09 (YYMMDD) and ISA10 (HHMM), for a TA1. */
  date: string;
  time: string;
  controlNumber: string;
  /** ISA12, e.g. `00401` or `00501`. */
  version: string;
  /** ISA15: P, T or I; the acknowledgment is sent with the same. */
  usage: string;
  groups: AckGroup[];
  /** A note on the interchange itself (e.g. E 021: IEA01 does not match its groups), written by `write997` as a TA1 before the 997's groups. */
  note?: InterchangeNote;
}

/** The acknowledgment's own envelope: its first control number (one more per group after the first) and its time. */
export interface AckEnvelope {
  /** ISA13 of the acknowledgment and GS06 of its first group; group n gets `controlNumber + n` (a number each). */
  controlNumber: number;
  at: Date;
}

/** How many control numbers a 997 for `received` uses (one per group it answers, at least one). */
export function controlNumbersNeeded(received: ReceivedInterchange): number {
  return Math.max(1, received.groups.length);
}

/** AK901 from the sets' AK501s: all accepted A (E if any with errors), none R, some P. */
export function groupStatus(sets: readonly AckSet[]): AckStatus {
  const rejected = sets.filter((set) => set.status === 'R').length;
  if (sets.length > 0 && rejected === sets.length) return 'R';
  if (rejected > 0) return 'P';
  return sets.some((set) => set.status === 'E') ? 'E' : 'A';
}

/** `005010` for a group whose GS08 is 005010 or a 005010 implementation (005010X…), else `004010`. */
function ackVersion(version: string): '004010' | '005010' {
  return version.startsWith('00501') ? '005010' : '004010';
}

const FORMAT = 'x12-997';

function codes(what: string, list: readonly string[] | undefined): string[] {
  const given = list ?? [];
  if (given.length > 5)
    throw new FormatError(FORMAT, what, `at most five error codes, given ${given.length}`);
  return [...given];
}

function ak2Loop(set: AckSet, version: string, where: string): X12SegmentInput[] {
  const five = version === '005010';
  const segments: X12SegmentInput[] = [
    {
      tag: 'AK2',
      elements:
        five && set.implementationReference
          ? [set.type, set.controlNumber, set.implementationReference]
          : [set.type, set.controlNumber],
    },
  ];
  for (const bad of set.segments ?? []) {
    segments.push({ tag: 'AK3', elements: [bad.tag, String(bad.position), bad.loop ?? '', bad.code ?? ''] });
    if ((bad.elements ?? []).length > 99) {
      throw new FormatError(FORMAT, `${where}/AK3 ${bad.tag}`, 'at most 99 AK4 segments per AK3');
    }
    for (const element of bad.elements ?? []) {
      const position = [String(element.position), element.component ? String(element.component) : ''];
      if (five && element.repetition) position.push(String(element.repetition));
      while (position.length > 1 && position[position.length - 1] === '') position.pop();
      segments.push({
        tag: 'AK4',
        elements: [
          position.length > 1 ? position : position[0]!,
          element.reference ?? '',
          element.code,
          element.copy ?? '',
        ],
      });
    }
  }
  const setCodes = codes(`${where}/AK5`, set.codes);
  if (set.status === 'R' && setCodes.length === 0) {
    throw new FormatError(
      FORMAT,
      `${where}/AK5`,
      `set ${set.controlNumber} is rejected without a reason code`,
    );
  }
  segments.push({ tag: 'AK5', elements: [set.status, ...setCodes] });
  return segments;
}

function yymmdd(at: Date): string {
  return at.toISOString().slice(2, 10).replaceAll('-', '');
}

function hhmm(at: Date): string {
  return at.toISOString().slice(11, 16).replace(':', '');
}

/** The reply's interchange: sender and receiver swapped, the same usage, the acknowledgment's version. */
function replyInterchange(
  received: Omit<ReceivedInterchange, 'groups'>,
  own: AckEnvelope,
  version: string,
): Omit<X12InterchangeInput, 'groups'> {
  return {
    senderQualifier: received.receiverQualifier,
    senderId: received.receiverId,
    receiverQualifier: received.senderQualifier,
    receiverId: received.senderId,
    date: yymmdd(own.at),
    time: hhmm(own.at),
    controlNumber: String(own.controlNumber),
    version,
    usage: received.usage || 'P',
    acknowledgmentRequested: '0',
  };
}

/**
 * The 997 interchange for `received`: one FA group and one 997 per group received (each group its own GS06, from
 * `own.controlNumber` on), an AK2 loop for every set in the order received. Throws FormatError when a fate cannot be
 * written as X12 says (a rejected set without a code, more than five codes, data holding a separator).
 */
export function write997(
  received: ReceivedInterchange,
  own: AckEnvelope,
  options: X12WriteOptions = {},
): Buffer {
  if (received.groups.length === 0) {
    throw new FormatError(FORMAT, `ISA ${received.controlNumber}`, 'no functional group to acknowledge');
  }
  const first = ackVersion(received.groups[0]!.version);
  const groups = received.groups.map((group, g) => {
    const version = ackVersion(group.version);
    const where = `AK1 ${group.functionalId} ${group.controlNumber}`;
    const body: X12SegmentInput[] = [
      {
        tag: 'AK1',
        elements:
          version === '005010'
            ? [group.functionalId, group.controlNumber, group.version]
            : [group.functionalId, group.controlNumber],
      },
    ];
    group.sets.forEach((set, s) => {
      body.push(...ak2Loop(set, version, `${where}/AK2#${s + 1}`));
    });
    const accepted = group.sets.filter((set) => set.status !== 'R').length;
    // A group-level error (AK905…) on a group whose sets were all accepted: accepted, but errors were noted.
    const status = groupStatus(group.sets);
    body.push({
      tag: 'AK9',
      elements: [
        status === 'A' && (group.codes ?? []).length > 0 ? 'E' : status,
        String(group.declaredSets ?? group.sets.length),
        String(group.sets.length),
        String(accepted),
        ...codes(`${where}/AK9`, group.codes),
      ],
    });
    return {
      functionalId: 'FA',
      senderCode: group.receiverCode,
      receiverCode: group.senderCode,
      date: own.at.toISOString().slice(0, 10).replaceAll('-', ''),
      time: hhmm(own.at),
      controlNumber: String(own.controlNumber + g),
      agency: 'X',
      version,
      transactionSets: [{ type: '997', controlNumber: '0001', segments: body }],
    };
  });
  const isa12 = first === '005010' ? '00501' : '00401';
  const segments = received.note ? [ta1Segment(received, received.note)] : [];
  return writeX12({ ...replyInterchange(received, own, isa12), segments, groups }, options);
}

/** TA104: accepted, accepted with errors, rejected. TA105: the note code, `000` for no error. */
export interface InterchangeNote {
  status: 'A' | 'E' | 'R';
  /** Three digits: 000 no error, 014 invalid date, 015 invalid time, 018 invalid control number, 022 invalid control structure, 024 invalid interchange content, … */
  code: string;
}

/**
 * A TA1 interchange acknowledgment in an interchange of its own (ISA, TA1, IEA with no group): for an interchange
 * whose envelope reads but whose content cannot be acknowledged set by set.
 */
export function writeTa1(
  received: Omit<ReceivedInterchange, 'groups'>,
  note: InterchangeNote,
  own: AckEnvelope,
  options: X12WriteOptions = {},
): Buffer {
  const version = received.version.startsWith('00501') ? '00501' : '00401';
  return writeX12(
    { ...replyInterchange(received, own, version), segments: [ta1Segment(received, note)], groups: [] },
    options,
  );
}

/** The TA1 segment answering `received` with `note`. */
function ta1Segment(received: Omit<ReceivedInterchange, 'groups'>, note: InterchangeNote): X12SegmentInput {
  if (!/^\d{3}$/.test(note.code)) {
    throw new FormatError(FORMAT, 'TA105', `note code ${JSON.stringify(note.code)} is not three digits`);
  }
  return {
    tag: 'TA1',
    elements: [received.controlNumber.padStart(9, '0'), received.date, received.time, note.status, note.code],
  };
}
