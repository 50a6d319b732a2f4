/**
 * A drop-in for kafkajs 2.2's Kafka record (v2 message format) encoder that writes each record into one
 * exactly-sized buffer. kafkajs's own allocates a zeroed 512-byte encoder per record and another per header,
 * a Buffer per varint and 64-bit Long arithmetic per timestamp: with the bus's nine CloudEvents headers that
 * cost more than the Avro encoding itself. kafkajs is in maintenance mode (pinned 2.2.x), so its internals do
 * not move; the output is byte-for-byte kafkajs's (checked against it in kafkajs-record-encoder.spec.ts). Installed by kafkajs-encoders.ts.
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

/** Text stays text until it is written into the record: no Buffer per key, header name or value. */
type Piece = Buffer | string | null;

function toPiece(value: Bytes): Piece {
  if (value == null) return null;
  return Buffer.isBuffer(value) || typeof value === 'string' ? value : String(value);
}

function byteLength(piece: Piece): number {
  if (piece === null) return -1;
  return typeof piece === 'string' ? Buffer.byteLength(piece, 'utf8') : piece.length;
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

/** Size of a varint-length-prefixed byte string of `length` bytes (-1: null). */
function sizeOfBytes(length: number): number {
  return length < 0 ? 1 : sizeOfUVarInt(zigZag(length)) + length;
}

/** Header names repeat on every record: their UTF-8 lengths are computed once. */
const nameLengths = new Map<string, number>();
function nameLength(name: string): number {
  let length = nameLengths.get(name);
  if (length === undefined) {
    length = Buffer.byteLength(name, 'utf8');
    if (nameLengths.size < 10_000) nameLengths.set(name, length);
  }
  return length;
}

export function encodeRecord({
  offsetDelta = 0,
  timestampDelta = 0,
  key,
  value,
  headers = {},
}: KafkaRecordInput): EncodedRecord {
  const keyPiece = toPiece(key);
  const valuePiece = toPiece(value);
  const keyLength = byteLength(keyPiece);
  const valueLength = byteLength(valuePiece);
  const names: string[] = [];
  const values: Piece[] = [];
  const lengths: number[] = [];
  const add = (name: string, one: Bytes) => {
    const piece = toPiece(one);
    names.push(name);
    values.push(piece);
    lengths.push(byteLength(piece));
  };
  for (const name in headers) {
    const entry = headers[name];
    if (Array.isArray(entry)) for (const one of entry) add(name, one);
    else add(name, entry);
  }
  const timestamp = zigZag(timestampDelta);
  const offset = zigZag(offsetDelta);
  let bodySize =
    1 +
    sizeOfUVarInt(timestamp) +
    sizeOfUVarInt(offset) +
    sizeOfBytes(keyLength) +
    sizeOfBytes(valueLength) +
    sizeOfUVarInt(zigZag(names.length));
  for (let i = 0; i < names.length; i++)
    bodySize += sizeOfBytes(nameLength(names[i]!)) + sizeOfBytes(lengths[i]!);
  const total = sizeOfUVarInt(zigZag(bodySize)) + bodySize;

  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  const writeUVarInt = (n: number) => {
    while (n >= 128) {
      buf[at++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[at++] = n;
  };
  const writeBytes = (piece: Piece, length: number) => {
    if (piece === null) return writeUVarInt(1); // zig-zag of -1
    writeUVarInt(zigZag(length));
    if (typeof piece === 'string') {
      // Short ASCII (every CloudEvents attribute) is copied a char at a time: cheaper than a native call.
      if (length === piece.length && length < 64)
        for (let i = 0; i < length; i++) buf[at + i] = piece.charCodeAt(i);
      else buf.write(piece, at, length, 'utf8');
    } else if (length < 64) {
      for (let i = 0; i < length; i++) buf[at + i] = piece[i]!;
    } else {
      piece.copy(buf, at);
    }
    at += length;
  };
  writeUVarInt(zigZag(bodySize));
  buf[at++] = 0; // attributes: none used
  writeUVarInt(timestamp);
  writeUVarInt(offset);
  writeBytes(keyPiece, keyLength);
  writeBytes(valuePiece, valueLength);
  writeUVarInt(zigZag(names.length));
  for (let i = 0; i < names.length; i++) {
    writeBytes(names[i]!, nameLength(names[i]!));
    writeBytes(values[i]!, lengths[i]!);
  }
  return { buf, offset: total, buffer: buf };
}

export const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
