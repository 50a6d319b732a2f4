import { FormatError } from '../../../formats/types.ts';
import { detectSeparators } from '../../../formats/x12/tokenizer.ts';
import { rawElement, SegmentSplitter, type SegmentSyntax, tagOf } from './segments.ts';
import { bomLength, isWhitespaceByte, NotEnvelopeError, type SplitPiece } from './types.ts';

/** Enough bytes to hold any ISA (a padded one is 106 characters, the reader allows 400). */
const HEAD_BYTES = 1024;

/**
 * Splits an X12 file into one interchange per ST..SE set: the set keeps its own ISA and GS segments and gets a
 * GE and IEA with count 1, so each piece reads with `x12-850` / `x12-856` and keeps its id (ISA13/ST02).
 * Separators come from the first ISA, as the reader takes them.
 */
export class X12Splitter extends SegmentSplitter {
  private element = '';
  private elementBytes = Buffer.alloc(0);
  private isa: Buffer | undefined;
  private gs: Buffer | undefined;
  private isaNumber = 0;
  private gsNumber = 0;
  private stNumber = 0;

  protected detect(buf: Buffer, final: boolean): { syntax: SegmentSyntax; start: number } | undefined {
    let start = bomLength(buf);
    while (start < buf.length && isWhitespaceByte(buf[start])) start++;
    if (buf.length - start < HEAD_BYTES && !final) return undefined;
    if (start >= buf.length) throw new NotEnvelopeError('x12', 'byte 0', 'empty file');
    const head = buf.toString('utf8', start, start + HEAD_BYTES);
    try {
      const separators = detectSeparators(head, 0, 'x12');
      this.element = separators.element;
      this.elementBytes = Buffer.from(separators.element);
      return { syntax: { terminator: Buffer.from(separators.segment) }, start };
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      const message = error.message.slice(`${error.format}: ${error.location}: `.length);
      throw new NotEnvelopeError('x12', error.location, message, { cause: error });
    }
  }

  protected segment(bytes: Buffer, offset: number, out: SplitPiece[]): void {
    const tag = tagOf(bytes, this.elementBytes);
    const group = `ISA#${this.isaNumber}/GS#${this.gsNumber}`;
    switch (tag) {
      case 'ISA':
        this.closeAll(out, 'ISA');
        this.isa = bytes;
        this.gs = undefined;
        this.isaNumber++;
        this.gsNumber = 0;
        return;
      case 'GS':
        this.closeAll(out, 'GS');
        this.gs = bytes;
        this.gsNumber++;
        this.stNumber = 0;
        return;
      case 'ST':
        this.closeAll(out, 'ST');
        this.stNumber++;
        this.begin(`${group}/ST#${this.stNumber} (byte ${offset})`);
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
      case 'IEA':
        // The pieces get their own trailers; these only end what is open.
        this.closeAll(out, tag);
        return;
    }
    if (!this.open) this.begin(`${group} (byte ${offset}): segments outside ST..SE`, true);
    this.add(bytes, out);
  }

  private closeAll(out: SplitPiece[], tag: string): void {
    if (this.open && !this.open.junk) this.close(out, true, `truncated: ${tag} before the SE`);
    else this.close(out, true);
  }

  protected wrap(body: Buffer[]): Buffer[] {
    const e = this.element;
    const head: Buffer[] = [];
    if (this.isa) head.push(this.isa);
    if (this.gs) head.push(this.gs);
    const segments = head.concat(body);
    if (this.gs) segments.push(Buffer.from(`GE${e}1${e}${rawElement(this.gs, e, 6).trim()}`));
    if (this.isa) segments.push(Buffer.from(`IEA${e}1${e}${rawElement(this.isa, e, 13).trim()}`));
    return segments;
  }

  protected finish(out: SplitPiece[]): void {
    if (this.open && !this.open.junk) this.close(out, true, 'truncated: the file ends before the SE');
    else this.close(out, true);
    if (this.emitted === 0) {
      throw new NotEnvelopeError('x12', 'end of file', 'no transaction set (ST..SE) in the file');
    }
  }
}
