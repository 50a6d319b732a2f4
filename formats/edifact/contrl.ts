import { FormatError } from '../types.ts';
import type { EdifactSeparators } from './segment.ts';
import {
  type EdifactPartyInput,
  type EdifactSegmentInput,
  type EdifactWriteOptions,
  writeEdifact,
} from './writer.ts';

/**
 * The CONTRL syntax and service report message the receiver of an EDIFACT interchange sends back: UCI for the
 * interchange (its UNB reference, sender and recipient as received, and the action taken), then a UCM per message
 * (SG1), or a UCF per group with its UCMs (SG3) when the interchange has UNG groups, each rejected message's segment
 * and element errors as UCS / UCD. Written in an interchange of its own, sender and recipient swapped, with the
 * received syntax identifier and version.
 *
 * Versions: syntax version 1–3 interchanges are answered with CONTRL D.3 (UNH S009 `CONTRL:D:3:UN`, UNB date
 * YYMMDD), version 4 with the ISO 9735-4 CONTRL (`CONTRL:4:1:UN`, UNB date CCYYMMDD). Only the elements both have
 * at the same positions are written: UCI 0020 S002 S003 0083 0085 0013/0135 S011, UCM 0062 S009 0083 0085 0013/0135
 * S011, UCF 0048 S006 S007 0083 0085 0013/0135 S011, UCS 0096 0085, UCD 0085 S011.
 */

/** 0083: 4 this level and all lower levels rejected, 7 this level acknowledged and lower levels unless rejected, 8 interchange received (UCI only). */
export type ContrlAction = '4' | '7' | '8';

/**
 * S011 (data element identification), counted as ISO 9735 does: the segment tag is position 1, so the segment's
 * n-th data element (`QTY01` is the first) is position n + 1; `component` counts from 1 within the composite.
 */
export interface ContrlElementPosition {
  position: number;
  component?: number;
}

/** An error at the UCI, UCF or UCM level: 0085, and the service segment (0013) and element (S011) it is in. */
export interface ContrlLevelError {
  /** 0085, e.g. 13 missing, 28 references do not match, 29 control count does not match, 32 lower level empty. */
  code: string;
  /** 0013: UNA, UNB, UNZ (UCI), UNG, UNE (UCF), UNH, UNT (UCM). */
  segment?: string;
  element?: ContrlElementPosition;
}

/** UCD: one data element in error. */
export interface ContrlElementError extends ContrlElementPosition {
  /** 0085, e.g. 12 invalid value, 13 missing, 21 invalid character, 37 invalid type of character, 39 too long, 40 too short. */
  code: string;
}

/** UCS (and its UCDs): one segment in error. */
export interface ContrlSegmentError {
  /** 0096: the segment's position in the message, UNH being 1 (for a missing segment: the last one before where it belongs). */
  position: number;
  /** 0085 of the segment itself (13 missing, 15 not supported in this position, 35 too many repetitions, …). */
  code?: string;
  /** UCD, at most 99. */
  elements?: ContrlElementError[];
}

/** One message received (its UNH as sent) and what became of it. */
export interface ContrlMessage {
  /** UNH 0062 and S009 as received. */
  ref: string;
  type: string;
  version: string;
  release: string;
  agency: string;
  associationCode?: string;
  action: '4' | '7';
  /** The message's UNH / UNT error (UCM 0085, 0013, S011). */
  error?: ContrlLevelError;
  /** Its segments in error (SG2 / SG5), at most 999. */
  segments?: ContrlSegmentError[];
}

/** One UNG group received: its reference, sender and recipient as sent, its messages in order. */
export interface ContrlGroup {
  /** UNG 0048. */
  ref: string;
  /** UNG S006 and S007 as received: identification and qualifier. */
  sender: { id: string; qualifier?: string };
  recipient: { id: string; qualifier?: string };
  /** Default: 7 when any of its messages is acknowledged, else 4. */
  action?: '4' | '7';
  /** The group's UNG / UNE error (UCF 0085, 0013, S011). */
  error?: ContrlLevelError;
  messages: ContrlMessage[];
}

/** The subject interchange: its UNB as received, and the fate of its messages (or of its groups). */
export interface ContrlSubject {
  /** UNB S001 as received: the CONTRL is written with the same. */
  syntax: string;
  syntaxVersion: string;
  sender: EdifactPartyInput;
  recipient: EdifactPartyInput;
  /** UNB 0020. */
  controlRef: string;
  /** UNB 0035: a test interchange is answered as a test. */
  testIndicator?: string;
  /** The received interchange's separators (and whether a UNA declared them): the CONTRL uses the same. */
  separators?: Partial<EdifactSeparators>;
  una?: boolean;
  /** UCI 0083. Default: 7 when any message is acknowledged, 4 when none is (or an interchange error is given). */
  action?: ContrlAction;
  /** The interchange's UNA / UNB / UNZ error (UCI 0085, 0013, S011). */
  error?: ContrlLevelError;
  /** Ungrouped messages (SG1); an interchange has these or `groups`, never both. */
  messages?: ContrlMessage[];
  groups?: ContrlGroup[];
}

/** The CONTRL's own envelope: its interchange control reference (UNB 0020) and when it is written. */
export interface ContrlEnvelope {
  controlRef: number;
  at: Date;
}

const FORMAT = 'edifact-contrl';

/** UCI / UCF 0083 from the messages under it: 7 when any is acknowledged, 4 when all are rejected. */
export function levelAction(messages: readonly ContrlMessage[]): '4' | '7' {
  return messages.length > 0 && messages.every((message) => message.action === '4') ? '4' : '7';
}

/** The UNH S009 of the CONTRL that answers an interchange of this syntax version. */
export function contrlIdentifier(syntaxVersion: string): { version: string; release: string } {
  return syntaxVersion === '4' ? { version: '4', release: '1' } : { version: 'D', release: '3' };
}

function position(at: ContrlElementPosition | undefined): string | string[] {
  if (!at) return '';
  return at.component ? [String(at.position), String(at.component)] : String(at.position);
}

/** 0085, 0013 and S011 of a UCI, UCF or UCM: empty when there is no error. */
function levelError(error: ContrlLevelError | undefined): (string | string[])[] {
  if (!error) return [];
  return [error.code, error.segment ?? '', position(error.element)];
}

function party(p: { id: string; qualifier?: string; routing?: string }): string[] {
  return [p.id, p.qualifier ?? '', p.routing ?? ''];
}

function messageResponse(message: ContrlMessage, where: string): EdifactSegmentInput[] {
  const { segments = [] } = message;
  if (message.action === '7' && (message.error || segments.length > 0)) {
    throw new FormatError(
      FORMAT,
      where,
      `message ${message.ref} is acknowledged (7) but has errors: an acknowledged message carries none`,
    );
  }
  if (message.action === '4' && !message.error && segments.length === 0) {
    throw new FormatError(FORMAT, where, `message ${message.ref} is rejected (4) without an error code`);
  }
  if (segments.length > 999) throw new FormatError(FORMAT, where, 'at most 999 UCS segments per UCM');
  const id = [message.type, message.version, message.release, message.agency];
  if (message.associationCode) id.push(message.associationCode);
  const out: EdifactSegmentInput[] = [
    { tag: 'UCM', elements: [message.ref, id, message.action, ...levelError(message.error)] },
  ];
  for (const segment of segments) {
    const elements = segment.elements ?? [];
    if (elements.length > 99) {
      throw new FormatError(FORMAT, `${where}/UCS ${segment.position}`, 'at most 99 UCD segments per UCS');
    }
    if (!segment.code && elements.length === 0) {
      throw new FormatError(FORMAT, `${where}/UCS ${segment.position}`, 'a UCS without an error code or UCD');
    }
    out.push({ tag: 'UCS', elements: [String(segment.position), segment.code ?? ''] });
    for (const element of elements) out.push({ tag: 'UCD', elements: [element.code, position(element)] });
  }
  return out;
}

function yymmdd(at: Date, century: boolean): string {
  return at
    .toISOString()
    .slice(century ? 0 : 2, 10)
    .replaceAll('-', '');
}

/**
 * The CONTRL interchange that answers `subject`: UNB from the subject's recipient to its sender (syntax identifier
 * and version, separators and test indicator as received, UNB 0020 `own.controlRef`), one CONTRL message (UNH
 * reference 1) with the UCI and a UCM per message, or a UCF per group. Throws FormatError when a fate cannot be
 * written as the standard says: a rejection without an error, an acknowledgement with errors, a receipt (8) that
 * names messages, messages and groups together, more UCS / UCD than the message allows.
 */
export function writeContrl(
  subject: ContrlSubject,
  own: ContrlEnvelope,
  options: Pick<EdifactWriteOptions, 'lineEnding' | 'byteOrderMark'> = {},
): Buffer {
  const where = `UCI ${subject.controlRef}`;
  const { messages = [], groups = [] } = subject;
  if (messages.length > 0 && groups.length > 0) {
    throw new FormatError(FORMAT, where, 'an interchange has messages (SG1) or groups (SG3), not both');
  }
  const all = messages.length > 0 ? messages : groups.flatMap((group) => group.messages);
  const action = subject.action ?? (subject.error ? '4' : levelAction(all));
  if (action === '8' && (messages.length > 0 || groups.length > 0)) {
    throw new FormatError(FORMAT, where, 'a receipt (UCI action 8) names no group or message');
  }
  if (action === '4' && !subject.error && !all.some((message) => message.action === '4')) {
    throw new FormatError(FORMAT, where, 'the interchange is rejected (4) without an error at any level');
  }
  const body: EdifactSegmentInput[] = [
    {
      tag: 'UCI',
      elements: [
        subject.controlRef,
        party(subject.sender),
        party(subject.recipient),
        action,
        ...levelError(subject.error),
      ],
    },
  ];
  messages.forEach((message, m) => {
    body.push(...messageResponse(message, `${where}/UCM#${m + 1}`));
  });
  groups.forEach((group, g) => {
    const groupWhere = `${where}/UCF#${g + 1}`;
    const groupAction = group.action ?? (group.error ? '4' : levelAction(group.messages));
    if (groupAction === '4' && !group.error && !group.messages.some((message) => message.action === '4')) {
      throw new FormatError(
        FORMAT,
        groupWhere,
        `group ${group.ref} is rejected (4) without an error at any level`,
      );
    }
    body.push({
      tag: 'UCF',
      elements: [
        group.ref,
        party(group.sender),
        party(group.recipient),
        groupAction,
        ...levelError(group.error),
      ],
    });
    group.messages.forEach((message, m) => {
      body.push(...messageResponse(message, `${groupWhere}/UCM#${m + 1}`));
    });
  });
  const v4 = subject.syntaxVersion === '4';
  const { version, release } = contrlIdentifier(subject.syntaxVersion);
  const separators = { ...subject.separators };
  // Syntax version 4's repetition separator is `*` unless a UNA says otherwise: data holding it is released.
  if (v4 && !separators.repetition) separators.repetition = '*';
  if (!v4) delete separators.repetition;
  return writeEdifact(
    {
      syntax: subject.syntax,
      syntaxVersion: subject.syntaxVersion,
      sender: subject.recipient,
      recipient: subject.sender,
      date: yymmdd(own.at, v4),
      time: own.at.toISOString().slice(11, 16).replace(':', ''),
      controlRef: String(own.controlRef),
      ...(subject.testIndicator ? { testIndicator: subject.testIndicator } : {}),
      messages: [{ ref: '1', type: 'CONTRL', version, release, agency: 'UN', segments: body }],
    },
    { ...options, separators, ...(subject.una ? { una: true } : {}) },
  );
}
