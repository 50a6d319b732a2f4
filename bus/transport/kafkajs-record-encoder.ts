/**
 * A drop-in for kafkajs 2.2's Kafka record (v2 message format) encoder. kafkajs's own allocates a zeroed
 * 512-byte encoder per record and another per header, a Buffer per varint and string, and 64-bit Long
 * arithmetic per timestamp: with the bus's nine CloudEvents headers that cost more than the Avro encoding
 * itself. This one writes a record in one pass into a reused scratch buffer (short ASCII text a char at a time,
 * its length filled in afterwards), from where it is copied out at its exact size (`encodeRecord`) or straight into
 * the produce request (`recordBytes`). A record's key, value and headers can also be written ahead, elsewhere
 * (a mapping thread's `recordFrame`), and the record sent as a FramedRecord. kafkajs is in maintenance mode (pinned
 * 2.2.x), so its internals do not move; the output is byte-for-byte kafkajs's (kafkajs-record-encoder.spec.ts).
 * Installed by kafkajs-encoders.ts.
 */
type Bytes = Buffer | string | null | undefined;

export interface KafkaRecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, Bytes | Bytes[]>;
}

/** What kafkajs's RecordBatch reads from an encoded record: `buf` (checked to be a Buffer) and `buffer`. */
export interface EncodedRecord {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

/** kafkajs writes anything that is not a Buffer as the UTF-8 of its string form. */
function toPiece(value: Bytes): Buffer | string | null {
  if (value == null) return null;
  return Buffer.isBuffer(value) || typeof value === 'string' ? value : String(value);
}

/** Zig-zag of a safe integer, as an unsigned number (exact below 2^52). */
function zigZag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function sizeOfUVarInt(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Room for the record's own length (a varint of at most 5 bytes) in front of its body. */
const LENGTH_ROOM = 5;
let scratch = Buffer.allocUnsafe(64 * 1024);
let at = 0;

function writeUVarInt(n: number): void {
  while (n >= 128) {
    scratch[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  scratch[at++] = n;
}

function writePiece(piece: Buffer | string | null): void {
  if (piece === null) {
    scratch[at++] = 1; // zig-zag of -1
    return;
  }
  const length = piece.length;
  if (typeof piece === 'string') {
    if (length < 64) {
      // Optimistically ASCII: one length byte, then the chars; anything else is written again below.
      const start = at;
      let i = 0;
      for (; i < length; i++) {
        const c = piece.charCodeAt(i);
        if (c >= 0x80) break;
        scratch[start + 1 + i] = c;
      }
      if (i === length) {
        scratch[start] = length * 2;
        at = start + 1 + length;
        return;
      }
    }
    const bytes = Buffer.byteLength(piece, 'utf8');
    writeUVarInt(zigZag(bytes));
    at += scratch.write(piece, at, bytes, 'utf8');
    return;
  }
  writeUVarInt(zigZag(length));
  if (length < 64) for (let i = 0; i < length; i++) scratch[at + i] = piece[i]!;
  else piece.copy(scratch, at);
  at += length;
}

/** An upper bound of the encoded size (UTF-8 takes at most 3 bytes per UTF-16 unit). */
function bound(piece: Buffer | string | null): number {
  if (piece === null) return 1;
  return 5 + (typeof piece === 'string' ? 3 * piece.length : piece.length);
}

export function encodeRecord(input: KafkaRecordInput): EncodedRecord {
  const bytes = recordBytes(input);
  const buf = Buffer.allocUnsafe(bytes.length);
  bytes.copy(buf);
  return { buf, offset: buf.length, buffer: buf };
}

/** The headers' count, as `frameBound` last found it. */
let headerCount = 0;

/** An upper bound of the size of a record's key, value and headers (`writeFrame`); counts the headers. */
function frameBound(
  keyPiece: Buffer | string | null,
  valuePiece: Buffer | string | null,
  headers: NonNullable<KafkaRecordInput['headers']>,
): number {
  let count = 0;
  let size = 5 + bound(keyPiece) + bound(valuePiece);
  for (const name in headers) {
    const entry = headers[name];
    const entries = Array.isArray(entry) ? entry.length : 1;
    count += entries;
    size += entries * bound(name);
    if (Array.isArray(entry)) for (const one of entry) size += bound(toPiece(one));
    else size += bound(toPiece(entry));
  }
  headerCount = count;
  return size;
}

/** The record's key, value and headers at `at`, as a v2 record has them after its deltas (`frameBound` first). */
function writeFrame(
  keyPiece: Buffer | string | null,
  valuePiece: Buffer | string | null,
  headers: NonNullable<KafkaRecordInput['headers']>,
): void {
  writePiece(keyPiece);
  writePiece(valuePiece);
  writeUVarInt(zigZag(headerCount));
  for (const name in headers) {
    const entry = headers[name];
    if (Array.isArray(entry)) {
      for (const one of entry) {
        writePiece(name);
        writePiece(toPiece(one));
      }
    } else {
      writePiece(name);
      writePiece(toPiece(entry));
    }
  }
}

function ensureScratch(size: number): void {
  if (size > scratch.length) scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(size)));
}

/**
 * The record's bytes as kafkajs writes them, in a view of the encoder's scratch buffer that the next record
 * overwrites: the caller copies them out at once (the produce request encoder, straight into its own scratch).
 */
export function recordBytes({
  offsetDelta = 0,
  timestampDelta = 0,
  key,
  value,
  headers = {},
}: KafkaRecordInput): Buffer {
  const keyPiece = toPiece(key);
  const valuePiece = toPiece(value);
  ensureScratch(LENGTH_ROOM + 1 + 10 + 10 + frameBound(keyPiece, valuePiece, headers));
  at = LENGTH_ROOM;
  scratch[at++] = 0; // attributes: none used
  writeUVarInt(zigZag(timestampDelta));
  writeUVarInt(zigZag(offsetDelta));
  writeFrame(keyPiece, valuePiece, headers);
  const bodySize = at - LENGTH_ROOM;
  const end = at;
  const start = LENGTH_ROOM - sizeOfUVarInt(zigZag(bodySize));
  at = start;
  writeUVarInt(zigZag(bodySize));
  return scratch.subarray(start, end);
}

/**
 * A record's frame: its key, value and headers as a v2 record has them after its offset and timestamp deltas, the
 * part of its bytes that does not depend on the batch it goes into. Bytes are Buffers here (another Uint8Array would
 * be written as its text, as kafkajs writes anything that is not a Buffer). A view of the encoder's scratch buffer
 * that the next record overwrites: the caller copies it out at once.
 */
export function recordFrame({ key, value, headers = {} }: KafkaRecordInput): Buffer {
  const keyPiece = toPiece(key);
  const valuePiece = toPiece(value);
  ensureScratch(frameBound(keyPiece, valuePiece, headers));
  at = 0;
  writeFrame(keyPiece, valuePiece, headers);
  return scratch.subarray(0, at);
}

/** Where `readPiece` reads next in a frame. */
let cursor = 0;

function readZigZag(frame: Buffer): number {
  let n = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = frame[cursor++]!;
    n |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  return (n >>> 1) ^ -(n & 1);
}

/** The frame's next length-prefixed piece (a view of it), null for a length of -1. */
function readPiece(frame: Buffer): Buffer | null {
  const length = readZigZag(frame);
  if (length < 0) return null;
  cursor += length;
  return frame.subarray(cursor - length, cursor);
}

function skipPiece(frame: Buffer): void {
  const length = readZigZag(frame);
  if (length > 0) cursor += length;
}

/**
 * A record whose frame (`recordFrame`) is written already, by a mapping thread (connectors/runtime/mapping-messages.ts):
 * the produce request encoder copies its frame behind the deltas (`writeFramedRecord`) instead of writing its key,
 * value and headers again, and the thread that sends it never builds them as objects. They are read from the frame
 * when asked for (its key and value as views of it, its header values as bytes): the same record on the wire.
 */
export class FramedRecord {
  readonly topic: string;
  readonly frame: Buffer;
  declare readonly partition?: number;

  constructor(topic: string, frame: Buffer, partition?: number) {
    this.topic = topic;
    this.frame = frame;
    if (partition !== undefined) this.partition = partition;
  }

  get key(): Buffer | null {
    cursor = 0;
    return readPiece(this.frame);
  }

  get value(): Buffer | null {
    cursor = 0;
    skipPiece(this.frame);
    return readPiece(this.frame);
  }

  /** Its headers, each value as bytes; undefined when it has none. */
  get headers(): Record<string, Buffer> | undefined {
    const frame = this.frame;
    cursor = 0;
    skipPiece(frame);
    skipPiece(frame);
    const count = readZigZag(frame);
    if (count <= 0) return undefined;
    const headers: Record<string, Buffer> = {};
    for (let i = 0; i < count; i++) {
      const name = readPiece(frame)?.toString('utf8') ?? '';
      // A frame is written from a record's headers, whose values are text or bytes: never null.
      headers[name] = readPiece(frame) ?? Buffer.alloc(0);
    }
    return headers;
  }
}

function writeUVarIntAt(out: Buffer, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** The most bytes `writeFramedRecord` writes in front of the frame. */
export const FRAMED_RECORD_HEAD = LENGTH_ROOM + 1 + 10 + 10;

/**
 * A framed record's bytes in a batch, at `at` of `out` (with FRAMED_RECORD_HEAD bytes of room besides its frame):
 * its length, attributes and deltas, then its frame; where it ends. The same bytes as `recordBytes` of its key, value
 * and headers.
 */
export function writeFramedRecord(
  out: Buffer,
  at: number,
  record: FramedRecord,
  offsetDelta: number,
  timestampDelta: number,
): number {
  const frame = record.frame;
  const timestamp = zigZag(timestampDelta);
  const offset = zigZag(offsetDelta);
  const bodySize = 1 + sizeOfUVarInt(timestamp) + sizeOfUVarInt(offset) + frame.length;
  at = writeUVarIntAt(out, at, zigZag(bodySize));
  out[at++] = 0; // attributes: none used
  at = writeUVarIntAt(out, at, timestamp);
  at = writeUVarIntAt(out, at, offset);
  return at + frame.copy(out, at);
}

export const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
