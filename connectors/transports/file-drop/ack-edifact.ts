import {
  type ContrlGroup,
  type ContrlLevelError,
  type ContrlMessage,
  type ContrlSubject,
  levelAction,
  writeContrl,
} from '../../../formats/edifact/contrl.ts';
import { type EdifactSegment, value } from '../../../formats/edifact/segment.ts';
import { readServiceStringAdvice, tokenize } from '../../../formats/edifact/tokenizer.ts';
import { trailerMismatches } from '../../../formats/edifact/trailers.ts';
import type { TrailerCount } from '../split/index.ts';
import { contrlReason } from './ack-reasons.ts';
import type { AckFamily, AckPiece, AckReply } from './acknowledgements.ts';

type Subject = Omit<ContrlSubject, 'messages' | 'groups' | 'action' | 'error'>;

/** An EDIFACT interchange being read: its UNB, its messages' fates (by group when it has UNGs), the envelope errors. */
interface EdifactInterchange {
  subject: Subject;
  messages: ContrlMessage[];
  groups: Map<string, ContrlGroup>;
  /** Per group: the UNG errors its messages were refused with. */
  groupErrors: Map<string, ContrlLevelError[]>;
  /** The UNB errors its messages were refused with (a CONTRL rejecting the interchange when all were). */
  interchangeErrors: ContrlLevelError[];
  count: number;
  /** Per group: its UNE as sent, with the messages it held; the UNZ, with the messages or groups (split/edifact.ts). */
  groupCounts: Map<string, TrailerCount>;
  interchangeCount?: TrailerCount;
}

interface Head {
  unb: EdifactSegment;
  ung?: EdifactSegment;
  unh?: EdifactSegment;
  subject: Subject;
}

/** UNB, UNG and UNH of a piece (or of a whole file refused), as far as they read: undefined when no UNB does. */
function headOf(bytes: Buffer): Head | undefined {
  const head = bytes.subarray(0, 4096).toString('utf8');
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  let segments: EdifactSegment[];
  let advice: ReturnType<typeof readServiceStringAdvice>;
  try {
    advice = readServiceStringAdvice(text, 'edifact');
    segments = tokenize(text, advice, 'edifact', 3);
  } catch {
    return undefined;
  }
  const [unb, second, third] = segments;
  if (unb?.tag !== 'UNB') return undefined;
  const ung = second?.tag === 'UNG' ? second : undefined;
  const unh = [second, third].find((segment) => segment?.tag === 'UNH');
  const party = (n: number) => {
    const [id = '', qualifier, routing] = [1, 2, 3].map((c) => value(unb, n, c));
    return { id, ...(qualifier ? { qualifier } : {}), ...(routing ? { routing } : {}) };
  };
  const testIndicator = value(unb, 11);
  const subject: Subject = {
    syntax: value(unb, 1, 1),
    syntaxVersion: value(unb, 1, 2),
    sender: party(2),
    recipient: party(3),
    controlRef: value(unb, 5),
    ...(testIndicator ? { testIndicator } : {}),
    separators: advice.separators,
    una: advice.una,
  };
  return { unb, ...(ung ? { ung } : {}), ...(unh ? { unh } : {}), subject };
}

/**
 * A UNE / UNZ that does not match what the interchange held, as the reader judges it (formats/edifact/trailers.ts):
 * 29 at its count (S011 2), else 28 at its reference (S011 3). Undefined when it matches, or was never read (a file
 * that ends before it: its last message is then refused as truncated).
 */
function trailerError(count: TrailerCount | undefined, segment: 'UNE' | 'UNZ'): ContrlLevelError | undefined {
  if (count?.declared === undefined || count.counted === undefined) return undefined;
  const [first] = trailerMismatches({
    segment,
    declared: count.declared,
    counted: count.counted,
    reference: count.reference ?? '',
    headerReference: count.headerReference ?? '',
  });
  return first?.error;
}

/** 0085 13 (missing) at the UNZ: the interchange trailer never came (code list 0085 has no code of its own for it). */
const MISSING_UNZ: ContrlLevelError = { code: '13', segment: 'UNZ' };

/**
 * `CONTRL_<sender>_<recipient>_<reference>.edi`: the same name for the same interchange (UNB 0004, 0010, 0020, what
 * duplicate detection knows it by), so a redelivery overwrites it; a sender's interchanges to two of the hub's
 * recipient ids under one reference keep an answer each.
 */
function contrlName(subject: Subject): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9.-]+/g, '-') || 'unknown';
  return `CONTRL_${safe(subject.sender.id)}_${safe(subject.recipient.id)}_${safe(subject.controlRef)}.edi`;
}

function contrl(subject: ContrlSubject): AckReply {
  return {
    kind: 'CONTRL',
    name: contrlName(subject),
    interchange: subject.controlRef,
    controlNumbers: 1,
    write: (own) => writeContrl(subject, { controlRef: own.controlNumber, at: own.at }),
  };
}

function groupOf(ung: EdifactSegment): ContrlGroup {
  const party = (n: number) => {
    const qualifier = value(ung, n, 2);
    return { id: value(ung, n, 1), ...(qualifier ? { qualifier } : {}) };
  };
  return { ref: value(ung, 5), sender: party(2), recipient: party(3), messages: [] };
}

/**
 * EDIFACT: one CONTRL per interchange (UCI, and a UCM per message, under a UCF per group when it has UNGs), named by
 * the UNB sender and reference; the interchange rejected at the UCI when every message failed on its UNB, or when it
 * holds no message at all (32, lower level empty). A message whose UNT01 is not its segment count (29) or whose UNT02
 * is not its UNH01 (28) is refused by the reader and dead-lettered with its bytes, its UCM 4 saying so at the UNT
 * (`contrlReason`), as a set with a wrong SE01 / SE02 is (AK5 R 4 / 3); a wrong UNE / UNZ is said at the UCF / UCI
 * (`trailerError`) and refuses no message, as a wrong GE01 / IEA01 refuses no set.
 */
export const edifactAcknowledgements: AckFamily<EdifactInterchange> = {
  split: 'edifact',
  noun: 'message',

  locate(where) {
    const keys = /^(UNB#\d+)(?:\/UNG#\d+)?\/UNH#\d+ /.exec(where);
    return keys ? { interchange: keys[1]!, first: /^UNB#\d+(\/UNG#1)?\/UNH#1 /.test(where) } : undefined;
  },

  begin(piece: AckPiece) {
    const head = headOf(piece.bytes);
    if (!head) return undefined;
    return {
      subject: head.subject,
      messages: [],
      groups: new Map(),
      groupErrors: new Map(),
      interchangeErrors: [],
      count: 0,
      groupCounts: new Map(),
      ...(piece.trailers ? { interchangeCount: piece.trailers.interchange } : {}),
    };
  },

  add(interchange, piece, refused) {
    const head = headOf(piece.bytes);
    const groupKey = /\/(UNG#\d+)\//.exec(piece.where)?.[1];
    if (!head?.unh || Boolean(groupKey) !== Boolean(head.ung)) return false;
    const { unh } = head;
    const associationCode = value(unh, 2, 5);
    const message: ContrlMessage = {
      ref: value(unh, 1),
      type: value(unh, 2, 1),
      version: value(unh, 2, 2),
      release: value(unh, 2, 3),
      agency: value(unh, 2, 4),
      ...(associationCode ? { associationCode } : {}),
      action: '7',
    };
    if (refused !== undefined) {
      const reason = contrlReason(refused, unh.segment);
      message.action = '4';
      if (reason.level === 'message') {
        if (reason.error) message.error = reason.error;
        if (reason.segments) message.segments = reason.segments;
      } else {
        // The envelope's error: said at the UCI / UCF when all its messages have it; the message's own UCM says 18.
        message.error = { code: '18' };
        if (reason.level === 'interchange') interchange.interchangeErrors.push(reason.error!);
        else {
          const errors = interchange.groupErrors.get(groupKey!) ?? [];
          errors.push(reason.error!);
          interchange.groupErrors.set(groupKey!, errors);
        }
      }
    }
    if (groupKey && head.ung) {
      let group = interchange.groups.get(groupKey);
      if (!group) {
        group = groupOf(head.ung);
        interchange.groups.set(groupKey, group);
        if (piece.trailers) interchange.groupCounts.set(groupKey, piece.trailers.group);
      }
      group.messages.push(message);
    } else interchange.messages.push(message);
    interchange.count++;
    return true;
  },

  reply(interchange) {
    // An interchange cut short (no UNZ: the file ends, or the next UNB comes, first) is rejected whole at the UCI, 13
    // (missing) at the UNZ, as X12's TA1 R 023: its messages were refused, and the partner sends it again whole.
    if (interchange.interchangeCount?.missing)
      return contrl({ ...interchange.subject, action: '4', error: MISSING_UNZ });
    const error = interchange.interchangeErrors[0];
    if (error && interchange.interchangeErrors.length === interchange.count) {
      return contrl({ ...interchange.subject, action: '4', error });
    }
    // A UNE / UNZ whose count or reference is off: its 29 / 28 at the UCF / UCI, the level still acknowledged (7,
    // 4 only when every message under it was rejected on its own), as the 997 answers a wrong GE01 / IEA01 (AK9 E,
    // TA1 E 021): each message was read and answered on its own, the pieces carrying trailers of their own.
    const groups = [...interchange.groups].map(([key, group]): ContrlGroup => {
      // A group without its UNE: rejected at its UCF, 13 at the UNE (its messages refused), as X12's AK9 R / AK905 3.
      if (interchange.groupCounts.get(key)?.missing)
        return { ...group, action: '4', error: { code: '13', segment: 'UNE' }, messages: [] };
      const errors = interchange.groupErrors.get(key) ?? [];
      if (errors[0] && errors.length === group.messages.length) {
        return { ...group, action: '4', error: errors[0], messages: [] };
      }
      const trailer = trailerError(interchange.groupCounts.get(key), 'UNE');
      return trailer ? { ...group, action: levelAction(group.messages), error: trailer } : group;
    });
    const trailer = trailerError(interchange.interchangeCount, 'UNZ');
    const all = groups.length > 0 ? groups.flatMap((group) => group.messages) : interchange.messages;
    return contrl({
      ...interchange.subject,
      messages: interchange.messages,
      groups,
      ...(trailer ? { action: levelAction(all), error: trailer } : {}),
    });
  },

  controlNumber: (interchange) => interchange.subject.controlRef,

  refusedWhole(bytes, reason) {
    const head = headOf(bytes);
    if (!head) return undefined;
    return contrl({
      ...head.subject,
      action: '4',
      error: { code: /no message \(UNH\.\.UNT\)/.test(reason) ? '32' : '18' },
    });
  },
};
