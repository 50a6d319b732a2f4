import { MAX_DOCUMENT_BYTES } from '../../../formats/text-input/decode.ts';
import { EMPTY, isFillerByte, type PieceTrailers, type SplitPiece, type Splitter } from './types.ts';

/** The separators a segment splitter needs, as bytes (a terminator may be several bytes long). */
export interface SegmentSyntax {
  terminator: Buffer;
  /** EDIFACT's release character: a terminator after an odd run of them is data. */
  release?: Buffer;
}

interface OpenPiece {
  parts: Buffer[];
  bytes: number;
  where: string;
  /** The id the format's reader gives the message (`SplitPiece.id`). */
  id: string | undefined;
  /** Segments outside any message: they become a broken piece of their own. */
  junk: boolean;
  /** Grew past the one-document limit: its head was emitted as a broken piece, the rest is skipped. */
  overflow: boolean;
}

/** The largest piece of markup without a terminator worth keeping in a broken piece's dead letter. */
const ABANDONED_HEAD_BYTES = 64 * 1024;

/**
 * The streaming half X12 and EDIFACT share: cuts chunks into segments at the terminator (skipping released ones and
 * whitespace between segments), keeps only the open piece's segments, and emits each piece wrapped by the format's
 * envelope. A format supplies separator detection, the segment state machine and the wrapping.
 */
export abstract class SegmentSplitter implements Splitter {
  private carry: Buffer = EMPTY;
  /** File offset of carry[0]. */
  private base = 0;
  private syntax: SegmentSyntax | undefined;
  private after: Buffer = EMPTY;
  /** Gave up on the file (a segment longer than the limit): everything after is ignored. */
  private dead = false;
  protected open: OpenPiece | undefined;
  /** Bytes every piece starts with (EDIFACT's UNA). */
  protected prefix: Buffer = EMPTY;
  /** Pieces emitted so far, broken ones included. */
  protected emitted = 0;
  protected readonly maxPieceBytes: number;
  /**
   * The pieces of the interchange being read, held until its trailer says it is complete (`holdInterchange`), with
   * the number of the group each is in; undefined when nothing is held (none asked, or it outgrew the limit).
   */
  private held: Array<{ piece: SplitPiece; group: number }> | undefined;
  private heldBytes = 0;
  /** The group the pieces emitted now are in (for `refuseHeld` of one group). */
  protected heldGroup = 0;

  constructor(maxPieceBytes = MAX_DOCUMENT_BYTES) {
    this.maxPieceBytes = maxPieceBytes;
  }

  /** Reads the separators from the file's head: undefined when more bytes are needed (never when `final`). */
  protected abstract detect(
    head: Buffer,
    final: boolean,
  ): { syntax: SegmentSyntax; start: number } | undefined;
  /** One segment (without its terminator) at file offset `offset`. */
  protected abstract segment(bytes: Buffer, offset: number, out: SplitPiece[]): void;
  /** The interchange around a piece's segments: header segments, the body, trailer segments. */
  protected abstract wrap(body: Buffer[]): Buffer[];
  /** The trailer counts the piece being emitted shares with its group and interchange (X12, EDIFACT), if the format keeps them. */
  protected trailers(): PieceTrailers | undefined {
    return undefined;
  }
  /** End of file: close what is open; throw NotEnvelopeError when nothing at all was found. */
  protected abstract finish(out: SplitPiece[]): void;
  /**
   * At a segment's start (file offset `offset`): a new interchange with separators of its own (a UNA, an ISA) gives
   * them and where its segments start; `more` when the bytes are not all there yet (never when `final`).
   */
  protected restart(
    _buf: Buffer,
    _pos: number,
    _offset: number,
    _final: boolean,
  ): { syntax: SegmentSyntax; start: number } | 'more' | undefined {
    return undefined;
  }

  push(chunk: Buffer): SplitPiece[] {
    return this.scan(this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk, false);
  }

  end(): SplitPiece[] {
    const out = this.scan(this.carry, true);
    this.carry = EMPTY;
    if (!this.dead) this.finish(out);
    return out;
  }

  private scan(buf: Buffer, final: boolean): SplitPiece[] {
    const out: SplitPiece[] = [];
    if (this.dead) return out;
    let pos = 0;
    if (!this.syntax) {
      const found = this.detect(buf, final);
      if (!found) {
        this.carry = buf;
        return out;
      }
      this.use(found.syntax);
      pos = found.start;
    }
    let { terminator, release } = this.syntax!;
    let lineBreaksAreData = terminator.includes(0x0a) || terminator.includes(0x0d);
    for (;;) {
      while (pos < buf.length && isFillerByte(buf[pos])) pos++;
      if (pos >= buf.length) break;
      const next = this.restart(buf, pos, this.base + pos, final);
      if (next === 'more') break;
      if (next) {
        this.use(next.syntax);
        ({ terminator, release } = next.syntax);
        lineBreaksAreData = terminator.includes(0x0a) || terminator.includes(0x0d);
        pos = next.start;
        continue;
      }
      const end = findTerminator(buf, pos, terminator, release);
      if (end === -1) {
        if (final) {
          this.segment(withoutLineBreaks(buf.subarray(pos), lineBreaksAreData), this.base + pos, out);
          pos = buf.length;
        }
        break;
      }
      this.segment(withoutLineBreaks(buf.subarray(pos, end), lineBreaksAreData), this.base + pos, out);
      pos = end + terminator.length;
    }
    const rest = buf.subarray(pos);
    if (rest.length > this.maxPieceBytes) {
      this.abandon(rest, this.base + pos, out);
      return out;
    }
    this.base += pos;
    // A copy, so the chunk the segments were cut from is not kept alive by a few trailing bytes.
    this.carry = Buffer.from(rest);
    return out;
  }

  private use(syntax: SegmentSyntax): void {
    this.syntax = syntax;
    const newline = syntax.terminator.includes(0x0a);
    this.after = newline ? syntax.terminator : Buffer.concat([syntax.terminator, Buffer.from('\n')]);
  }

  /** No terminator within the limit: the open piece goes out broken with the head of the rest, the file ends here. */
  private abandon(rest: Buffer, offset: number, out: SplitPiece[]): void {
    const note = `no segment terminator in the ${rest.length} bytes from byte ${offset}: the rest of the file is not read`;
    if (!this.open) this.begin(`byte ${offset}`, true);
    this.open!.parts.push(rest.subarray(0, ABANDONED_HEAD_BYTES));
    this.close(out, true, note);
    this.dead = true;
    this.carry = EMPTY;
  }

  protected begin(where: string, junk = false, id?: string): void {
    this.open = { parts: [], bytes: 0, where, id, junk, overflow: false };
  }

  protected add(segment: Buffer, out: SplitPiece[]): void {
    const open = this.open;
    if (!open || open.overflow) return;
    open.parts.push(segment);
    open.bytes += segment.length + this.after.length;
    if (open.bytes > this.maxPieceBytes) {
      this.emit(open, out, `over the ${this.maxPieceBytes}-byte limit for one document; the rest is skipped`);
      open.overflow = true;
      open.parts = [];
    }
  }

  /** Emits the open piece (unless its head already went out as an oversized one). */
  protected close(out: SplitPiece[], broken: boolean, note?: string): void {
    const open = this.open;
    this.open = undefined;
    if (!open || open.overflow) return;
    this.emit(open, out, broken ? (note ?? 'broken') : undefined);
  }

  private emit(open: OpenPiece, out: SplitPiece[], note: string | undefined): void {
    const segments = this.wrap(open.parts);
    const parts: Buffer[] = new Array(segments.length * 2 + 1);
    parts[0] = this.prefix;
    for (let i = 0; i < segments.length; i++) {
      parts[2 * i + 1] = segments[i]!;
      parts[2 * i + 2] = this.after;
    }
    this.emitted++;
    const trailers = this.trailers();
    const piece: SplitPiece = {
      bytes: Buffer.concat(parts),
      where: note ? `${open.where}: ${note}` : open.where,
      broken: note !== undefined,
      ...(trailers ? { trailers } : {}),
      ...(open.id !== undefined ? { id: open.id } : {}),
    };
    if (!this.held) {
      out.push(piece);
      return;
    }
    this.held.push({ piece, group: this.heldGroup });
    this.heldBytes += piece.bytes.length;
    // Bounded: an interchange bigger than the one-document limit is streamed as before, its pieces out at once.
    if (this.heldBytes > this.maxPieceBytes) this.releaseHeld(out, false);
  }

  /**
   * From here on, the pieces of the interchange that begins are held back until `releaseHeld` (its trailer came) or
   * `refuseHeld` (it was cut short), so that the sets of an interchange cut short are not mapped: as a whole file the
   * reader reads is refused for a missing trailer. At most the one-document limit of them: past it they go out at once.
   */
  protected holdInterchange(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  /** The held pieces go out as they are; `holdOn`: keep holding (the next group of the same interchange). */
  protected releaseHeld(out: SplitPiece[], holdOn = false): void {
    for (const { piece } of this.held ?? []) out.push(piece);
    this.held = holdOn ? [] : undefined;
    this.heldBytes = 0;
  }

  /**
   * The held pieces (of group `group` only, when given) go out refused with `reason`, the others stay held: those that
   * read are dead-lettered with it instead of being mapped; a broken one keeps the reader's own reason.
   */
  protected refuseHeld(reason: string, group?: number): void {
    for (const held of this.held ?? []) {
      if (group !== undefined && held.group !== group) continue;
      if (!held.piece.broken) held.piece.refused = reason;
    }
  }
}

/**
 * A segment without the CR / LF inside it when the terminator is not a line break: they are not data (files wrapped at
 * 80 characters a line cut segments in two), and the pieces put each segment on a line of its own.
 */
function withoutLineBreaks(segment: Buffer, lineBreaksAreData: boolean): Buffer {
  if (lineBreaksAreData || (segment.indexOf(0x0a) === -1 && segment.indexOf(0x0d) === -1)) return segment;
  return Buffer.from(segment.filter((byte) => byte !== 0x0a && byte !== 0x0d));
}

/** The next terminator at or after `from` that is not released (preceded by an odd run of release characters). */
export function findTerminator(buf: Buffer, from: number, terminator: Buffer, release?: Buffer): number {
  // A single byte searches much faster as a number than as a one-byte buffer.
  let end = terminator.length === 1 ? buf.indexOf(terminator[0]!, from) : buf.indexOf(terminator, from);
  if (!release || release.length === 0) return end;
  while (end !== -1) {
    let releases = 0;
    let at = end - release.length;
    while (at >= from && buf.compare(release, 0, release.length, at, at + release.length) === 0) {
      releases++;
      at -= release.length;
    }
    if (releases % 2 === 0) return end;
    end = terminator.length === 1 ? buf.indexOf(terminator[0]!, end + 1) : buf.indexOf(terminator, end + 1);
  }
  return -1;
}

/** A segment's tag: the bytes before the first element separator, when they are 2 or 3 characters. */
export function tagOf(segment: Buffer, element: Buffer): string {
  const head = segment.subarray(0, 3 + element.length);
  const i = head.indexOf(element);
  if (i === -1) return segment.length <= 3 ? segment.toString('latin1') : '';
  return segment.toString('latin1', 0, i);
}

/** Element n (1-based) of a segment as raw text, splitting at element separators that are not released. */
export function rawElement(segment: Buffer, element: string, n: number, release = ''): string {
  const text = segment.toString('utf8');
  let index = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (release && text.startsWith(release, i)) {
      i += release.length;
      continue;
    }
    if (text.startsWith(element, i)) {
      if (index === n) return text.slice(start, i);
      index++;
      start = i + element.length;
      i += element.length - 1;
    }
  }
  return index === n ? text.slice(start) : '';
}
