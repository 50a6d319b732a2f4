import { createRequire } from 'node:module';
import { encodeRecordBatch, RECORD_BATCH_MODULE, type RecordBatchInput } from './kafkajs-batch-encoder.ts';
import {
  type ProduceRequestFactory,
  produceRequestWithBody,
  ROOM_IN_FRONT,
} from './kafkajs-produce-encoder.ts';
import { encodeRecord, RECORD_MODULE } from './kafkajs-record-encoder.ts';

const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
export const ENCODER_MODULE = 'kafkajs/src/protocol/encoder.js';
const NO_COMPRESSION = 0;

/**
 * Puts the bus's record, record batch and produce request encoders in place of kafkajs's, through Node's module
 * cache. It must run before kafkajs first loads its produce request module (lazily, at the first send), which takes
 * the first two by destructuring; if that already happened, nothing changes. kafkajs is pinned to 2.2.x in
 * maintenance mode, so these internals do not move; the specs compare the output with kafkajs's own byte for byte.
 */
export function installKafkajsEncoders(): boolean {
  const require = createRequire(import.meta.url);
  const Encoder = require(ENCODER_MODULE) as KafkajsEncoderClass;
  growWithoutZeroing(Encoder);
  writeEncoderInPlace(Encoder);
  const recordPath = require.resolve(RECORD_MODULE);
  const batchPath = require.resolve(RECORD_BATCH_MODULE);
  const producePath = require.resolve(PRODUCE_REQUEST_MODULE);
  if (require.cache[producePath]) return installed(require, recordPath, batchPath, producePath);
  require(recordPath);
  const record = require.cache[recordPath];
  const batch = require(batchPath) as { RecordBatch: (input: RecordBatchInput) => Promise<unknown> };
  if (!record) return false;
  record.exports = encodeRecord;
  const kafkajsBatch = batch.RecordBatch;
  // Compressed batches keep kafkajs's encoder: the codecs are its plug-ins.
  batch.RecordBatch = async (input) =>
    (input.compression ?? NO_COMPRESSION) === NO_COMPRESSION ? encodeRecordBatch(input) : kafkajsBatch(input);
  Object.defineProperty(batch.RecordBatch, 'eai', { value: true });
  // The produce request (v4 to v7 take v3's when they first load, after this): its body in one buffer.
  const kafkajsProduce = require(producePath) as ProduceRequestFactory;
  const produce = require.cache[producePath]!;
  produce.exports = produceRequestWithBody(kafkajsProduce, Encoder);
  Object.defineProperty(produce.exports, 'eai', { value: true });
  return true;
}

function installed(
  require: NodeJS.Require,
  recordPath: string,
  batchPath: string,
  producePath: string,
): boolean {
  const batch = require.cache[batchPath]?.exports as { RecordBatch?: { eai?: boolean } } | undefined;
  const produce = require.cache[producePath]?.exports as { eai?: boolean } | undefined;
  return (
    require.cache[recordPath]?.exports === encodeRecord &&
    batch?.RecordBatch?.eai === true &&
    produce?.eai === true
  );
}

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
  [ROOM_IN_FRONT]?: Buffer;
}

interface KafkajsEncoderClass {
  nextPowerOfTwo(value: number): number;
  prototype: KafkajsEncoder & {
    ensureAvailable: { eai?: boolean };
    writeEncoder: { eai?: boolean };
  };
}

/**
 * kafkajs's Encoder grows by doubling into a zero-filled Buffer.alloc, then copies what it holds. A produce request
 * of about 900 KB passes through four encoders (partition, topic, request, size prefix), each grown from 512 bytes:
 * some 8 MB zeroed per request, to be overwritten. Only the bytes before `offset` are ever read (`buffer` is
 * `buf.slice(0, offset)`, and every write first makes room, then writes at `offset`), so the grown buffer is
 * taken unzeroed (Buffer.allocUnsafe); the bytes sent are the same.
 */
function growWithoutZeroing(Encoder: KafkajsEncoderClass): void {
  if (Encoder.prototype.ensureAvailable.eai) return;
  const ensureAvailable = function (this: KafkajsEncoder, length: number): void {
    if (this.offset + length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
      this.buf.copy(grown, 0, 0, this.offset);
      this.buf = grown;
    }
  };
  Object.defineProperty(ensureAvailable, 'eai', { value: true });
  Encoder.prototype.ensureAvailable = ensureAvailable;
}

/**
 * kafkajs frames every request by copying its body twice: into an encoder holding the request header, then into one
 * holding the size (kafkajs/src/protocol/request.js, which its connection module binds at load, so it cannot be
 * replaced). A produce request's body is the whole request, and those two copies, each grown to the next power of
 * two, were two thirds of the bytes a webhook request allocated. Where the encoder written holds free room in front of
 * its bytes (`ROOM_IN_FRONT`, the produce request encoder's) and the bytes written so far fit there, they go in front
 * of it and this encoder becomes a view of that buffer, with the room left in front of it for the next framing. The
 * room is taken once, so a body framed twice is copied the second time. Same bytes as kafkajs's framing
 * (kafkajs-produce-encoder.spec.ts).
 */
function writeEncoderInPlace(Encoder: KafkajsEncoderClass): void {
  if (Encoder.prototype.writeEncoder.eai) return;
  const copying = Encoder.prototype.writeEncoder;
  const writeEncoder = function (this: KafkajsEncoder, value: KafkajsEncoder): KafkajsEncoder {
    const whole = value?.[ROOM_IN_FRONT];
    // Still a view of that buffer (an encoder written to after it grows into a new one).
    if (whole && Buffer.isBuffer(value.buf) && value.buf.buffer === whole.buffer) {
      const start = value.buf.byteOffset - whole.byteOffset;
      if (this.offset <= start && start + value.offset <= whole.length) {
        value[ROOM_IN_FRONT] = undefined;
        const begin = start - this.offset;
        this.buf.copy(whole, begin, 0, this.offset);
        this.buf = whole.subarray(begin, start + value.offset);
        this.offset = this.buf.length;
        this[ROOM_IN_FRONT] = whole;
        return this;
      }
    }
    return copying.call(this, value);
  };
  Object.defineProperty(writeEncoder, 'eai', { value: true });
  Encoder.prototype.writeEncoder = writeEncoder;
}
