import { DEFAULT_SEPARATORS, type EdifactSeparators } from '../../../formats/edifact/segment.ts';
import { type InterchangeStart, readServiceStringAdvice } from '../../../formats/edifact/tokenizer.ts';
import { FormatError } from '../../../formats/types.ts';
import { rawElement, SegmentSplitter, type SegmentSyntax, tagOf } from './segments.ts';
import {
  bomLength,
  EMPTY,
  NotEnvelopeError,
  type PieceTrailers,
  type SplitPiece,
  type TrailerCount,
} from './types.ts';

/** Enough bytes for a UNA and the start of the UNB. */
const HEAD_BYTES = 1024;

/**
 * Splits an EDIFACT file into one interchange per UNH..UNT message: the message keeps the file's UNA, its UNB (and
 * UNG) and gets a UNE / UNZ with count 1, so each piece reads with `edifact-orders` / `edifact-desadv` and keeps its
 * id (UNB05/UNH01). Separators come from each interchange's UNA (or the defaults), as the reader takes them.
 */
export class EdifactSplitter extends SegmentSplitter {
  private element = '';
  private elementBytes = Buffer.alloc(0);
  private release = '';
  private unb: Buffer | undefined;
  private ung: Buffer | undefined;
  /** The trailers every piece of the current interchange / group gets (count 1, the header's reference). */
  private unz = Buffer.alloc(0);
  private une = Buffer.alloc(0);
  /** UNB 0020 of the interchange read: the first half of its messages' ids. */
  private controlRef = '';
  private unbNumber = 0;
  private ungNumber = 0;
  private unhNumber = 0;
  /**
   * UNE01 / UNZ01 as sent, the messages / groups counted and whether UNE02 / UNZ02 repeat UNG05 / UNB05, shared by
   * the pieces of the group / interchange (the acknowledgment reads them once the interchange is complete).
   */
  private groupCount: TrailerCount = {};
  private interchangeCount: TrailerCount = {};

  /** The separators in use, kept by a next interchange without UNA that uses them (as the reader does). */
  private separators: EdifactSeparators | undefined;
  /** The last segment was a UNZ: a UNB now starts an interchange whose separators are its own. */
  private afterUnz = false;
  /** The interchange (group) read has had no UNZ (UNE) yet. */
  private interchangeOpen = false;
  private groupOpen = false;

  protected detect(buf: Buffer, final: boolean): { syntax: SegmentSyntax; start: number } | undefined {
    const bom = bomLength(buf);
    if (buf.length - bom < HEAD_BYTES && !final) return undefined;
    return this.adviceAt(buf, bom, { from: 0, segment: 1 });
  }

  /** Each interchange's UNA (or, after a UNZ, a UNB without one) sets its separators: they may differ. */
  protected override restart(buf: Buffer, pos: number, _offset: number, final: boolean) {
    if (buf[pos] !== 0x55 || buf[pos + 1] !== 0x4e) return undefined;
    const una = buf[pos + 2] === 0x41;
    if (!una && !(this.afterUnz && buf[pos + 2] === 0x42)) return undefined;
    if (buf.length - pos < HEAD_BYTES && !final) return 'more' as const;
    this.afterUnz = false;
    const at = { from: 0, segment: 1, ...(this.separators ? { previous: this.separators } : {}) };
    return this.adviceAt(buf, pos, at);
  }

  private adviceAt(
    buf: Buffer,
    from: number,
    at: InterchangeStart,
  ): { syntax: SegmentSyntax; start: number } {
    const head = buf.toString('utf8', from, from + HEAD_BYTES);
    try {
      const advice = readServiceStringAdvice(head, 'edifact', at);
      const { separators } = advice;
      this.separators = separators;
      this.element = separators.element;
      this.elementBytes = Buffer.from(separators.element);
      this.release = separators.release;
      const start = from + Buffer.byteLength(head.slice(0, advice.start));
      // The UNA is not a segment like the others: every piece starts with it, as the interchange did (one that kept
      // the separators of the interchange before gets the UNA that declares them).
      const declared = head.indexOf('UNA');
      if (advice.una) this.prefix = Buffer.from(`${head.slice(declared, declared + 9)}\n`);
      else if (separators !== DEFAULT_SEPARATORS)
        this.prefix = Buffer.from(`${serviceStringAdvice(separators)}\n`);
      else this.prefix = EMPTY;
      const syntax: SegmentSyntax = { terminator: Buffer.from(separators.segment) };
      if (separators.release) syntax.release = Buffer.from(separators.release);
      return { syntax, start };
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      const message = error.message.slice(`${error.format}: ${error.location}: `.length);
      throw new NotEnvelopeError('edifact', error.location, message, { cause: error });
    }
  }

  protected segment(bytes: Buffer, offset: number, out: SplitPiece[]): void {
    this.afterUnz = false;
    // Only the UN* service segments matter: most segments are told apart by their first byte alone.
    const tag = bytes[0] === 0x55 ? tagOf(bytes, this.elementBytes) : '';
    switch (tag) {
      case 'UNB':
        this.closeAll(out, tag);
        this.endInterchange(out, `the next UNB (byte ${offset}) came first`);
        this.holdInterchange();
        this.interchangeOpen = true;
        this.unb = bytes;
        this.controlRef = this.value(bytes, 5);
        this.unz = Buffer.from(
          `UNZ${this.element}1${this.element}${rawElement(bytes, this.element, 5, this.release)}`,
        );
        this.ung = undefined;
        this.unbNumber++;
        this.ungNumber = 0;
        this.heldGroup = 0;
        this.unhNumber = 0;
        this.groupCount = {};
        this.interchangeCount = {};
        return;
      case 'UNG':
        this.closeAll(out, tag);
        this.endGroup(`the next UNG (byte ${offset}) came first`);
        this.groupOpen = true;
        this.ung = bytes;
        this.une = Buffer.from(
          `UNE${this.element}1${this.element}${rawElement(bytes, this.element, 5, this.release)}`,
        );
        this.ungNumber++;
        this.heldGroup = this.ungNumber;
        this.unhNumber = 0;
        this.groupCount = {};
        return;
      case 'UNH':
        this.closeAll(out, tag);
        this.unhNumber++;
        this.begin(`${this.where()}/UNH#${this.unhNumber} (byte ${offset})`, false, this.messageId(bytes));
        this.add(bytes, out);
        return;
      case 'UNT':
        if (this.open && !this.open.junk) {
          this.add(bytes, out);
          this.close(out, false);
          return;
        }
        break;
      case 'UNE':
        // The pieces get their own trailers; these end what is open, and their counts go to the acknowledgment.
        this.closeAll(out, tag);
        this.count(this.groupCount, bytes, this.ung, this.unhNumber);
        this.groupOpen = false;
        this.ung = undefined;
        return;
      case 'UNZ':
        this.closeAll(out, tag);
        this.endGroup(`the UNZ (byte ${offset}) came first`);
        this.count(
          this.interchangeCount,
          bytes,
          this.unb,
          this.ungNumber > 0 ? this.ungNumber : this.unhNumber,
        );
        this.afterUnz = true;
        this.interchangeOpen = false;
        this.releaseHeld(out);
        return;
    }
    if (!this.open) this.begin(`${this.where()} (byte ${offset}): segments outside UNH..UNT`, true);
    this.add(bytes, out);
  }

  /** A UNE / UNZ read: its count (UNE01 / UNZ01) as sent, what was counted, whether its reference is the header's. */
  private count(count: TrailerCount, trailer: Buffer, header: Buffer | undefined, counted: number): void {
    count.declared = rawElement(trailer, this.element, 1, this.release).trim();
    count.counted = counted;
    count.reference = this.value(trailer, 2);
    count.headerReference = header === undefined ? undefined : this.value(header, 5);
  }

  protected override trailers(): PieceTrailers {
    return { group: this.groupCount, interchange: this.interchangeCount };
  }

  /**
   * The group ends (a UNG, a UNZ, a UNB or the end of the file): without its UNE it was cut short, and its messages
   * are refused with why (the CONTRL rejects the group: UCF 4, 13 at the UNE).
   */
  private endGroup(why: string): void {
    if (!this.groupOpen) return;
    this.groupOpen = false;
    this.groupCount.missing = true;
    this.refuseHeld(
      `truncated: UNB#${this.unbNumber}/UNG#${this.ungNumber} has no UNE (${why}): its messages are not read`,
      this.ungNumber,
    );
    this.ung = undefined;
  }

  /**
   * The interchange ends at the next UNB or the end of the file: without its UNZ it was cut short (a transfer broken
   * off), and all its messages are refused with why (the CONTRL rejects it at the UCI: 4, 13 at the UNZ); then they
   * go out.
   */
  private endInterchange(out: SplitPiece[], why: string): void {
    if (!this.interchangeOpen) return;
    this.endGroup(why);
    this.interchangeOpen = false;
    this.interchangeCount.missing = true;
    this.refuseHeld(`truncated: UNB#${this.unbNumber} has no UNZ (${why}): its messages are not read`);
    this.releaseHeld(out);
  }

  /** `<UNB 0020>/<UNH 0062>`, the message's id as the reader gives it (parse.ts); undefined when either is empty. */
  private messageId(unh: Buffer): string | undefined {
    const reference = this.value(unh, 1);
    return this.controlRef && reference ? `${this.controlRef}/${reference}` : undefined;
  }

  /** Element `n`'s first component as the reader reads it: released characters as data. */
  private value(segment: Buffer, n: number): string {
    const raw = rawElement(segment, this.element, n, this.release);
    const component = this.separators?.component ?? DEFAULT_SEPARATORS.component;
    let text = '';
    for (let i = 0; i < raw.length; i++) {
      if (this.release && raw.startsWith(this.release, i) && i + this.release.length < raw.length) {
        i += this.release.length;
        text += raw[i];
        continue;
      }
      if (raw.startsWith(component, i)) break;
      text += raw[i];
    }
    return text;
  }

  private where(): string {
    return `UNB#${this.unbNumber}${this.ung ? `/UNG#${this.ungNumber}` : ''}`;
  }

  private closeAll(out: SplitPiece[], tag: string): void {
    if (this.open && !this.open.junk) this.close(out, true, `truncated: ${tag} before the UNT`);
    else this.close(out, true);
  }

  protected wrap(body: Buffer[]): Buffer[] {
    const head: Buffer[] = [];
    if (this.unb) head.push(this.unb);
    if (this.ung) head.push(this.ung);
    const segments = head.concat(body);
    if (this.ung) segments.push(this.une);
    if (this.unb) segments.push(this.unz);
    return segments;
  }

  protected finish(out: SplitPiece[]): void {
    if (this.open && !this.open.junk) this.close(out, true, 'truncated: the file ends before the UNT');
    else this.close(out, true);
    this.endInterchange(out, 'the file ends first');
    if (this.emitted === 0) {
      throw new NotEnvelopeError('edifact', 'end of file', 'no message (UNH..UNT) in the file');
    }
  }
}

/** `UNA:+.? '`: the service string advice that declares these separators. */
function serviceStringAdvice(separators: EdifactSeparators): string {
  const { component, element, decimal, release, repetition, segment } = separators;
  return `UNA${component}${element}${decimal}${release || ' '}${repetition || ' '}${segment}`;
}
