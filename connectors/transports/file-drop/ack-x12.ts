import {
  type AckGroup,
  type AckSet,
  controlNumbersNeeded,
  type InterchangeNote,
  type ReceivedInterchange,
  write997,
  writeTa1,
} from '../../../formats/x12/acknowledgment.ts';
import { detectSeparators } from '../../../formats/x12/tokenizer.ts';
import { type X12TrailerMismatch, x12TrailerMismatches } from '../../../formats/x12/trailers.ts';
import type { TrailerCount } from '../split/index.ts';
import { reasonCodes } from './ack-reasons.ts';
import type { AckFamily, AckPiece, AckReply } from './acknowledgements.ts';

/** An X12 interchange being read: its ISA, its groups with their sets' fates, the ISA problems its sets named. */
interface X12Interchange {
  received: Omit<ReceivedInterchange, 'groups'>;
  groups: Map<string, AckGroup>;
  notes: InterchangeNote[];
  sets: number;
  /** GE01 of each group and IEA01, as sent, with the sets / groups the file held (read by the time of the reply). */
  groupCounts: Map<AckGroup, TrailerCount>;
  interchangeCount?: TrailerCount;
}

/** What is off in a GE / IEA, as the reader judges it (formats/x12/trailers.ts); none when it was never read. */
function trailerMismatches(count: TrailerCount | undefined, segment: 'GE' | 'IEA'): X12TrailerMismatch[] {
  if (count?.declared === undefined || count.counted === undefined) return [];
  return x12TrailerMismatches({
    segment,
    declared: count.declared,
    counted: count.counted,
    reference: count.reference ?? '',
    headerReference: count.headerReference ?? '',
  });
}

/** ISA / GS / ST elements of a piece (or of a whole file refused), as far as they read: undefined when no ISA does. */
function envelopeOf(bytes: Buffer): { isa: string[]; gs?: string[]; st?: string[] } | undefined {
  const head = bytes.subarray(0, 4096).toString('utf8');
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  let separators: ReturnType<typeof detectSeparators>;
  try {
    separators = detectSeparators(text, start, 'x12');
  } catch {
    return undefined;
  }
  const segments = text
    .slice(start)
    .split(separators.segment)
    .slice(0, 3)
    .map((segment) => segment.trim().split(separators.element));
  const [isa, gs, st] = segments;
  if (!isa || isa.length < 16) return undefined;
  // GS and ST elements as the reader reads them (formats/x12/segment.ts element): a composite's first component. An
  // ISA16 that the sender also ends every segment with (`ST*850*0001~` and a line break, `~` its ISA16) leaves an
  // empty component behind each last element; written back as read it put the separator into AK202 and no 997 went
  // out.
  const simple = (elements: string[]) => elements.map((e) => e.split(separators.component)[0] ?? '');
  return {
    isa: isa.map((e) => e.trim()),
    ...(gs?.[0] === 'GS' ? { gs: simple(gs) } : {}),
    ...(st?.[0] === 'ST' ? { st: simple(st) } : {}),
  };
}

function receivedOf(isa: string[]): Omit<ReceivedInterchange, 'groups'> {
  return {
    senderQualifier: isa[5] ?? '',
    senderId: isa[6] ?? '',
    receiverQualifier: isa[7] ?? '',
    receiverId: isa[8] ?? '',
    date: isa[9] ?? '',
    time: isa[10] ?? '',
    version: isa[12] ?? '',
    controlNumber: isa[13] ?? '',
    usage: isa[15] ?? 'P',
  };
}

/**
 * `997_<sender>_<receiver>_<control number>.x12`: the same name for the same interchange (ISA06, ISA08, ISA13, what
 * duplicate detection knows it by), so a redelivery overwrites it; a sender's interchanges to two of the hub's
 * receiver ids under one control number (each its own numbering) keep an answer each.
 */
function acknowledgmentName(kind: '997' | 'TA1', received: Omit<ReceivedInterchange, 'groups'>): string {
  const safe = (value: string) => value.replace(/[^A-Za-z0-9.-]+/g, '-') || 'unknown';
  return `${kind}_${safe(received.senderId)}_${safe(received.receiverId)}_${safe(received.controlNumber)}.x12`;
}

function ta1(received: Omit<ReceivedInterchange, 'groups'>, note: InterchangeNote): AckReply {
  return {
    kind: 'TA1',
    name: acknowledgmentName('TA1', received),
    interchange: received.controlNumber,
    controlNumbers: 1,
    write: (own) => writeTa1(received, note, own),
  };
}

/**
 * X12: one 997 per interchange (AK2/AK5 per set, AK9 per group), named by ISA06 and ISA13; a TA1 (024) for an
 * interchange with no set, or (with the ISA note) when every set failed on the ISA.
 */
export const x12Acknowledgements: AckFamily<X12Interchange> = {
  split: 'x12',
  noun: 'set',

  locate(where) {
    const keys = /^(ISA#\d+)\/GS#\d+\/ST#\d+ /.exec(where);
    return keys ? { interchange: keys[1]!, first: /\/GS#1\/ST#1 /.test(where) } : undefined;
  },

  begin(piece: AckPiece) {
    const envelope = envelopeOf(piece.bytes);
    if (!envelope) return undefined;
    return {
      received: receivedOf(envelope.isa),
      groups: new Map(),
      notes: [],
      sets: 0,
      groupCounts: new Map(),
      ...(piece.trailers ? { interchangeCount: piece.trailers.interchange } : {}),
    };
  },

  add(interchange, piece, refused) {
    const gsKey = /\/(GS#\d+)\//.exec(piece.where)?.[1];
    const envelope = envelopeOf(piece.bytes);
    if (!gsKey || !envelope?.gs || !envelope.st) return false;
    const gs = envelope.gs;
    let group = interchange.groups.get(gsKey);
    if (!group) {
      group = {
        functionalId: gs[1] ?? '',
        senderCode: gs[2] ?? '',
        receiverCode: gs[3] ?? '',
        controlNumber: gs[6] ?? '',
        version: gs[8] ?? '',
        sets: [],
      };
      interchange.groups.set(gsKey, group);
      if (piece.trailers) interchange.groupCounts.set(group, piece.trailers.group);
    }
    const [, type = '', controlNumber = '', implementationReference] = envelope.st;
    const set: AckSet = {
      type,
      controlNumber,
      status: 'A',
      ...(implementationReference ? { implementationReference } : {}),
    };
    if (refused !== undefined) {
      const { codes, segments, interchange: note } = reasonCodes(refused);
      set.status = 'R';
      set.codes = codes;
      if (segments) set.segments = segments;
      if (note) interchange.notes.push(note);
    }
    group.sets.push(set);
    interchange.sets++;
    return true;
  },

  reply(interchange) {
    // A GE01 that does not match its sets: AK902 says what GE01 declared, AK905 5; a GE02 that is not GS06: AK905 4
    // (the sets were each read and answered as usual, the group accepted with errors noted); an IEA01 that does not
    // match its groups: a TA1 E 021 in the 997's interchange, before its groups; an IEA02 that is not ISA13: TA1 E 001.
    // An interchange cut short (no IEA: the file ends, or the next ISA comes, first) is rejected whole with a TA1 R
    // 023 (improper, premature end of file): its sets were refused, and the partner sends it again whole.
    if (interchange.interchangeCount?.missing) return ta1(interchange.received, { status: 'R', code: '023' });
    const groups = [...interchange.groups.values()].map((group) => {
      const count = interchange.groupCounts.get(group);
      // A group without its GE: AK905 3 (functional group trailer missing), its sets refused (AK9 R).
      if (count?.missing) return { ...group, codes: ['3'] };
      const off = trailerMismatches(count, 'GE');
      if (off.length === 0) return group;
      const declared = off.find((mismatch) => mismatch.declaredCount !== undefined)?.declaredCount;
      return {
        ...group,
        ...(declared === undefined ? {} : { declaredSets: declared }),
        codes: off.map((mismatch) => mismatch.code),
      };
    });
    // One TA1 note: the count's (021) before the control number's (001), as the CONTRL says a UNZ's 29 before its 28.
    const [interchangeOff] = trailerMismatches(interchange.interchangeCount, 'IEA');
    const received: ReceivedInterchange = {
      ...interchange.received,
      groups,
      ...(interchangeOff ? { note: { status: 'E', code: interchangeOff.code } } : {}),
    };
    const note = interchange.notes[0];
    if (note && interchange.notes.length === interchange.sets) return ta1(received, note);
    return {
      kind: '997',
      name: acknowledgmentName('997', received),
      interchange: received.controlNumber,
      controlNumbers: controlNumbersNeeded(received),
      write: (own) => write997(received, own),
    };
  },

  controlNumber: (interchange) => interchange.received.controlNumber,

  refusedWhole(bytes) {
    const envelope = envelopeOf(bytes);
    return envelope && ta1(receivedOf(envelope.isa), { status: 'R', code: '024' });
  },
};
