/**
 * What the runtime and its mapping threads post each other (mapping-pool.ts, mapping-worker.ts): a batch's inputs,
 * and the documents made of them. Each goes as one buffer of bytes and a table of numbers (both transferred, not
 * copied) and the batch's strings, not as thousands of objects cloned one by one; what does not fit a table goes as
 * it is.
 */
import type { OutgoingHeaders, OutgoingRecord } from '../../bus/index.ts';
import { FramedRecord, recordFrame } from '../../bus/transport/kafkajs-record-encoder.ts';
import type { ErrorLine } from '../../mappings/index.ts';
import type { DocumentInput, PreparedDocument } from './mapping-step.ts';

/**
 * A batch's inputs as a thread gets them: their bytes side by side in one buffer, each input's length and strings
 * in the table. Posted as objects, each input's Date and strings are cloned one by one (~2 µs a document on the
 * runtime's thread for 2,000 Shopify orders, as much again in the thread).
 */
export interface PackedInputs {
  bytes: ArrayBuffer;
  /** Per input: its byte length, which optional properties it has (flags), its format's and their strings' indexes. */
  table: Int32Array;
  strings: string[];
  /** Per input: its `receivedAt` as milliseconds, when it has one. */
  times: Float64Array;
}

// An input's flags: which of its optional properties it has.
const NAME = 1;
const SENDER = 2;
const RECEIVED_AT = 4;
const CORRELATION_ID = 8;
const DOCUMENT_ID = 16;
const WHERE = 32;

/** The optional text properties of an input, in the order of their strings in the table. */
const INPUT_TEXTS = [
  ['name', NAME],
  ['sender', SENDER],
  ['correlationId', CORRELATION_ID],
  ['documentId', DOCUMENT_ID],
  ['where', WHERE],
] as const;

/**
 * The inputs with their bytes copied side by side into one buffer, which is handed over to the thread (no second
 * copy): `spare`, one a thread gave back, when it is large enough, else a new one, its size rounded up to a power of
 * two so that it serves the next batches too (a fresh buffer of a batch's 2.4 MB page-faults in as it is written,
 * ~1.5 µs a 1 KB document, more than the copy). Posted as they are, each input's bytes would be cloned with the
 * whole buffer they are a view of: a webhook body is a view into the socket's 64 KB read buffer (64 KB cloned for a
 * 650-byte request, 12 % of the main thread's time in bench:webhooks with a mapping thread), a file's documents into
 * the whole file. The rest of each input goes in a table, unless an input has a property the table does not hold:
 * then the inputs go as objects, their bytes views of the buffer.
 */
export function packInputs(
  inputs: DocumentInput[],
  spare?: ArrayBuffer,
): { inputs: PackedInputs | DocumentInput[]; transfer: ArrayBuffer[] } {
  let size = 0;
  for (let i = 0; i < inputs.length; i++) size += inputs[i]!.bytes.byteLength;
  const buffer =
    spare && spare.byteLength >= size ? spare : new ArrayBuffer(size && 2 ** Math.ceil(Math.log2(size)));
  const all = new Uint8Array(buffer);
  let at = 0;
  // Indexed loops: this runs once a batch over thousands of inputs, mostly before V8 optimizes it, when a for-of
  // allocates an iterator result per element.
  for (let i = 0; i < inputs.length; i++) {
    all.set(inputs[i]!.bytes, at);
    at += inputs[i]!.bytes.byteLength;
  }
  const tabled = tableOf(inputs, buffer);
  if (tabled) return { inputs: tabled, transfer: [buffer] };
  at = 0;
  const views = inputs.map((input) => {
    const bytes = Buffer.from(buffer, at, input.bytes.byteLength);
    at += input.bytes.byteLength;
    return { ...input, bytes };
  });
  return { inputs: views, transfer: [buffer] };
}

/** The inputs' table; undefined when one has a property it does not hold (or one of another type). */
function tableOf(inputs: DocumentInput[], bytes: ArrayBuffer): PackedInputs | undefined {
  const table = new Int32Array(inputs.length * (3 + INPUT_TEXTS.length));
  const times = new Float64Array(inputs.length);
  const strings: string[] = [];
  // Mostly the same from input to input (the format, the sender): written once while it is.
  let lastFormat = -1;
  let lastSender = -1;
  let n = 0;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    for (const name in input) if (!INPUT_PROPERTIES.has(name)) return undefined;
    if (typeof input.format !== 'string') return undefined;
    table[n++] = input.bytes.byteLength;
    const flagsAt = n++;
    let flags = 0;
    if (lastFormat === -1 || strings[lastFormat] !== input.format)
      lastFormat = strings.push(input.format) - 1;
    table[n++] = lastFormat;
    for (let t = 0; t < INPUT_TEXTS.length; t++) {
      const name = INPUT_TEXTS[t]![0];
      const flag = INPUT_TEXTS[t]![1];
      const value = input[name];
      if (value === undefined) continue;
      if (typeof value !== 'string') return undefined;
      flags |= flag;
      if (name === 'sender') {
        if (lastSender === -1 || strings[lastSender] !== value) lastSender = strings.push(value) - 1;
        table[n++] = lastSender;
      } else table[n++] = strings.push(value) - 1;
    }
    if (input.receivedAt !== undefined) {
      if (!(input.receivedAt instanceof Date)) return undefined;
      flags |= RECEIVED_AT;
      times[i] = input.receivedAt.getTime();
    }
    table[flagsAt] = flags;
  }
  return { bytes, table: table.slice(0, n), strings, times };
}

const INPUT_PROPERTIES = new Set(['format', 'bytes', ...INPUT_TEXTS.map(([name]) => name), 'receivedAt']);

/** The inputs as the runtime had them (a property it had as undefined is left out), their bytes as Buffers. */
export function unpackInputs(packed: PackedInputs | DocumentInput[]): DocumentInput[] {
  if (Array.isArray(packed))
    // Buffers arrive as plain Uint8Arrays: viewed as Buffers again, without a copy.
    return packed.map((input) => ({ ...input, bytes: asBuffer(input.bytes) }));
  const { table, strings, times } = packed;
  const inputs: DocumentInput[] = [];
  let at = 0;
  let n = 0;
  for (let i = 0; n < table.length; i++) {
    const length = table[n++]!;
    const flags = table[n++]!;
    const input: DocumentInput = {
      format: strings[table[n++]!]!,
      bytes: Buffer.from(packed.bytes, at, length),
    };
    at += length;
    if (flags & NAME) input.name = strings[table[n++]!]!;
    if (flags & SENDER) input.sender = strings[table[n++]!]!;
    if (flags & CORRELATION_ID) input.correlationId = strings[table[n++]!]!;
    if (flags & DOCUMENT_ID) input.documentId = strings[table[n++]!]!;
    if (flags & WHERE) input.where = strings[table[n++]!]!;
    if (flags & RECEIVED_AT) input.receivedAt = new Date(times[i]!);
    inputs.push(input);
  }
  return inputs;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A mapping thread's documents as it hands them back: each record framed as Kafka writes it (its key, value and
 * headers, `recordFrame`), the frames side by side in one buffer, and the records themselves as a table of numbers
 * pointing into it and into the batch's topics. Both buffers are transferred, not copied. The runtime's own thread
 * gets each record as a FramedRecord, which the produce request encoder copies into the request behind its deltas: it
 * neither builds a record's headers as objects nor writes them again. For 2,000 Shopify orders (a 737-byte value and
 * nine CloudEvents headers each) the produce requests' encoding went from 3.3-4.3 to 1.2 µs a record on that thread,
 * and the thread's packing from 1.2 to 2.1 (it writes the headers' bytes, where it passed their strings). Posted as
 * objects, those orders cost the thread ~4 µs a record to clone and the runtime's own thread as much to rebuild.
 */
export interface PackedDocuments {
  bytes: ArrayBuffer;
  /** Per document: its record count and `published`, then each record (see `packDocuments`). */
  table: Int32Array;
  /** The batch's topics, each run of records to one topic once. */
  strings: string[];
  /** The dead-letter lines of the documents that have any, by the document's index (mostly none). */
  lines: Array<[number, ErrorLine[]]>;
}

// A record's flags: what it has besides its topic and frame.
const PARTITION = 1;

/** Offsets in the table are 32-bit. */
const MAX_BYTES = 0x7fffffff;

/** A record the table cannot hold as it is. */
class Unpackable extends Error {}

/**
 * Where a thread packs its batches: the frames and the table gathered in buffers reused from batch to batch (a fresh
 * buffer per batch page-faults as it is written), then copied out at their size.
 */
class Packer {
  private bytes = Buffer.allocUnsafeSlow(1 << 20);
  private at = 0;
  private table = new Int32Array(1 << 16);
  private n = 0;
  private strings: string[] = [];

  pack(documents: PreparedDocument[]): PackedDocuments | undefined {
    this.at = 0;
    this.n = 0;
    this.strings = [];
    const lines: Array<[number, ErrorLine[]]> = [];
    try {
      for (let index = 0; index < documents.length; index++) {
        const document = documents[index]!;
        this.int(document.records.length);
        this.int(document.published);
        if (document.deadLettered.length > 0) lines.push([index, document.deadLettered]);
        for (const record of document.records) this.record(record);
      }
    } catch (error) {
      if (error instanceof Unpackable) return undefined;
      throw error;
    }
    const bytes = Buffer.allocUnsafeSlow(this.at);
    this.bytes.copy(bytes, 0, 0, this.at);
    return {
      bytes: bytes.buffer as ArrayBuffer,
      table: this.table.slice(0, this.n),
      strings: this.strings,
      lines,
    };
  }

  /** Flags, topic, the frame's offset and length, and the partition when it has one. */
  private record(record: OutgoingRecord): void {
    if (!packable(record)) throw new Unpackable();
    const { key, value, headers, partition } = record;
    const framedHeaders = headers && frameHeaders(headers);
    if (headers && !framedHeaders) throw new Unpackable();
    this.int(partition !== undefined ? PARTITION : 0);
    // Mostly the same topic as the record before: written once per run.
    const last = this.strings.length - 1;
    this.int(last >= 0 && this.strings[last] === record.topic ? last : this.strings.push(record.topic) - 1);
    this.byteRun(
      recordFrame({
        key: typeof key === 'string' || key === null ? key : asBuffer(key),
        value: value && asBuffer(value),
        headers: framedHeaders,
      }),
    );
    if (partition !== undefined) this.int(partition);
  }

  private int(value: number): void {
    if (this.n === this.table.length) {
      const grown = new Int32Array(this.table.length * 2);
      grown.set(this.table);
      this.table = grown;
    }
    this.table[this.n++] = value;
  }

  private byteRun(value: Uint8Array): void {
    const end = this.at + value.byteLength;
    if (end > MAX_BYTES) throw new Unpackable();
    if (end > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(MAX_BYTES, Math.max(this.bytes.length * 2, end)));
      this.bytes.copy(grown, 0, 0, this.at);
      this.bytes = grown;
    }
    this.bytes.set(value, this.at);
    this.int(this.at);
    this.int(value.byteLength);
    this.at = end;
  }
}

/**
 * The headers to frame: text and bytes only, their bytes as Buffers (a frame takes any other Uint8Array for text, as
 * kafkajs does); undefined when one is neither, or is named `__proto__` (no object's own property could hold it).
 */
function frameHeaders(headers: OutgoingHeaders): OutgoingHeaders | undefined {
  let buffers = true;
  for (const name in headers) {
    const value: unknown = headers[name];
    if (name === '__proto__') return undefined;
    if (typeof value === 'string' || Buffer.isBuffer(value)) continue;
    if (!(value instanceof Uint8Array)) return undefined;
    buffers = false;
  }
  if (buffers) return headers;
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : asBuffer(value),
    ]),
  );
}

const packer = new Packer();

/**
 * The documents packed; undefined when a record is not of the shape the table holds (a property other than topic,
 * key, value, headers, partition and id, or of another type) or the batch's bytes pass 2 GiB: those are posted as
 * they are. A record's `id` (the publisher's) is not kept: its `ce_id` header has it, and nothing after the thread
 * reads it.
 */
export function packDocuments(documents: PreparedDocument[]): PackedDocuments | undefined {
  return packer.pack(documents);
}

/** The documents as `packDocuments` had them: each record a FramedRecord of the same topic, bytes and partition. */
export function unpackDocuments(packed: PackedDocuments): PreparedDocument[] {
  const { table, strings } = packed;
  const all = Buffer.from(packed.bytes);
  let i = 0;
  const documents: PreparedDocument[] = [];
  while (i < table.length) {
    const count = table[i++]!;
    const published = table[i++]!;
    const records: OutgoingRecord[] = new Array(count);
    for (let r = 0; r < count; r++) {
      const flags = table[i++]!;
      const topic = strings[table[i++]!]!;
      const start = table[i++]!;
      const frame = all.subarray(start, start + table[i++]!);
      records[r] = new FramedRecord(topic, frame, flags & PARTITION ? table[i++]! : undefined);
    }
    documents.push({ records, published, deadLettered: [] });
  }
  for (const [index, lines] of packed.lines) documents[index]!.deadLettered = lines;
  return documents;
}

/** Whether the table holds the record as it is: only its known properties, each of a type it keeps. */
function packable(record: OutgoingRecord): boolean {
  for (const name in record) {
    const value = (record as unknown as Record<string, unknown>)[name];
    switch (name) {
      case 'topic':
        if (typeof value !== 'string') return false;
        break;
      case 'key':
        if (value !== null && typeof value !== 'string' && !(value instanceof Uint8Array)) return false;
        break;
      case 'value':
        if (value !== null && !(value instanceof Uint8Array)) return false;
        break;
      case 'partition':
        if (!Number.isInteger(value) || (value as number) < -1 || (value as number) > 0x7fffffff)
          return false;
        break;
      case 'id':
        if (typeof value !== 'string') return false;
        break;
      case 'headers':
        // Its values are looked at as it is framed (frameHeaders).
        if (typeof value !== 'object' || value === null) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
