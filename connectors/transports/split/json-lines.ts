import { MAX_DOCUMENT_BYTES } from '../../../formats/text-input/decode.ts';
import { bomLength, isWhitespaceByte, NotEnvelopeError, type SplitPiece, type Splitter } from './types.ts';

const NEWLINE = 0x0a;
const CR = 0x0d;

/** What a line over the limit keeps in its dead letter: its head, enough to recognise it. */
const OVERLONG_HEAD_BYTES = 64 * 1024;

/**
 * Splits a JSON Lines file (one JSON value per line, jsonlines.org) into one piece per non-empty line, `\n` or
 * `\r\n` ended, the last line's newline optional. Nothing is parsed here: a line that is not valid JSON is handed
 * on as it is and its format reader refuses it (a dead letter), the lines after it flow. Memory holds one chunk and
 * the unfinished line; a line longer than the one-document limit comes out as a broken piece (its head) and the
 * rest of it is skipped. A file whose first line does not start a JSON object or array is not JSON lines at all.
 */
export class JsonLinesSplitter implements Splitter {
  private readonly maxPieceBytes: number;
  /** The unfinished line's parts (chunks end anywhere), and their length. */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** File offset of the unfinished line's first byte. */
  private lineStart = 0;
  /** File offset of the next chunk's first byte. */
  private offset = 0;
  private line = 1;
  /** The unfinished line went over the limit: its head was emitted, the rest up to the newline is skipped. */
  private overflow = false;
  private checked = false;
  private emitted = 0;

  constructor(maxPieceBytes = MAX_DOCUMENT_BYTES) {
    this.maxPieceBytes = maxPieceBytes;
  }

  push(chunk: Buffer): SplitPiece[] {
    const out: SplitPiece[] = [];
    let from = 0;
    const base = this.offset;
    this.offset += chunk.length;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, from);
      if (newline === -1) {
        this.keep(chunk.subarray(from), out);
        return out;
      }
      // A line whole in this chunk is cut out of it once: one view of the chunk per line.
      if (this.parts.length === 0 && !this.overflow && newline - from <= this.maxPieceBytes)
        this.cut(chunk, from, newline, out);
      else {
        this.keep(chunk.subarray(from, newline), out);
        this.finishLine(out);
      }
      from = newline + 1;
      this.lineStart = base + from;
      this.line++;
    }
  }

  end(): SplitPiece[] {
    const out: SplitPiece[] = [];
    this.finishLine(out);
    if (this.emitted === 0)
      throw new NotEnvelopeError('json-lines', 'byte 0', 'empty file: no JSON line in it');
    return out;
  }

  private keep(part: Buffer, out: SplitPiece[]): void {
    if (part.length === 0 || this.overflow) return;
    if (this.partBytes + part.length > this.maxPieceBytes) {
      const head = Buffer.concat([...this.parts, part]).subarray(0, OVERLONG_HEAD_BYTES);
      this.parts = [];
      this.partBytes = 0;
      this.overflow = true;
      this.emit(
        head,
        `line ${this.line} (byte ${this.lineStart}): over the ${this.maxPieceBytes}-byte limit for one document; the rest of the line is skipped`,
        true,
        out,
      );
      return;
    }
    // A part may be a view of the chunk: copied only when the line goes on in the next chunk (see finishLine).
    this.parts.push(part);
    this.partBytes += part.length;
  }

  private finishLine(out: SplitPiece[]): void {
    if (this.overflow) {
      this.overflow = false;
      return;
    }
    if (this.parts.length === 0) return;
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    this.cut(bytes, 0, bytes.length, out);
  }

  /** The line `bytes[from, to)`, trimmed, as a piece (a view of `bytes`). */
  private cut(bytes: Buffer, from: number, to: number, out: SplitPiece[]): void {
    let end = to;
    if (end > from && bytes[end - 1] === CR) end--;
    // A byte-order mark may only open the file; chunks can cut through it, so it is looked for in the first line.
    let start = from + (this.line === 1 && this.lineStart === 0 ? bomLength(bytes.subarray(from, to)) : 0);
    while (start < end && isWhitespaceByte(bytes[start])) start++;
    while (end > start && isWhitespaceByte(bytes[end - 1])) end--;
    if (start === end) return; // an empty line separates nothing
    const line = bytes.subarray(start, end);
    if (!this.checked) {
      this.checked = true;
      if (line[0] !== 0x7b && line[0] !== 0x5b)
        throw new NotEnvelopeError(
          'json-lines',
          `line ${this.line}`,
          'not JSON lines: the first line does not start a JSON object or array',
        );
    }
    this.emit(line, `line ${this.line} (byte ${this.lineStart + start - from})`, false, out);
  }

  private emit(bytes: Buffer, where: string, broken: boolean, out: SplitPiece[]): void {
    this.emitted++;
    out.push({ bytes, where, broken });
  }
}
