import { errorMessage, isRetriable, NonRetriableError, withoutValueMarks } from '../lib/errors.ts';
import { describeDeadLetter, RECORD_INDEX_HEADER } from './dlq.ts';
import type { AvroSerde } from './serde.ts';
import { DLQ_REDRIVEN_TOPIC, redrivenTopicSpec } from './topics.ts';
import type {
  Headers,
  IncomingRecord,
  OutgoingRecord,
  PartitionRange,
  Transport,
  TransportAdmin,
} from './transport/types.ts';
import { MAGIC_BYTE } from './wire.ts';

/**
 * Dead letters people can act on: list them (never their values), show one (headers and the value decoded), and
 * redrive a selection back to the topics they came from. Everything goes through the transport: no hub needed.
 */

/** What a list shows of one dead letter: where it is, where it came from, who refused it and why. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  /** When it was dead-lettered (the record's timestamp), ISO 8601. */
  timestamp: string;
  /** UTF-8 text when it is, else `base64:<…>`. */
  key: string | null;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  /** The consumer group or connector that refused it. */
  owner: string | null;
  stage: string | null;
  exceptionClass: string | null;
  message: string | null;
  /**
   * Whether `message` marks the document values it quotes (`quotedValue`); false for a letter written before the hub
   * marked them, whose message may quote them anywhere.
   */
  valuesMarked: boolean;
  attempts: number | null;
  /** The CloudEvents id it carries (`ce_id`), kept through a redrive. */
  ceId: string | null;
  /** A mapping letter's sending partner, as its envelope names it (`eai.document.sender`: ISA06, UNB sender, SNDPRN). */
  sender: string | null;
  /** Bytes of the value. */
  size: number;
}

export interface DeadLetterFilter {
  /** The consumer group or connector that refused it; several: any of them. */
  owner?: string | readonly string[];
  originalTopic?: string;
  /** A mapping letter's sending partner (`eai.document.sender`). */
  sender?: string;
  stage?: string;
  exceptionClass?: string;
  /** Text the exception message contains (case-insensitive). */
  text?: string;
  /**
   * The message as the caller reads it, which `text` is matched against: a viewer's copy without the values and the
   * answer body it quotes (the admin API's `messageFor`), so a search cannot tell what it hides; `valuesMarked` is
   * the entry's (false: a letter from before the marks). Default: whole, as a person reads it (`withoutValueMarks`:
   * `CH is not` finds `country ⁨CH⁩ is not in the countries table`).
   */
  messageAs?: (message: string, valuesMarked: boolean) => string;
  /** Dead-lettered at or after / before (ISO 8601 or a Date). */
  since?: Date | string;
  until?: Date | string;
}

export interface ListOptions {
  topic: string;
  /** The partition to start at (default 0); later partitions follow in order. */
  partition?: number;
  /** The offset to start at in the first partition read (default: its earliest). */
  from?: string;
  /** At most this many entries (default 100). */
  limit?: number;
  filter?: DeadLetterFilter;
}

export interface DeadLetterPage {
  entries: DeadLetterEntry[];
  /** Where the next page starts (pass as `partition` and `from`), or null when the topic is read to its end. */
  next: { partition: number; offset: string } | null;
}

export type HeaderView = { name: string; text: string } | { name: string; base64: string };

export type ValueView =
  | { encoding: 'avro'; schema: string; schemaId: number; json: unknown }
  | { encoding: 'text'; text: string; avroError?: string }
  | { encoding: 'base64'; base64: string; avroError?: string }
  | { encoding: 'null' };

export interface DeadLetter extends DeadLetterEntry {
  topic: string;
  headers: HeaderView[];
  value: ValueView;
}

export interface RedriveSelection {
  partition?: number;
  fromOffset: string;
  /** Inclusive. */
  toOffset: string;
}

export interface RedriveProgress {
  /** Letters looked at so far (selected or not). */
  scanned: number;
  selected: number;
  redriven: number;
  skipped: number;
  /** Documents mapped again that still do not map (`remapDocument`). */
  failing: number;
}

/**
 * What `remapDocument` made of a letter of a document that did not map (`document:<format>`): its records, mapped
 * again by the connector that refused it, to publish (`mapped`: only the letter's, the document's others having
 * been published), a new error (`failing`: nothing to publish, the letter stays), or nothing to do (`skipped`).
 */
export type DocumentRemap =
  | {
      outcome: 'mapped';
      connector: string;
      /** The records as the connector would have published them (keys, topics, CloudEvents headers). */
      records: OutgoingRecord[];
      published: Array<{ topic: string; key: string | null; id: string }>;
      /** Called once the records are on Kafka (their transaction committed; never in a dry run): to count them. */
      committed?: () => void;
    }
  | { outcome: 'failing'; connector: string; reason: string; error: RemapError }
  | { outcome: 'skipped'; reason: string };

/** Why a document still does not map: what (class and message), where (input location, record) and which field. */
export interface RemapError {
  exceptionClass: string;
  message: string;
  location: string | null;
  field: string | null;
  /** The records of the document that fail, from 1, when the failure is about some of them. */
  records: number[] | null;
}

/**
 * Maps a letter of a document that did not map again, for the layer above the bus that knows the connectors (the
 * hub's connector runtime): the bus cannot, so without one such letters are skipped saying where to redrive them.
 */
export type DocumentRemapper = (letter: IncomingRecord, entry: DeadLetterEntry) => Promise<DocumentRemap>;

export interface RedriveOptions {
  topic: string;
  selection: RedriveSelection | { filter: DeadLetterFilter };
  /** Report what would be redriven, write nothing. */
  dryRun?: boolean;
  /** Called after every `progressEvery` selected letters (default 1,000), and once at the end; `redriven` counts
   * the letters whose transaction has committed. */
  onProgress?: (progress: RedriveProgress) => void;
  progressEvery?: number;
  /**
   * Letters of documents that did not map (`document:<format>`) are mapped again through this (the hub's connector
   * runtime) and what maps is published in the redrive's transaction with the letter's mark; without it they are
   * skipped. Called in a dry run too, to say whether they map now.
   */
  remapDocument?: DocumentRemapper;
}

export interface RedriveResult {
  topic: string;
  dryRun: boolean;
  selected: number;
  /** Sent back (or, in a dry run, that would be). */
  redriven: number;
  skipped: Array<{ partition: number; offset: string; reason: string }>;
  /** Letters that had been redriven before (they are redriven again), with when that was (ISO 8601). */
  repeated: Array<{ partition: number; offset: string; previously: string }>;
  /**
   * Letters of documents mapped again through the connector that refused them, and the records published (in a dry
   * run: that would be), each under the CloudEvents id it would have had; counted in `redriven`.
   */
  remapped: Array<{
    partition: number;
    offset: string;
    connector: string;
    published: Array<{ topic: string; key: string | null; id: string }>;
  }>;
  /** Letters of documents that still do not map: nothing published, the letter stays, with the new error. */
  failing: Array<{ partition: number; offset: string; connector: string; reason: string; error: RemapError }>;
}

/** A request that cannot be served as asked: a bad offset, date, limit or partition. */
export class DeadLetterRequestError extends NonRetriableError {}
/** The dead-letter topic does not exist. */
export class DeadLetterTopicNotFoundError extends NonRetriableError {}
/** No dead letter at that partition and offset (never was, or gone with retention). */
export class DeadLetterNotFoundError extends NonRetriableError {}

/** Header of a redriven record: where it was in the dead-letter topic. */
export const REDRIVEN_FROM_HEADER = 'eai.redriven-from';
const DROPPED_HEADER_PREFIXES = ['__connect.errors.', '__eai.errors.'];
/** Letters sent per transaction (with their redrive marks). */
const CHUNK = 500;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text when they are valid UTF-8 without control characters other than tab and line breaks. */
function printable(bytes: Buffer): string | undefined {
  try {
    const text = utf8.decode(bytes);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

function toEntry(record: IncomingRecord): DeadLetterEntry {
  const d = describeDeadLetter(record.headers);
  const text = record.key ? printable(record.key) : undefined;
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(Number(record.timestamp)).toISOString(),
    key: record.key ? (text ?? `base64:${record.key.toString('base64')}`) : null,
    originalTopic: d.topic ?? null,
    originalPartition: Number.isFinite(d.partition) ? d.partition : null,
    originalOffset: d.offset ?? null,
    owner: d.owner ?? null,
    stage: d.stage ?? null,
    exceptionClass: d.exceptionClass ?? null,
    message: d.message ?? null,
    valuesMarked: d.valuesMarked,
    attempts: Number.isFinite(d.attempts) ? d.attempts : null,
    ceId: record.headers.ce_id?.toString('utf8') ?? null,
    sender: record.headers['eai.document.sender']?.toString('utf8') ?? null,
    size: record.value?.length ?? 0,
  };
}

function matcher(filter: DeadLetterFilter = {}): (entry: DeadLetterEntry) => boolean {
  const since = filter.since === undefined ? undefined : new Date(filter.since).getTime();
  const until = filter.until === undefined ? undefined : new Date(filter.until).getTime();
  for (const [name, at] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (at !== undefined && Number.isNaN(at))
      throw new DeadLetterRequestError(`filter ${name} is not a date`);
  }
  const text = filter.text?.toLowerCase();
  const seen = filter.messageAs ?? ((message: string) => withoutValueMarks(message));
  const owners = typeof filter.owner === 'string' ? [filter.owner] : filter.owner;
  return (e) =>
    (owners === undefined || owners.includes(e.owner ?? '')) &&
    (filter.originalTopic === undefined || e.originalTopic === filter.originalTopic) &&
    (filter.sender === undefined || e.sender === filter.sender) &&
    (filter.stage === undefined || e.stage === filter.stage) &&
    (filter.exceptionClass === undefined || e.exceptionClass === filter.exceptionClass) &&
    (text === undefined ||
      seen(e.message ?? '', e.valuesMarked)
        .toLowerCase()
        .includes(text)) &&
    (since === undefined || Date.parse(e.timestamp) >= since) &&
    (until === undefined || Date.parse(e.timestamp) < until);
}

async function withAdmin<T>(transport: Transport, use: (admin: TransportAdmin) => Promise<T>): Promise<T> {
  const admin = transport.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Each partition's earliest and next offsets, in partition order; fails with a typed error for no topic. */
async function partitionsOf(transport: Transport, topic: string) {
  return withAdmin(transport, async (admin) => {
    if (!(await admin.listTopics()).includes(topic)) {
      throw new DeadLetterTopicNotFoundError(`topic ${topic} does not exist`);
    }
    const offsets = await admin.topicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  });
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

function offsetOf(value: string | undefined, what: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new DeadLetterRequestError(`${what} must be an offset (digits), got "${value}"`);
  return BigInt(value);
}

/** Per topic: the records it holds (end minus start offsets, over its partitions; transaction markers count). */
export async function deadLetterDepths(
  transport: Transport,
  topics: readonly string[],
): Promise<Array<{ topic: string; depth: number; exists: boolean }>> {
  return withAdmin(transport, async (admin) => {
    const existing = new Set(await admin.listTopics());
    return Promise.all(
      topics.map(async (topic) => {
        if (!existing.has(topic)) return { topic, depth: 0, exists: false };
        const offsets = await admin.topicOffsets(topic);
        const depth = offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
        return { topic, depth, exists: true };
      }),
    );
  });
}

/** A page of dead letters, oldest first by partition and offset, without their values. */
export async function listDeadLetters(transport: Transport, options: ListOptions): Promise<DeadLetterPage> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1)
    throw new DeadLetterRequestError('limit must be a positive integer');
  const first = options.partition ?? 0;
  const from = offsetOf(options.from, 'from');
  const matches = matcher(options.filter);
  const entries: DeadLetterEntry[] = [];
  const partitions = (await partitionsOf(transport, options.topic)).filter((p) => p.partition >= first);
  for (const p of partitions) {
    const start = p.partition === first && from !== undefined ? max(from, p.low) : p.low;
    let last: bigint | undefined;
    await transport.readRanges({
      topic: options.topic,
      ranges: [{ partition: p.partition, fromOffset: start.toString(), toOffset: p.high.toString() }],
      eachRecord: async (record) => {
        last = BigInt(record.offset);
        const entry = toEntry(record);
        if (matches(entry)) entries.push(entry);
        return entries.length < limit;
      },
    });
    if (entries.length >= limit) {
      const next = (last ?? start) + 1n;
      if (next < p.high) return { entries, next: { partition: p.partition, offset: next.toString() } };
      const following = partitions.find((q) => q.partition > p.partition);
      return {
        entries,
        next: following ? { partition: following.partition, offset: following.low.toString() } : null,
      };
    }
  }
  return { entries, next: null };
}

function headerViews(headers: Headers): HeaderView[] {
  return Object.entries(headers).map(([name, bytes]) => {
    const text = printable(bytes);
    return text === undefined ? { name, base64: bytes.toString('base64') } : { name, text };
  });
}

/** A record's value for people: canonical JSON when it is Avro, else text, else base64 (dead letters, `eai bus tail`). */
export async function valueView(serde: AvroSerde, value: Buffer | null): Promise<ValueView> {
  if (value === null) return { encoding: 'null' };
  let avroError: string | undefined;
  if (value.length >= 5 && value[0] === MAGIC_BYTE) {
    try {
      const decoded = await serde.decode(value);
      return {
        encoding: 'avro',
        schema: decoded.schemaName,
        schemaId: decoded.schemaId,
        json: canonicalJson(decoded.value),
      };
    } catch (error) {
      // The registry being away is worth a retry; bytes that are not what they look like are shown as bytes.
      if (isRetriable(error)) throw error;
      avroError = errorMessage(error);
    }
  }
  const text = printable(value);
  const extra = avroError === undefined ? {} : { avroError };
  return text === undefined
    ? { encoding: 'base64', base64: value.toString('base64'), ...extra }
    : { encoding: 'text', text, ...extra };
}

/** Avro's decoded value as JSON: dates as ISO 8601, bytes as base64, big integers as strings. */
export function canonicalJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
      const raw = this[key];
      if (raw instanceof Date) return raw.toISOString();
      if (Buffer.isBuffer(raw)) return raw.toString('base64');
      if (typeof v === 'bigint') return v.toString();
      return v;
    }),
  );
}

/** One dead letter with every header and its value: canonical JSON when it is Avro, else text, else base64. */
export async function showDeadLetter(
  transport: Transport,
  serde: AvroSerde,
  where: { topic: string; partition: number; offset: string },
): Promise<DeadLetter> {
  const offset = offsetOf(where.offset, 'offset')!;
  const p = (await partitionsOf(transport, where.topic)).find((q) => q.partition === where.partition);
  const missing = () =>
    new DeadLetterNotFoundError(`no dead letter at ${where.topic}/${where.partition}/${where.offset}`);
  if (!p || offset < p.low || offset >= p.high) throw missing();
  let found: IncomingRecord | undefined;
  await transport.readRanges({
    topic: where.topic,
    ranges: [{ partition: p.partition, fromOffset: offset.toString(), toOffset: (offset + 1n).toString() }],
    eachRecord: async (record) => {
      found = record;
      return false;
    },
  });
  if (!found || found.offset !== offset.toString()) throw missing();
  return {
    topic: where.topic,
    ...toEntry(found),
    headers: headerViews(found.headers),
    value: await valueView(serde, found.value),
  };
}

/** The redrive that maps a document's letter again: the hub's, which knows the connectors. */
function throughTheHub(topic: string): string {
  return `redrive it through the hub (POST /dead-letters/${topic}/redrive, or eai dlq redrive with --url and --token)`;
}

/**
 * Why a letter cannot go back on its own, or undefined when it can. A letter of a document that did not map
 * (`document:<format>`) can when `remap` is there to map it again.
 */
function cannotRedrive(
  entry: DeadLetterEntry,
  topics: Set<string>,
  headers: Headers,
  topic: string,
  remap: boolean,
): string | undefined {
  const original = entry.originalTopic;
  if (!original) return 'no __connect.errors.topic header: not a dead letter the hub wrote';
  if (original.startsWith('document:')) {
    if (remap) return undefined;
    const format = original.slice('document:'.length);
    const records = headers[RECORD_INDEX_HEADER]?.toString('utf8');
    const connector = entry.owner ? `connector ${entry.owner}` : 'the connector that refused it';
    // A record of a document whose others went on: its value is the whole document, which no topic takes back;
    // only the connector's mapping, run again, can tell its records apart.
    if (records) {
      const several = records.includes(',');
      return `${several ? 'records' : 'record'} ${records} of a ${format} document whose other records were published: the letter holds the whole document and there is no topic to go back to; once the mapping or a lookup table is fixed, ${throughTheHub(topic)}: it maps the document again with the current mapping of ${connector} and publishes ${several ? 'those records' : 'that record'} alone, under the ce_id ${several ? 'each' : 'it'} would have had; for bad data, send a corrected document of that record alone (for a table: its header line and the row)`;
    }
    return `a ${format} document that did not map: there is no topic to go back to; once the mapping or a lookup table is fixed, ${throughTheHub(topic)}: it maps the document again with the current mapping of ${connector}; or have the connector receive it again`;
  }
  if (!topics.has(original)) return `original topic ${original} does not exist`;
  if (entry.originalPartition === -1) {
    // A record refused before it was ever published (a golden record the schema refused: its value is the JSON the
    // hub could not encode), not one read from the topic.
    return `never published to ${original} (partition -1): its value is what the hub could not encode, not a record to send back; fix the cause and the next change of it is published`;
  }
  if (entry.originalPartition === null || entry.originalPartition < 0) {
    return 'no valid __connect.errors.partition header';
  }
  return undefined;
}

/** The letter as it first was (key, value, headers without the error headers), back to its partition. */
function redriveRecord(record: IncomingRecord, entry: DeadLetterEntry, topic: string): OutgoingRecord {
  const headers: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (DROPPED_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    headers[name] = value;
  }
  headers[REDRIVEN_FROM_HEADER] = `${topic}/${record.partition}/${record.offset}`;
  return {
    topic: entry.originalTopic!,
    partition: entry.originalPartition!,
    key: record.key,
    value: record.value,
    headers,
  };
}

function markTime(value: Buffer): string {
  try {
    return String((JSON.parse(value.toString('utf8')) as { at?: unknown }).at ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** Redrives already recorded for letters of `topic`, keyed `<partition>/<offset>`: when, as JSON text. */
async function readRedriveMarks(transport: Transport, topic: string): Promise<Map<string, string>> {
  const marks = new Map<string, string>();
  const prefix = `${topic}/`;
  const partitions = await partitionsOf(transport, DLQ_REDRIVEN_TOPIC);
  await transport.readRanges({
    topic: DLQ_REDRIVEN_TOPIC,
    ranges: partitions.map((p) => ({
      partition: p.partition,
      fromOffset: p.low.toString(),
      toOffset: p.high.toString(),
    })),
    eachRecord: async (record) => {
      const key = record.key?.toString('utf8') ?? '';
      if (!key.startsWith(prefix)) return undefined;
      if (record.value === null) marks.delete(key.slice(prefix.length));
      else marks.set(key.slice(prefix.length), markTime(record.value));
      return undefined;
    },
  });
  return marks;
}

/**
 * Sends the selected letters back to the topics they came from, each to its original partition with its original
 * key, value and headers (so its `ce_id` is kept and consumers' de-duplication holds) minus the error headers,
 * plus `eai.redriven-from: <topic>/<partition>/<offset>`. Letters with nowhere to go are skipped with the reason.
 * A letter of a document that did not map has no topic: with `remapDocument` (the hub's) its document is mapped again
 * by the connector that refused it, and what maps is published as that connector would have (with the header too);
 * what still does not is reported in `failing` and stays. Every redriven letter is recorded in the compacted
 * `eai.dlq-redriven` topic, in the same Kafka transaction as the letters (or records) themselves: redriving a letter
 * again is allowed and reported in `repeated`. The transactional id is per dead-letter topic, so two redrives of one
 * topic at once fence each other instead of interleaving.
 */
export async function redriveDeadLetters(
  transport: Transport,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const { topic } = options;
  const dryRun = options.dryRun ?? false;
  const every = options.progressEvery ?? 1000;
  const partitions = await partitionsOf(transport, topic);
  const topics = await withAdmin(transport, async (admin) => {
    if (!dryRun) await admin.createTopics([redrivenTopicSpec]);
    return new Set(await admin.listTopics());
  });
  let ranges: PartitionRange[];
  let matches: (entry: DeadLetterEntry) => boolean = () => true;
  if ('filter' in options.selection) {
    matches = matcher(options.selection.filter);
    ranges = partitions.map((p) => ({
      partition: p.partition,
      fromOffset: p.low.toString(),
      toOffset: p.high.toString(),
    }));
  } else {
    const { partition = 0, fromOffset, toOffset } = options.selection;
    const from = offsetOf(fromOffset, 'fromOffset')!;
    const to = offsetOf(toOffset, 'toOffset')!;
    if (to < from)
      throw new DeadLetterRequestError(`toOffset ${toOffset} is before fromOffset ${fromOffset}`);
    const p = partitions.find((q) => q.partition === partition);
    if (!p) throw new DeadLetterRequestError(`topic ${topic} has no partition ${partition}`);
    ranges = [
      { partition, fromOffset: max(from, p.low).toString(), toOffset: min(to + 1n, p.high).toString() },
    ];
  }
  const marks = topics.has(DLQ_REDRIVEN_TOPIC) ? await readRedriveMarks(transport, topic) : new Map();
  const result: RedriveResult = {
    topic,
    dryRun,
    selected: 0,
    redriven: 0,
    skipped: [],
    repeated: [],
    remapped: [],
    failing: [],
  };
  const progress: RedriveProgress = { scanned: 0, selected: 0, redriven: 0, skipped: 0, failing: 0 };
  const report = () => {
    progress.selected = result.selected;
    progress.skipped = result.skipped.length;
    progress.failing = result.failing.length;
    options.onProgress?.({ ...progress });
  };
  const producer = dryRun ? undefined : transport.transactionalProducer(`eai-dlq-redrive-${topic}`);
  await producer?.connect();
  let chunk: OutgoingRecord[] = [];
  let inChunk = 0;
  let onCommit: Array<() => void> = [];
  const flush = async () => {
    if (inChunk > 0 && producer) await producer.sendTransaction(chunk);
    if (producer) for (const committed of onCommit) committed();
    progress.redriven += inChunk;
    chunk = [];
    inChunk = 0;
    onCommit = [];
  };
  const now = new Date().toISOString();
  /** A letter's records on their way, with its mark in the same transaction. */
  const send = async (record: IncomingRecord, records: OutgoingRecord[], mark: object) => {
    const where = `${record.partition}/${record.offset}`;
    const previously = marks.get(where);
    if (previously !== undefined) {
      result.repeated.push({ partition: record.partition, offset: record.offset, previously });
    }
    result.redriven += 1;
    chunk.push(...records, {
      topic: DLQ_REDRIVEN_TOPIC,
      key: `${topic}/${where}`,
      value: Buffer.from(JSON.stringify({ at: now, ...mark })),
    });
    inChunk += 1;
    if (inChunk >= CHUNK || chunk.length >= 2 * CHUNK) await flush();
  };
  try {
    await transport.readRanges({
      topic,
      ranges,
      eachRecord: async (record) => {
        progress.scanned += 1;
        const entry = toEntry(record);
        if (!matches(entry)) return undefined;
        result.selected += 1;
        const at = { partition: record.partition, offset: record.offset };
        const remap = options.remapDocument;
        const reason = cannotRedrive(entry, topics, record.headers, topic, remap !== undefined);
        if (reason) {
          result.skipped.push({ ...at, reason });
        } else if (remap && entry.originalTopic?.startsWith('document:')) {
          const remapped = await remap(record, entry);
          if (remapped.outcome === 'skipped') result.skipped.push({ ...at, reason: remapped.reason });
          else if (remapped.outcome === 'failing') {
            const { connector, reason, error } = remapped;
            result.failing.push({ ...at, connector, reason, error });
          } else {
            const { connector, published } = remapped;
            result.remapped.push({ ...at, connector, published });
            const from = `${topic}/${record.partition}/${record.offset}`;
            const records = remapped.records.map((r) => ({
              ...r,
              headers: { ...r.headers, [REDRIVEN_FROM_HEADER]: from },
            }));
            const to = [...new Set(published.map((p) => p.topic))].join(',');
            if (remapped.committed) onCommit.push(remapped.committed);
            await send(record, records, { to, connector });
          }
        } else {
          await send(record, [redriveRecord(record, entry, topic)], { to: `${entry.originalTopic}` });
        }
        if (result.selected % every === 0) report();
        return undefined;
      },
    });
    await flush();
  } finally {
    await producer?.disconnect();
  }
  report();
  return result;
}
