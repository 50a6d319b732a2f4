import { FormatError } from '../../../formats/types.ts';
import { detectSeparators } from '../../../formats/x12/tokenizer.ts';
import { rawElement, SegmentSplitter, type SegmentSyntax, tagOf } from './segments.ts';
import {
  bomLength,
  isWhitespaceByte,
  NotEnvelopeError,
  type PieceTrailers,
  type SplitPiece,
  type TrailerCount,
} from './types.ts';

/** Enough bytes to hold any ISA (a padded one is 106 characters, the reader allows 400). */
const HEAD_BYTES = 1024;

/**
 * Splits an X12 file into one interchange per ST..SE set: the set keeps its own ISA and GS segments and gets a
 * GE and IEA with count 1, so each piece reads with `x12-850` / `x12-856` and keeps its id (ISA13/ST02).
 * Separators come from each interchange's ISA, as the reader takes them.
 */
export class X12Splitter extends SegmentSplitter {
  private element = '';
  private elementBytes = Buffer.alloc(0);
  private isa: Buffer | undefined;
  private gs: Buffer | undefined;
  /** The trailers every piece of the current interchange / group gets (count 1, the header's control number). */
  private iea = Buffer.alloc(0);
  private ge = Buffer.alloc(0);
  /** ISA13 of the interchange read (trimmed, as its reader takes it): the first half of its sets' ids. */
  private isa13 = '';
  private isaNumber = 0;
  private gsNumber = 0;
  private stNumber = 0;
  /**
   * GE01 / IEA01 as sent and the sets / groups counted, GE02 / IEA02 beside GS06 / ISA13, shared by the pieces of the
   * group / interchange.
   */
  private groupCount: TrailerCount = {};
  private interchangeCount: TrailerCount = {};

  /** File offset of the ISA whose separators are in use: the next ISA brings its own. */
  private isaOffset = -1;
  /** The interchange (group) read has had no IEA (GE) yet. */
  private interchangeOpen = false;
  private groupOpen = false;

  protected detect(buf: Buffer, final: boolean): { syntax: SegmentSyntax; start: number } | undefined {
    let start = bomLength(buf);
    while (start < buf.length && isWhitespaceByte(buf[start])) start++;
    if (buf.length - start < HEAD_BYTES && !final) return undefined;
    if (start >= buf.length) throw new NotEnvelopeError('x12', 'byte 0', 'empty file');
    this.isaOffset = start;
    return { syntax: this.separatorsAt(buf, start), start };
  }

  /** Every ISA declares its interchange's separators: a file of several interchanges may change them. */
  protected override restart(buf: Buffer, pos: number, offset: number, final: boolean) {
    if (buf[pos] !== 0x49 || buf[pos + 1] !== 0x53 || buf[pos + 2] !== 0x41 || offset === this.isaOffset)
      return undefined;
    if (buf.length - pos < HEAD_BYTES && !final) return 'more' as const;
    this.isaOffset = offset;
    return { syntax: this.separatorsAt(buf, pos), start: pos };
  }

  private separatorsAt(buf: Buffer, start: number): SegmentSyntax {
    const head = buf.toString('utf8', start, start + HEAD_BYTES);
    try {
      const separators = detectSeparators(head, 0, 'x12');
      this.element = separators.element;
      this.elementBytes = Buffer.from(separators.element);
      return { terminator: Buffer.from(separators.segment) };
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      const message = error.message.slice(`${error.format}: ${error.location}: `.length);
      throw new NotEnvelopeError('x12', error.location, message, { cause: error });
    }
  }

  protected segment(bytes: Buffer, offset: number, out: SplitPiece[]): void {
    // Only ISA, GS, ST, SE, GE and IEA matter: most segments are told apart by their first byte alone.
    const first = bytes[0];
    const tag = first === 0x49 || first === 0x47 || first === 0x53 ? tagOf(bytes, this.elementBytes) : '';
    switch (tag) {
      case 'ISA':
        this.closeAll(out, 'ISA');
        this.endInterchange(out, `the next ISA (byte ${offset}) came first`);
        this.holdInterchange();
        this.interchangeOpen = true;
        this.isa = bytes;
        this.isa13 = rawElement(bytes, this.element, 13).trim();
        this.iea = Buffer.from(`IEA${this.element}1${this.element}${this.isa13}`);
        this.gs = undefined;
        this.isaNumber++;
        this.gsNumber = 0;
        this.interchangeCount = {};
        return;
      case 'GS':
        this.closeAll(out, 'GS');
        this.endGroup(`the next GS (byte ${offset}) came first`);
        this.groupOpen = true;
        this.gs = bytes;
        this.ge = Buffer.from(
          `GE${this.element}1${this.element}${rawElement(bytes, this.element, 6).trim()}`,
        );
        this.gsNumber++;
        this.heldGroup = this.gsNumber;
        this.stNumber = 0;
        this.groupCount = {};
        return;
      case 'ST':
        this.closeAll(out, 'ST');
        this.stNumber++;
        this.begin(
          `ISA#${this.isaNumber}/GS#${this.gsNumber}/ST#${this.stNumber} (byte ${offset})`,
          false,
          this.setId(bytes),
        );
        this.add(bytes, out);
        return;
      case 'SE':
        if (this.open && !this.open.junk) {
          this.add(bytes, out);
          this.close(out, false);
          return;
        }
        break;
      case 'GE':
      case 'IEA': {
        // The pieces get their own trailers; these end what is open, and their counts go to the acknowledgment.
        this.closeAll(out, tag);
        if (tag === 'IEA') this.endGroup(`the IEA (byte ${offset}) came first`);
        const count = tag === 'GE' ? this.groupCount : this.interchangeCount;
        count.declared = rawElement(bytes, this.element, 1).trim();
        count.counted = tag === 'GE' ? this.stNumber : this.gsNumber;
        count.reference = rawElement(bytes, this.element, 2).trim();
        count.headerReference =
          tag === 'GE' ? (this.gs ? rawElement(this.gs, this.element, 6).trim() : undefined) : this.isa13;
        if (tag === 'GE') this.groupOpen = false;
        else {
          this.interchangeOpen = false;
          this.releaseHeld(out);
        }
        return;
      }
    }
    if (!this.open) {
      this.begin(`ISA#${this.isaNumber}/GS#${this.gsNumber} (byte ${offset}): segments outside ST..SE`, true);
    }
    this.add(bytes, out);
  }

  /**
   * The group ends (a GS, an IEA, an ISA or the end of the file): without its GE it was cut short, and its sets are
   * refused with why (the interchange's acknowledgment says so: AK9 R, AK905 3).
   */
  private endGroup(why: string): void {
    if (!this.groupOpen) return;
    this.groupOpen = false;
    this.groupCount.missing = true;
    this.refuseHeld(
      `truncated: ISA#${this.isaNumber}/GS#${this.gsNumber} has no GE (${why}): its sets are not read`,
      this.gsNumber,
    );
  }

  /**
   * The interchange ends at the next ISA or the end of the file: without its IEA it was cut short (a transfer broken
   * off), and all its sets are refused with why (its acknowledgment is a TA1 R 023); then they go out.
   */
  private endInterchange(out: SplitPiece[], why: string): void {
    if (!this.interchangeOpen) return;
    this.endGroup(why);
    this.interchangeOpen = false;
    this.interchangeCount.missing = true;
    this.refuseHeld(`truncated: ISA#${this.isaNumber} has no IEA (${why}): its sets are not read`);
    this.releaseHeld(out);
  }

  /** `<ISA13>/<ST02>`, the set's id as the reader gives it (parse.ts); undefined when either is empty. */
  private setId(st: Buffer): string | undefined {
    const st02 = rawElement(st, this.element, 2);
    return this.isa13 && st02 ? `${this.isa13}/${st02}` : undefined;
  }

  private closeAll(out: SplitPiece[], tag: string): void {
    if (this.open && !this.open.junk) this.close(out, true, `truncated: ${tag} before the SE`);
    else this.close(out, true);
  }

  protected override trailers(): PieceTrailers {
    return { group: this.groupCount, interchange: this.interchangeCount };
  }

  protected wrap(body: Buffer[]): Buffer[] {
    const head: Buffer[] = [];
    if (this.isa) head.push(this.isa);
    if (this.gs) head.push(this.gs);
    const segments = head.concat(body);
    if (this.gs) segments.push(this.ge);
    if (this.isa) segments.push(this.iea);
    return segments;
  }

  protected finish(out: SplitPiece[]): void {
    if (this.open && !this.open.junk) this.close(out, true, 'truncated: the file ends before the SE');
    else this.close(out, true);
    this.endInterchange(out, 'the file ends first');
    if (this.emitted === 0) {
      throw new NotEnvelopeError('x12', 'end of file', 'no transaction set (ST..SE) in the file');
    }
  }
}
