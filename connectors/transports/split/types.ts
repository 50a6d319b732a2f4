import { NonRetriableError } from '../../../lib/errors.ts';

/** One message cut out of a big file, re-wrapped so that it is a complete document of its format on its own. */
export interface SplitPiece {
  bytes: Buffer;
  /** Where the piece sits in the file, e.g. `ISA#1/GS#1/ST#3 (byte 10240)`: for logs and dead letters. */
  where: string;
  /** The piece could not be cut cleanly (truncated, broken envelope): the format reader will refuse it with a location. */
  broken: boolean;
  /**
   * X12, EDIFACT: the message's id as its reader gives it (`<ISA13>/<ST02>`, `<UNB 0020>/<UNH 0062>`), read from its
   * header segments: what the source keys a message it refuses itself with (truncated, duplicate), so that its dead
   * letter has the key the mapping step gives the dead letters of that message.
   */
  id?: string;
  /** X12, EDIFACT: the control counts of the piece's group and interchange, filled in once their trailers are read. */
  trailers?: PieceTrailers;
  /**
   * The piece reads, but what it came in was cut short (its interchange has no IEA / UNZ, its group no GE / UNE): it is not
   * mapped but dead-lettered with this reason, as the reader refuses such an interchange read whole.
   */
  refused?: string;
}

/**
 * A trailer's control count as sent (GE01, IEA01, UNE01, UNZ01) and what the splitter counted; both set once the
 * trailer is read.
 */
export interface TrailerCount {
  declared?: string;
  counted?: number;
  /** The trailer's reference (GE02, IEA02, UNE02, UNZ02) and its header's (GS06, ISA13, UNG05, UNB05), as read. */
  reference?: string;
  headerReference?: string;
  /** The trailer never came: the group (interchange) ended without it, at the next header or the end of the file. */
  missing?: boolean;
}

/**
 * The trailer counts of the group and the interchange a piece is in, each object shared by every piece of the same
 * group (interchange): a piece is handed out at its SE, before its GE and IEA are read, and the acknowledgment of an
 * interchange is written once it is complete, when they are.
 */
export interface PieceTrailers {
  group: TrailerCount;
  interchange: TrailerCount;
}

/**
 * A streaming splitter: fed a file chunk by chunk, it returns the pieces each chunk completed and holds only the
 * unfinished piece (at most the one-document limit) between calls.
 */
export interface Splitter {
  /** Takes the next chunk; returns the pieces it completed. Throws NotEnvelopeError when the file is not this format. */
  push(chunk: Buffer): SplitPiece[];
  /** The file ended: returns what is left (an unfinished piece comes out as a broken one). */
  end(): SplitPiece[];
}

export type SplitKind = 'x12' | 'edifact' | 'idoc-xml' | 'json-lines';

/** The file is not the format's envelope at all (no ISA, no UNB, no IDoc root, no JSON line): nothing in it can be read. */
export class NotEnvelopeError extends NonRetriableError {
  readonly location: string;
  constructor(kind: SplitKind, location: string, message: string, options: { cause?: unknown } = {}) {
    super(`${kind}: ${location}: ${message}`, options);
    this.location = location;
  }
}

export const EMPTY = Buffer.alloc(0);

/** UTF-8 byte-order mark. */
export function bomLength(buf: Buffer): number {
  return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

export function isWhitespaceByte(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Between EDI segments and after the last: white space, NUL and Ctrl-Z padding, as the readers take it (isFiller). */
export function isFillerByte(b: number | undefined): boolean {
  return isWhitespaceByte(b) || b === 0x00 || b === 0x1a;
}
