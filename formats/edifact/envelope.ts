import { FormatError, inInterchange, messageProblem } from '../types.ts';
import { ediDateProblem, ediTimeProblem, isInteger } from '../x12/values.ts';
import {
  DEFAULT_SEPARATORS,
  type EdifactSegment,
  type EdifactSeparators,
  positionName,
  segmentLocation,
  value,
} from './segment.ts';
import type { TokenizedInterchange } from './tokenizer.ts';
import { type TrailerFacts, trailerMismatches } from './trailers.ts';

type Party = { id: string; qualifier?: string; routing?: string };

/** UNB fields; UNB06 (recipient's reference / password) is left out on purpose. */
export interface EdifactInterchangeInfo {
  $loc: string;
  syntax: string;
  syntaxVersion: string;
  sender: Party;
  recipient: Party;
  date: string;
  time: string;
  controlRef: string;
  applicationRef?: string;
  priority?: string;
  acknowledgementRequest?: string;
  agreementId?: string;
  testIndicator?: string;
  /** Whether a UNA set the separators (else the defaults apply). */
  una: boolean;
  separators: EdifactSeparators;
  /**
   * What the interchange states but its content contradicts, and the reader accepted anyway, as EDI translators do
   * (a UNZ01 / UNE01 count that disagrees with the messages or groups held, a UNZ02 / UNE02 reference that does not
   * repeat UNB05 / UNG05: formats/edifact/trailers.ts). Each names its segment; absent when none.
   */
  warnings?: string[];
}

export interface EdifactGroupInfo {
  $loc: string;
  functionalId: string;
  sender: string;
  recipient: string;
  date: string;
  time: string;
  ref: string;
}

export interface EdifactMessageInfo {
  $loc: string;
  ref: string;
  type: string;
  version: string;
  release: string;
  agency: string;
  associationCode?: string;
}

export interface EdifactEnvelope {
  interchange: EdifactInterchangeInfo;
  group?: EdifactGroupInfo;
  message: EdifactMessageInfo;
}

/** One UNH..UNT message; `segments` runs from UNH to UNT inclusive. */
export interface EdifactMessage {
  /** `UNB#1/UNH#2`: the prefix of every location inside the message. */
  path: string;
  envelope: EdifactEnvelope;
  segments: EdifactSegment[];
  /**
   * Its UNT01 count or UNT02 reference disagrees with the message: the message's reader refuses it alone
   * (parseEdifactEach), the interchange's other messages are read, as an X12 set's SE01 / SE02 (`X12TransactionSet`).
   */
  problem?: FormatError;
}

function party(segment: EdifactSegment, n: number): Party {
  const result: Party = { id: value(segment, n, 1) };
  if (value(segment, n, 2)) result.qualifier = value(segment, n, 2);
  if (value(segment, n, 3)) result.routing = value(segment, n, 3);
  return result;
}

function optional<T extends object>(target: T, fields: Record<string, string>): T {
  for (const [key, field] of Object.entries(fields))
    if (field !== '') (target as Record<string, string>)[key] = field;
  return target;
}

class EnvelopeReader {
  private index = 0;
  private readonly segments: EdifactSegment[];
  private readonly format: string;
  /** Each interchange's separators, by its UNB: a file's interchanges may each have their own UNA. */
  private readonly advices: Map<EdifactSegment, TokenizedInterchange['advice']>;
  private readonly messages: EdifactMessage[] = [];
  constructor(segments: EdifactSegment[], interchanges: readonly TokenizedInterchange[], format: string) {
    this.segments = segments;
    this.advices = new Map();
    for (const { unb, advice } of interchanges) if (unb) this.advices.set(unb, advice);
    this.format = format;
  }

  private fail(segment: EdifactSegment, message: string): never {
    throw new FormatError(this.format, segmentLocation(segment), message);
  }

  private next(path: string, expected: string): EdifactSegment {
    const segment = this.segments[this.index++];
    if (segment === undefined) {
      const last = this.segments[this.segments.length - 1];
      throw new FormatError(
        this.format,
        `end of file (after ${last ? `${last.tag} (segment ${last.segment}, line ${last.line})` : 'nothing'})`,
        `truncated: ${path} has no ${expected}`,
      );
    }
    segment.$loc = `${path}/${segment.tag} (segment ${segment.segment}, line ${segment.line})`;
    return segment;
  }

  private trailer(
    segment: EdifactSegment,
    actual: number,
    what: string,
    reference: string,
    referenceName: string,
  ): void {
    const count = value(segment, 1);
    if (!isInteger(count) || Number(count) !== actual) {
      this.fail(
        segment,
        `control count mismatch: ${segment.tag}01 says ${JSON.stringify(count)} but there are ${actual} ${what}`,
      );
    }
    this.reference(segment, reference, referenceName);
  }

  private reference(segment: EdifactSegment, reference: string, referenceName: string): void {
    if (value(segment, 2) !== reference) {
      this.fail(
        segment,
        `control reference mismatch: ${segment.tag}02 ${JSON.stringify(value(segment, 2))} differs from ${referenceName} ${JSON.stringify(reference)}`,
      );
    }
  }

  /**
   * UNZ / UNE: a count that disagrees with the messages (or groups) held, or is no number, and a reference that does
   * not repeat the header's, are accepted with a warning on the interchange, which every message of it carries
   * (`envelope.interchange.warnings`): the messages themselves passed their own UNT checks. The file connector's
   * CONTRL says the same at the UCI / UCF (29, 28), both from `trailerMismatches`.
   */
  private closing(
    segment: EdifactSegment,
    interchange: EdifactInterchangeInfo,
    facts: Omit<TrailerFacts, 'declared' | 'reference'>,
  ): void {
    const mismatches = trailerMismatches({
      ...facts,
      declared: value(segment, 1),
      reference: value(segment, 2),
    });
    if (mismatches.length === 0) return;
    interchange.warnings = [
      ...(interchange.warnings ?? []),
      ...mismatches.map((mismatch) => `${segment.$loc}: ${mismatch.text}`),
    ];
  }

  read(): EdifactMessage[] {
    let interchanges = 0;
    while (this.index < this.segments.length) {
      const unb = this.segments[this.index++]!;
      if (unb.tag !== 'UNB') this.fail(unb, `expected UNB, found ${unb.tag}`);
      const path = `UNB#${++interchanges}`;
      unb.$loc = `${path} (segment ${unb.segment}, line ${unb.line})`;
      const interchange = this.interchangeInfo(unb);
      // An envelope error from here on names the interchange (UNB sender, 0020): its dead letter is keyed by it.
      inInterchange({ sender: interchange.sender.id, controlNumber: interchange.controlRef }, () =>
        this.readInterchange(unb, interchange, path),
      );
    }
    if (this.messages.length === 0)
      throw new FormatError(this.format, 'end of file', 'no message (UNH..UNT) in the file');
    return this.messages;
  }

  private readInterchange(unb: EdifactSegment, interchange: EdifactInterchangeInfo, path: string): void {
    this.checkParties(unb);
    this.checkDateTime(unb, 4);
    let messages = 0;
    let groups = 0;
    for (;;) {
      const segment = this.next(path, 'UNZ');
      if (segment.tag === 'UNZ') {
        this.closing(segment, interchange, {
          segment: 'UNZ',
          counted: groups > 0 ? groups : messages,
          headerReference: interchange.controlRef,
          grouped: groups > 0,
        });
        return;
      }
      if (segment.tag === 'UNH') {
        if (groups > 0) this.fail(segment, 'UNH outside a UNG..UNE group in an interchange that uses groups');
        this.readMessage(segment, `${path}/UNH#${++messages}`, interchange, undefined);
      } else if (segment.tag === 'UNG') {
        if (messages > 0) this.fail(segment, 'UNG after ungrouped messages');
        this.readGroup(segment, `${path}/UNG#${++groups}`, interchange);
      } else {
        this.fail(segment, `expected UNH, UNG or UNZ, found ${segment.tag}`);
      }
    }
  }

  /**
   * UNB02.1 / UNB03.1 (0004 sender, 0010 recipient identification) are mandatory: a blank one (`UNB+UNOB:3+ + +…`)
   * would make the partner unknown (the mappings' system `edi:`) and a CONTRL unaddressable: refused at its element.
   */
  private checkParties(unb: EdifactSegment): void {
    for (const [n, what] of [
      [2, 'interchange sender identification'],
      [3, 'interchange recipient identification'],
    ] as const) {
      if (value(unb, n, 1).trim() === '') {
        throw new FormatError(
          this.format,
          `${segmentLocation(unb)}, element ${positionName(unb, n, 1)}`,
          `${positionName(unb, n, 1)} (${what}) is mandatory but blank`,
        );
      }
    }
  }

  /** UNB/UNG date and time (S004: YYMMDD or CCYYMMDD, HHMM): a day and time the calendar has. */
  private checkDateTime(segment: EdifactSegment, n: number): void {
    const date = value(segment, n, 1);
    const time = value(segment, n, 2);
    const dateProblem = date === '' ? undefined : ediDateProblem(date);
    const timeProblem = time === '' ? undefined : ediTimeProblem(time);
    if (dateProblem || timeProblem) {
      const c = dateProblem ? 1 : 2;
      throw new FormatError(
        this.format,
        `${segmentLocation(segment)}, element ${positionName(segment, n, c)}`,
        `${positionName(segment, n, c)} ${dateProblem ?? timeProblem}`,
      );
    }
  }

  private readGroup(ung: EdifactSegment, path: string, interchange: EdifactInterchangeInfo): void {
    this.checkDateTime(ung, 4);
    const group: EdifactGroupInfo = {
      $loc: ung.$loc,
      functionalId: value(ung, 1),
      sender: value(ung, 2),
      recipient: value(ung, 3),
      date: value(ung, 4, 1),
      time: value(ung, 4, 2),
      ref: value(ung, 5),
    };
    let messages = 0;
    for (;;) {
      const segment = this.next(path, 'UNE');
      if (segment.tag === 'UNE') {
        this.closing(segment, interchange, { segment: 'UNE', counted: messages, headerReference: group.ref });
        return;
      }
      if (segment.tag !== 'UNH') this.fail(segment, `expected UNH or UNE, found ${segment.tag}`);
      this.readMessage(segment, `${path}/UNH#${++messages}`, interchange, group);
    }
  }

  private readMessage(
    unh: EdifactSegment,
    path: string,
    interchange: EdifactInterchangeInfo,
    group: EdifactGroupInfo | undefined,
  ): void {
    const start = this.index - 1;
    unh.$loc = `${path}/UNH (segment ${unh.segment}, line ${unh.line})`;
    const message = optional(
      {
        $loc: unh.$loc,
        ref: value(unh, 1),
        type: value(unh, 2, 1),
        version: value(unh, 2, 2),
        release: value(unh, 2, 3),
        agency: value(unh, 2, 4),
      },
      { associationCode: value(unh, 2, 5) },
    );
    for (;;) {
      const segment = this.segments[this.index++];
      if (segment === undefined) {
        throw new FormatError(
          this.format,
          `end of file (after segment ${this.segments[this.index - 2]?.segment})`,
          `truncated: ${unh.$loc} has no UNT`,
        );
      }
      const { tag } = segment;
      if (tag !== 'UNT' && tag !== 'UNH' && tag !== 'UNZ' && tag !== 'UNG' && tag !== 'UNE' && tag !== 'UNB')
        continue;
      segment.$loc = `${path}/${tag} (segment ${segment.segment}, line ${segment.line})`;
      if (tag !== 'UNT')
        this.fail(segment, `truncated message: ${tag} before the UNT that closes ${unh.$loc}`);
      const segments = this.segments.slice(start, this.index);
      // UNT01 / UNT02 speak of this message alone, whose end its UNT marks: a disagreement refuses it, not its
      // interchange.
      const problem = messageProblem(
        { sender: interchange.sender.id, controlNumber: interchange.controlRef },
        () => this.trailer(segment, segments.length, 'segments from UNH to UNT', message.ref, 'UNH01'),
      );
      const envelope: EdifactEnvelope = group ? { interchange, group, message } : { interchange, message };
      this.messages.push({ path, envelope, segments, ...(problem ? { problem } : {}) });
      return;
    }
  }

  private interchangeInfo(unb: EdifactSegment): EdifactInterchangeInfo {
    return optional(
      {
        $loc: unb.$loc,
        syntax: value(unb, 1, 1),
        syntaxVersion: value(unb, 1, 2),
        sender: party(unb, 2),
        recipient: party(unb, 3),
        date: value(unb, 4, 1),
        time: value(unb, 4, 2),
        controlRef: value(unb, 5),
        una: this.advices.get(unb)?.una ?? false,
        separators: this.advices.get(unb)?.separators ?? DEFAULT_SEPARATORS,
      } as EdifactInterchangeInfo,
      {
        applicationRef: value(unb, 7),
        priority: value(unb, 8),
        acknowledgementRequest: value(unb, 9),
        agreementId: value(unb, 10),
        testIndicator: value(unb, 11),
      },
    );
  }
}

/**
 * Checks UNB/UNG/UNH envelopes and every control count and reference (UNT, UNE, UNZ): a UNE / UNZ count or reference
 * that is off is a warning in `envelope.interchange.warnings` (trailers.ts), a UNT01 / UNT02 one its message's
 * `problem` (the message refused alone).
 */
export function readMessages(
  segments: EdifactSegment[],
  interchanges: readonly TokenizedInterchange[],
  format: string,
): EdifactMessage[] {
  return new EnvelopeReader(segments, interchanges, format).read();
}
