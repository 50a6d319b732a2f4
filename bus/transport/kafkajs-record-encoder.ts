import { createRequire } from 'node:module';

/**
 * A drop-in for kafkajs 2.2's Kafka record (v2 message format) encoder that writes each record into one
 * exactly-sized buffer. kafkajs's own allocates a zeroed 512-byte encoder per record and another per header,
 * a Buffer per varint and 64-bit Long arithmetic per timestamp: with the bus's nine CloudEvents headers that
 * cost more than the Avro encoding itself. kafkajs is in maintenance mode (pinned 2.2.x), so its internals do
 * not move; the output is byte-for-byte kafkajs's (checked against it in kafkajs-record-encoder.spec.ts).
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

function toBytes(value: Bytes): Buffer | null {
  if (value == null) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
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

function sizeOfBytes(bytes: Buffer | null): number {
  return bytes === null ? 1 : sizeOfUVarInt(zigZag(bytes.length)) + bytes.length;
}

export function encodeRecord({
  offsetDelta = 0,
  timestampDelta = 0,
  key,
  value,
  headers = {},
}: KafkaRecordInput): EncodedRecord {
  const keyBytes = toBytes(key);
  const valueBytes = toBytes(value);
  const headerBytes: Array<[Buffer, Buffer | null]> = [];
  for (const name of Object.keys(headers)) {
    const entry = headers[name];
    const nameBytes = Buffer.from(name, 'utf8');
    for (const one of Array.isArray(entry) ? entry : [entry]) headerBytes.push([nameBytes, toBytes(one)]);
  }
  const timestamp = zigZag(timestampDelta);
  const offset = zigZag(offsetDelta);
  let bodySize =
    1 +
    sizeOfUVarInt(timestamp) +
    sizeOfUVarInt(offset) +
    sizeOfBytes(keyBytes) +
    sizeOfBytes(valueBytes) +
    sizeOfUVarInt(zigZag(headerBytes.length));
  for (const [name, bytes] of headerBytes) bodySize += sizeOfBytes(name) + sizeOfBytes(bytes);
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
  const writeBytes = (bytes: Buffer | null) => {
    if (bytes === null) return writeUVarInt(1); // zig-zag of -1
    writeUVarInt(zigZag(bytes.length));
    bytes.copy(buf, at);
    at += bytes.length;
  };
  writeUVarInt(zigZag(bodySize));
  buf[at++] = 0; // attributes: none used
  writeUVarInt(timestamp);
  writeUVarInt(offset);
  writeBytes(keyBytes);
  writeBytes(valueBytes);
  writeUVarInt(zigZag(headerBytes.length));
  for (const [name, bytes] of headerBytes) {
    writeBytes(name);
    writeBytes(bytes);
  }
  return { buf, offset: total, buffer: buf };
}

export const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';

/**
 * Puts `encodeRecord` in place of kafkajs's record encoder. It must run before kafkajs first loads its produce
 * request module (it does so lazily, at the first send); if that already happened, nothing changes.
 */
export function installRecordEncoder(): boolean {
  const require = createRequire(import.meta.url);
  const recordPath = require.resolve(RECORD_MODULE);
  const producePath = require.resolve(PRODUCE_REQUEST_MODULE);
  if (require.cache[producePath]) return require.cache[recordPath]?.exports === encodeRecord;
  require(recordPath);
  const cached = require.cache[recordPath];
  if (!cached) return false;
  cached.exports = encodeRecord;
  return true;
}
