import { FormatError, inInterchange, messageProblem } from '../types.ts';
import { element, elementName, type X12Segment, type X12Separators } from './segment.ts';
import { x12TrailerMismatches } from './trailers.ts';
import { ediDateProblem, ediTimeProblem, isInteger, widenTwoDigitYear } from './values.ts';

/** ISA fields mapping authors need. ISA02 / ISA04 (authorization and security passwords) are left out on purpose. */
/** X12 479 functional identifier codes of the transaction sets the hub reads, answers or often meets beside them. */
const FUNCTIONAL_IDS: Record<string, string> = {
  '810': 'IN',
  '820': 'RA',
  '830': 'PS',
  '846': 'IB',
  '850': 'PO',
  '852': 'PD',
  '855': 'PR',
  '856': 'SH',
  '860': 'PC',
  '865': 'CA',
  '940': 'OW',
  '945': 'SW',
  '997': 'FA',
  '999': 'FA',
};

export interface X12InterchangeInfo {
  $loc: string;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  date: string;
  time: string;
  /** ISA11: the repetition separator from 00402 on, the standards id `U` before. */
  standardsOrRepetition: string;
  version: string;
  controlNumber: string;
  acknowledgmentRequested: string;
  usage: string;
  separators: X12Separators;
  /**
   * What the interchange states but its content contradicts, and the reader accepted anyway, as EDI translators do:
   * a GE01 or IEA01 count that disagrees with the sets or groups it holds (each set passed its own SE checks). Each
   * names its segment; absent when none.
   */
  warnings?: string[];
}

export interface X12GroupInfo {
  $loc: string;
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  /** GS04 as CCYYMMDD; a YYMMDD one (versions before 004010) widened by `widenTwoDigitYear`. */
  date: string;
  time: string;
  controlNumber: string;
  agency: string;
  version: string;
}

export interface X12SetInfo {
  $loc: string;
  type: string;
  controlNumber: string;
  implementationReference?: string;
}

export interface X12Envelope {
  interchange: X12InterchangeInfo;
  group: X12GroupInfo;
  transactionSet: X12SetInfo;
}

/** One ST..SE set with its envelopes; `segments` runs from ST to SE inclusive. */
export interface X12TransactionSet {
  /** `ISA#1/GS#1/ST#2`: the prefix of every location inside the set. */
  path: string;
  envelope: X12Envelope;
  segments: X12Segment[];
  /**
   * Its SE01 count or SE02 control number disagrees with the set: the set's reader refuses it alone (parseX12Each),
   * the interchange's other sets are read.
   */
  problem?: FormatError;
}

class EnvelopeReader {
  private index = 0;
  private readonly segments: X12Segment[];
  /** Each interchange's separators, by its ISA: a file's interchanges may each have their own. */
  private readonly separators: ReadonlyMap<X12Segment, X12Separators>;
  private readonly format: string;
  constructor(segments: X12Segment[], separators: ReadonlyMap<X12Segment, X12Separators>, format: string) {
    this.segments = segments;
    this.separators = separators;
    this.format = format;
  }

  private fail(segment: X12Segment | undefined, message: string): never {
    const where =
      segment && (segment.$loc || `${segment.tag} (segment ${segment.segment}, line ${segment.line})`);
    throw new FormatError(this.format, where ?? 'end of file', message);
  }

  private next(expected: string, context: string): X12Segment {
    const segment = this.segments[this.index];
    if (segment === undefined) {
      const last = this.segments[this.segments.length - 1];
      throw new FormatError(
        this.format,
        `end of file (after ${last ? `${last.tag} (segment ${last.segment}, line ${last.line})` : 'nothing'})`,
        `truncated: ${context} has no ${expected}`,
      );
    }
    this.index++;
    return segment;
  }

  private checkCount(trailer: X12Segment, n: number, actual: number, what: string): void {
    const declared = element(trailer, n);
    if (!isInteger(declared) || Number(declared) !== actual) {
      this.fail(
        trailer,
        `control count mismatch: ${trailer.tag}0${n} says ${JSON.stringify(declared)} but there are ${actual} ${what}`,
      );
    }
  }

  /**
   * GE / IEA: a count that disagrees with the sets (groups) held or is no number, and a control number that is not the
   * header's, are accepted with a warning on the interchange, which every set of it carries
   * (`envelope.interchange.warnings`): each set passed its own SE01 / SE02 checks, and a transfer cut short loses the
   * trailer itself, which is refused. The file connector's 997 / TA1 say the same (trailers.ts).
   */
  private trailer(
    trailer: X12Segment,
    interchange: X12InterchangeInfo,
    counted: number,
    headerReference: string,
  ): void {
    const mismatches = x12TrailerMismatches({
      segment: trailer.tag as 'GE' | 'IEA',
      declared: element(trailer, 1),
      counted,
      reference: element(trailer, 2),
      headerReference,
    });
    if (mismatches.length === 0) return;
    interchange.warnings = [
      ...(interchange.warnings ?? []),
      ...mismatches.map((mismatch) => `${trailer.$loc}: ${mismatch.text}`),
    ];
  }

  /**
   * GS01 names the kind of sets its group holds (X12.6: a functional group holds sets of one functional identifier;
   * 850 PO, 856 SH…). A set of another kind is read all the same, its set header saying what it is, with a warning on
   * the interchange, once per group: the sender's translator files its sets under the wrong identifier, which the
   * partner's VAN or a strict receiver may reject.
   */
  private checkFunctionalGroup(
    gs: X12Segment,
    functionalId: string,
    setType: string,
    interchange: X12InterchangeInfo,
  ): void {
    const expected = FUNCTIONAL_IDS[setType];
    if (!expected || expected === functionalId) return;
    const warning = `${gs.$loc}: GS01 "${functionalId}" is not the functional identifier of ${setType} sets (${expected})`;
    if (interchange.warnings?.includes(warning)) return;
    interchange.warnings = [...(interchange.warnings ?? []), warning];
  }

  private checkReference(trailer: X12Segment, n: number, expected: string, header: string): void {
    const actual = element(trailer, n);
    if (actual.trim() !== expected.trim()) {
      this.fail(
        trailer,
        `control number mismatch: ${trailer.tag}0${n} ${JSON.stringify(actual)} differs from ${header} ${JSON.stringify(expected)}`,
      );
    }
  }

  read(): X12TransactionSet[] {
    const sets: X12TransactionSet[] = [];
    let interchangeNumber = 0;
    while (this.index < this.segments.length) {
      const isa = this.next('ISA', 'file');
      if (isa.tag !== 'ISA') this.fail(isa, `expected ISA, found ${isa.tag}`);
      interchangeNumber++;
      const interchangePath = `ISA#${interchangeNumber}`;
      isa.$loc = `${interchangePath} (segment ${isa.segment}, line ${isa.line})`;
      const interchange = this.interchangeInfo(isa);
      // An envelope error from here on names the interchange (ISA06, ISA13): its dead letter is keyed by it.
      inInterchange({ sender: interchange.senderId, controlNumber: interchange.controlNumber }, () =>
        this.readInterchange(isa, interchange, interchangePath, sets),
      );
    }
    if (sets.length === 0)
      throw new FormatError(this.format, 'end of file', 'no transaction set (ST..SE) in the file');
    return sets;
  }

  private readInterchange(
    isa: X12Segment,
    interchange: X12InterchangeInfo,
    interchangePath: string,
    sets: X12TransactionSet[],
  ): void {
    this.checkParties(isa);
    this.checkDateTime(isa, 9, 10);
    if (!/^\d{1,9}$/.test(interchange.controlNumber)) {
      this.fail(isa, `ISA13 control number ${JSON.stringify(interchange.controlNumber)} is not numeric`);
    }
    let groups = 0;
    for (;;) {
      const segment = this.next('IEA', interchangePath);
      segment.$loc = `${interchangePath}/${segment.tag} (segment ${segment.segment}, line ${segment.line})`;
      if (segment.tag === 'IEA') {
        this.trailer(segment, interchange, groups, interchange.controlNumber);
        return;
      }
      // TA1 interchange acknowledgments stand between ISA and the first GS (alone, or before a 997's groups): they
      // answer an interchange, not a set, and no reader takes them.
      if (segment.tag === 'TA1' && groups === 0) continue;
      if (segment.tag !== 'GS') this.fail(segment, `expected GS or IEA, found ${segment.tag}`);
      groups++;
      this.readGroup(segment, `${interchangePath}/GS#${groups}`, interchange, sets);
    }
  }

  private readGroup(
    gs: X12Segment,
    groupPath: string,
    interchange: X12InterchangeInfo,
    sets: X12TransactionSet[],
  ): void {
    gs.$loc = `${groupPath} (segment ${gs.segment}, line ${gs.line})`;
    const group: X12GroupInfo = {
      $loc: gs.$loc,
      functionalId: element(gs, 1),
      senderCode: element(gs, 2).trim(),
      receiverCode: element(gs, 3).trim(),
      // GS04 is YYMMDD before version 004010: given as CCYYMMDD, so a mapping reads one form.
      date: element(gs, 4).length === 6 ? widenTwoDigitYear(element(gs, 4)) : element(gs, 4),
      time: element(gs, 5),
      controlNumber: element(gs, 6),
      agency: element(gs, 7),
      version: element(gs, 8),
    };
    this.checkDateTime(gs, 4, 5);
    let count = 0;
    for (;;) {
      const segment = this.next('GE', groupPath);
      segment.$loc = `${groupPath}/${segment.tag} (segment ${segment.segment}, line ${segment.line})`;
      if (segment.tag === 'GE') {
        this.trailer(segment, interchange, count, group.controlNumber);
        return;
      }
      if (segment.tag !== 'ST') this.fail(segment, `expected ST or GE, found ${segment.tag}`);
      count++;
      sets.push(this.readSet(segment, `${groupPath}/ST#${count}`, interchange, group));
      this.checkFunctionalGroup(gs, group.functionalId, element(segment, 1), interchange);
    }
  }

  private readSet(
    st: X12Segment,
    path: string,
    interchange: X12InterchangeInfo,
    group: X12GroupInfo,
  ): X12TransactionSet {
    const start = this.index - 1;
    st.$loc = `${path}/ST (segment ${st.segment}, line ${st.line})`;
    for (;;) {
      const segment = this.next('SE', path);
      const { tag } = segment;
      if (tag !== 'SE' && tag !== 'ST' && tag !== 'GE' && tag !== 'IEA' && tag !== 'ISA') continue;
      segment.$loc = `${path}/${tag} (segment ${segment.segment}, line ${segment.line})`;
      if (tag !== 'SE')
        this.fail(segment, `truncated transaction set: ${tag} before the SE that closes ${st.$loc}`);
      const segments = this.segments.slice(start, this.index);
      // SE01 / SE02 speak of this set alone, whose end its SE marks: a disagreement refuses it, not its interchange.
      const problem = messageProblem(
        { sender: interchange.senderId, controlNumber: interchange.controlNumber },
        () => {
          this.checkCount(segment, 1, segments.length, 'segments from ST to SE');
          this.checkReference(segment, 2, element(st, 2), 'ST02');
        },
      );
      const transactionSet: X12SetInfo = {
        $loc: st.$loc,
        type: element(st, 1),
        controlNumber: element(st, 2),
      };
      if (element(st, 3)) transactionSet.implementationReference = element(st, 3);
      return {
        path,
        envelope: { interchange, group, transactionSet },
        segments,
        ...(problem ? { problem } : {}),
      };
    }
  }

  /**
   * ISA06 / ISA08, the interchange sender's and receiver's ids, are mandatory: a blank one (15 spaces) would make the
   * partner unknown (the mappings' system `edi:`) and an acknowledgment unaddressable, so it is refused at its element.
   */
  private checkParties(isa: X12Segment): void {
    for (const [n, what] of [
      [6, 'interchange sender id'],
      [8, 'interchange receiver id'],
    ] as const) {
      if (element(isa, n).trim() === '') {
        throw new FormatError(
          this.format,
          `${isa.$loc}, element ${elementName(isa, n)}`,
          `${elementName(isa, n)} (${what}) is mandatory but blank`,
        );
      }
    }
  }

  /** ISA09/ISA10 and GS04/GS05: a day and a time the calendar has, refused at the element otherwise. */
  private checkDateTime(segment: X12Segment, dateElement: number, timeElement: number): void {
    for (const [n, problem] of [
      [dateElement, ediDateProblem(element(segment, dateElement))],
      [timeElement, ediTimeProblem(element(segment, timeElement))],
    ] as const) {
      if (problem) {
        throw new FormatError(
          this.format,
          `${segment.$loc}, element ${elementName(segment, n)}`,
          `${elementName(segment, n)} ${problem}`,
        );
      }
    }
  }

  private interchangeInfo(isa: X12Segment): X12InterchangeInfo {
    return {
      $loc: isa.$loc,
      senderQualifier: element(isa, 5).trim(),
      senderId: element(isa, 6).trim(),
      receiverQualifier: element(isa, 7).trim(),
      receiverId: element(isa, 8).trim(),
      date: element(isa, 9),
      time: element(isa, 10),
      standardsOrRepetition: element(isa, 11),
      version: element(isa, 12),
      controlNumber: element(isa, 13).trim(),
      acknowledgmentRequested: element(isa, 14),
      usage: element(isa, 15),
      separators: this.separators.get(isa) ?? { element: '*', component: '>', segment: '~' },
    };
  }
}

/**
 * Checks the ISA/GS/ST envelopes and every control count and number (SE01/SE02, GE01/GE02, IEA01/IEA02): a GE /
 * IEA count or control number that is off is a warning in `envelope.interchange.warnings` (README: control counts,
 * trailers.ts), an SE01 / SE02 one its set's `problem` (the set refused alone).
 */
export function readTransactionSets(
  segments: X12Segment[],
  separators: ReadonlyMap<X12Segment, X12Separators>,
  format: string,
): X12TransactionSet[] {
  return new EnvelopeReader(segments, separators, format).read();
}
