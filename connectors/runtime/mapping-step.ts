import {
  CONNECTOR_SYSTEM_HEADER,
  countPublished,
  DLQ_TOPICS,
  DOCUMENT_SCHEMA_HEADER,
  deadLetterRecord,
  type OutgoingRecord,
  type PreparedRecord,
  type Publisher,
  RECORD_INDEX_HEADER,
  type TransportProducer,
} from '../../bus/index.ts';
import { type DocumentResult, isRefused } from '../../formats/each-document.ts';
import { findReader, readerBytes, withNotUtf8Advice } from '../../formats/index.ts';
import { MAX_DOCUMENT_BYTES } from '../../formats/text-input/decode.ts';
import { FormatError, type InterchangeRef } from '../../formats/types.ts';
import type { Logger } from '../../lib/logger.ts';
import { shownPath } from '../../lib/shown-path.ts';
import {
  type CanonicalRecord,
  type CompiledMapping,
  type ErrorLine,
  errorLine,
  inboundMapping,
  isRecordFailure,
  type MapOptions,
  MappingError,
  mapRecordsEagerly,
  type RecordFailure,
  type RecordOutcome,
} from '../../mappings/index.ts';
import type { ValueEncoder } from '../../schemas/avro-writer.ts';

/**
 * The step every inbound connector runs: a document's bytes in, its canonical records on the bus. Each record's
 * CloudEvents attributes point back at the document (`ce_source` `/<format>/<sender>`, `ce_id` `<document id>` or
 * `<document id>:<n>`, `ce_type` `<format>.<schema full name>`), so ids are stable across redeliveries and
 * consumers can de-duplicate. A document that does not parse or map goes to `dlq.mapping` with the original bytes
 * and the located error; the connector carries on. A document of several records (a CSV's rows, a `records:` list)
 * whose some records do not map has those dead-lettered, each with the document's bytes and which record it was
 * (`eai.record.index`), and the others published (see `settle`). Failures of the bus itself are thrown: retry them.
 */
export interface DocumentInput {
  format: string;
  /** The sending partner, when the connector picks a mapping per sender. */
  sender?: string;
  bytes: Buffer;
  /** Where the bytes came from (file name, HTTP request id); kept in the dead letter. */
  name?: string;
  /** Where in its file the document was cut from (`ISA#1/GS#2/ST#50 (byte 30120)`): what a dead letter names. */
  where?: string;
  receivedAt?: Date;
  /** Correlation id of the flow the document starts; default: the document's id. */
  correlationId?: string;
  /** The document's id as the source knows it (a polled record's version); default: the reader's. */
  documentId?: string;
}

export interface MappingStepResult {
  published: Array<{ topic: string; key: string; id: string }>;
  /** Documents (or records of a document, `record`) that went to the dead-letter topic, with why. */
  deadLettered: ErrorLine[];
}

/**
 * What the dead letters of one document's failed records may carry in all (each carries the document's bytes):
 * the one-document limit, so they cost a transaction no more than the document's own dead letter would. Past it
 * (a 5 MiB table with two bad rows, a 100 KiB one with more than 80) the failed records share one letter.
 */
export const RECORD_LETTERS_MAX_BYTES = MAX_DOCUMENT_BYTES;

/** How many failed records the message of a letter they share lists (its `eai.record.index` names them all). */
const LISTED_FAILURES = 20;

export interface MappingStepOptions {
  /** With `encoder`, each record is encoded once, as the mapping's validation (bus.preparer() has it). */
  publisher: Pick<Publisher, 'prepare'> & Partial<Pick<Publisher, 'encoder' | 'prepareEagerly'>>;
  /** For `handle`, which sends at once; `prepare` sends nothing. */
  producer?: TransportProducer;
  /** Connector name, recorded in dead letters. */
  owner: string;
  /** The system the connector reads from, recorded in dead letters (`eai.connector.system`). */
  system?: string;
  dlqTopic?: string;
  /** Topic per schema full name instead of the canonical one (tests, tenants). */
  topics?: Record<string, string>;
  /**
   * The character set of documents whose format declares none (X12, CSV, JSON), read as UTF-8 otherwise; documents
   * of formats that declare their own are read in theirs. Dead letters keep the bytes as they came.
   */
  encoding?: string;
  /**
   * The mapping for a document, as the connector names it; default: the one shipped mapping of its format. `sender`:
   * the sending partner, the input's (`DocumentInput.sender`) or, with `mappingBySender`, the one its reader found.
   */
  mappingFor?: (input: DocumentInput, sender?: string) => CompiledMapping;
  /**
   * The mapping depends on the sender (a connector's `mappingsBySender`): each document of an input that names no
   * sender is mapped with the mapping of the sender its reader found (ISA06, UNB sender, SNDPRN).
   */
  mappingBySender?: boolean;
  /**
   * What mapping one document may spend (default: the engine's DOCUMENT_BUDGET, 10 s and 1 GiB of heap growth);
   * past it the document goes to the dead-letter topic saying which, and the step carries on with the next.
   */
  budget?: Pick<MapOptions, 'deadlineMs' | 'memoryBudgetBytes'>;
  logger?: Logger;
}

/** A document's records, encoded but not sent: canonical events and dead letters, for one Kafka transaction. */
export interface PreparedDocument {
  records: OutgoingRecord[];
  published: number;
  /** One line per document, or per record of a document that went on without it (`record`): the count of failed. */
  deadLettered: ErrorLine[];
  /** The mapping (its file, as shown) that selected no record from a document of the input: why it was skipped. */
  selectedNothing?: string;
}

export interface MappingStep {
  /** Maps and publishes at once (acks=all); dead letters go to the dead-letter topic. */
  handle(input: DocumentInput): Promise<MappingStepResult>;
  /** Maps and encodes without sending, for a caller that sends the records in a transaction with its offsets. */
  prepare(input: DocumentInput): Promise<PreparedDocument>;
  /**
   * prepare's result at once when nothing needs awaiting (the schema's encoder known, the documents mapped by compiled
   * expressions), else its promise: for a caller that prepares thousands of documents in a loop.
   */
  prepareEagerly(input: DocumentInput): PreparedDocument | Promise<PreparedDocument>;
  /** The dead letter of a document its source refused whole (`error` says why), as an unreadable one's: nothing mapped. */
  refuse(input: DocumentInput, error: unknown): PreparedDocument;
}

export function createMappingStep(options: MappingStepOptions): MappingStep {
  const dlqTopic = options.dlqTopic ?? DLQ_TOPICS.mapping;
  const mappingFor = options.mappingFor ?? ((input: DocumentInput) => inboundMapping(input.format));

  /**
   * A dead letter: the input's bytes as they came, the error, and where it was. `records`: the letter is about these
   * records of the document (from 1, of `count`), the document's others having gone on; its key is then
   * `<document id>:<n>`, the CloudEvents id the record's event would have had. `documentSender`: the sender the
   * document's envelope names (a parsed or refused document's `source`), for the letter's `eai.document.sender`
   * when the input names none: every letter of a document carries the same document headers, refused whole or not.
   */
  function deadLetter(
    input: DocumentInput,
    error: unknown,
    documentId?: string,
    records?: { numbers: number[]; count: number },
    documentSender?: string,
  ): { record: OutgoingRecord; line: ErrorLine } {
    const line = errorLine(error);
    const source = input.name ?? `${input.format}:${documentId ?? 'unparsed'}`;
    const where = input.where;
    const location = line.location && where ? inFile(line.location, where) : line.location;
    const only = records?.numbers.length === 1 ? records.numbers[0] : undefined;
    const interchange = error instanceof FormatError ? error.interchange : undefined;
    const sender = input.sender ?? (documentSender || interchange?.sender || undefined);
    // The canonical schema the document maps to, when its mapping is known: with the system, whose sync health
    // counts the letter (a customer document its source could not map).
    let schema: string | undefined;
    try {
      schema = mappingFor(input, sender).schema.fullName;
    } catch {
      // no mapping for it: the letter says why
    }
    const key = documentId
      ? only === undefined
        ? documentId
        : `${documentId}:${only}`
      : wholeInputKey(input, interchange);
    const record = deadLetterRecord(
      dlqTopic,
      {
        topic: `document:${input.format}`,
        partition: -1,
        offset: '-1',
        timestamp: String((input.receivedAt ?? new Date()).getTime()),
        key: key ? Buffer.from(key) : null,
        value: input.bytes,
        headers: {
          'eai.document.format': Buffer.from(input.format),
          'eai.document.name': Buffer.from(source),
          // What a redrive maps it with again (redrive.ts): `$doc.receivedAt`, and the sender that picks the mapping.
          'eai.document.received-at': Buffer.from((input.receivedAt ?? new Date()).toISOString()),
          ...(sender ? { 'eai.document.sender': Buffer.from(sender) } : {}),
          ...(schema ? { [DOCUMENT_SCHEMA_HEADER]: Buffer.from(schema) } : {}),
          ...(options.system ? { [CONNECTOR_SYSTEM_HEADER]: Buffer.from(options.system) } : {}),
          ...(documentId ? { 'eai.document.id': Buffer.from(documentId) } : {}),
          ...(records
            ? {
                [RECORD_INDEX_HEADER]: Buffer.from(records.numbers.join(',')),
                'eai.record.count': Buffer.from(String(records.count)),
              }
            : {}),
          ...(where ? { 'eai.document.where': Buffer.from(where) } : {}),
          ...(location ? { 'eai.error.location': Buffer.from(location) } : {}),
          ...(only !== undefined && line.field ? { 'eai.error.field': Buffer.from(line.field) } : {}),
        },
      },
      {
        stage: 'MAPPING',
        owner: options.owner,
        error: where ? errorInFile(error, where) : error,
        attempts: 1,
      },
    );
    options.logger?.warn(
      {
        format: input.format,
        document: source,
        ...(records ? { records: records.numbers.join(',') } : {}),
        error: line.error,
        location,
      },
      records ? 'record dead-lettered' : 'document dead-lettered',
    );
    return { record, line };
  }

  /**
   * The encoder per mapping (its schema, and the topic this step's options give that schema) once the registry
   * answered: asked for again, it is known without a promise, and without a key string made per document.
   */
  const encoders = new WeakMap<CompiledMapping, ValueEncoder>();

  function encoderFor(mapping: CompiledMapping): ValueEncoder | undefined | Promise<ValueEncoder> {
    const publisher = options.publisher;
    if (!publisher.encoder || mapping.direction !== 'to-canonical') return undefined;
    const known = encoders.get(mapping);
    if (known) return known;
    const schema = mapping.schema.fullName;
    return publisher.encoder(schema, options.topics?.[schema]).then((encode) => {
      encoders.set(mapping, encode);
      return encode;
    });
  }

  /**
   * A document's records, synchronously as long as nothing needs awaiting (the registry asked once per schema, every
   * document of the input mapped by compiled expressions); from the first thing that does on, the promise of them.
   * Either way the same steps in the same order, so the same records and dead letters.
   */
  function prepareEagerly(input: DocumentInput): PreparedDocument | Promise<PreparedDocument> {
    const result: PreparedDocument = { records: [], published: 0, deadLettered: [] };
    let documents: DocumentResult<unknown>[];
    let mapping: CompiledMapping;
    try {
      mapping = mappingFor(input);
      // Document by document where the reader can: a refused ST..SE set, message or IDoc goes to the dead-letter
      // topic alone, the others of its file on to the bus.
      const reader = findReader(input.format);
      const bytes = readerBytes(input.format, input.bytes, options.encoding);
      documents = reader.parseEach ? reader.parseEach(bytes) : reader.parse(bytes);
    } catch (error) {
      // A reader or mapping failure is about these bytes (or a bug that they trigger): retrying cannot help. A file
      // that is not UTF-8 says what to name in the connector's file.
      refuse(input, result, withNotUtf8Advice(error, input.format, options.encoding, 'connector'));
      return result;
    }
    // Outside the refusals: the registry being away is the bus's failure, to retry, not the document's.
    const encode = encoderFor(mapping);
    if (encode instanceof Promise)
      return encode.then((known) => prepareFrom(input, result, mapping, documents, 0, known));
    return prepareFrom(input, result, mapping, documents, 0, encode);
  }

  function refuse(
    input: DocumentInput,
    result: PreparedDocument,
    error: unknown,
    documentId?: string,
    documentSender?: string,
  ): void {
    const { record, line } = deadLetter(input, error, documentId, undefined, documentSender);
    result.records.push(record);
    result.deadLettered.push(line);
  }

  /** The input's documents from `from` on, into `result`. */
  function prepareFrom(
    input: DocumentInput,
    result: PreparedDocument,
    mapping: CompiledMapping,
    documents: DocumentResult<unknown>[],
    from: number,
    encode: ValueEncoder | undefined,
  ): PreparedDocument | Promise<PreparedDocument> {
    for (let i = from; i < documents.length; i++) {
      const parsed = documents[i]!;
      if (isRefused(parsed)) {
        refuse(input, result, parsed.refused, parsed.id, parsed.source);
        continue;
      }
      const document =
        input.documentId && documents.length === 1 ? { ...parsed, id: input.documentId } : parsed;
      let own = mapping;
      let ownEncode = encode;
      if (options.mappingBySender && input.sender === undefined && document.source) {
        try {
          own = mappingFor(input, document.source);
        } catch (error) {
          refuse(input, result, error, document.id, document.source);
          continue;
        }
        if (own !== mapping) {
          const known = encoderFor(own);
          // Once the registry answered, this document again: its mapping's encoder is known then.
          if (known instanceof Promise)
            return known.then(() => prepareFrom(input, result, mapping, documents, i, encode));
          ownEncode = known;
        }
      }
      let outcomes: RecordOutcome[] | Promise<RecordOutcome[]>;
      try {
        outcomes = mapRecordsEagerly(own, document, {
          ...options.budget,
          receivedAt: input.receivedAt,
          encode: ownEncode,
        });
      } catch (error) {
        refuse(input, result, error, document.id, document.source);
        continue;
      }
      const next = () => prepareFrom(input, result, mapping, documents, i + 1, encode);
      if (!(outcomes instanceof Promise) && outcomes.length === 0)
        result.selectedNothing = shownPath(own.file);
      if (outcomes instanceof Promise)
        return outcomes.then(
          (mapped) => {
            if (mapped.length === 0) result.selectedNothing = shownPath(own.file);
            return settle(input, result, document, mapped)?.then(next) ?? next();
          },
          (error) => {
            refuse(input, result, error, document.id, document.source);
            return next();
          },
        );
      const published = settle(input, result, document, outcomes);
      if (published) return published.then(next);
    }
    return result;
  }

  /**
   * A document's outcomes into `result`: every record mapped, all published; a document of one record that failed,
   * dead-lettered as the document; else the failed records dead-lettered (a letter each while their bytes stay within
   * RECORD_LETTERS_MAX_BYTES, else one they share) and the others published under the ids they have when all map.
   */
  function settle(
    input: DocumentInput,
    result: PreparedDocument,
    document: { id: string; source?: string },
    outcomes: RecordOutcome[],
  ): Promise<void> | undefined {
    // Mostly none: one pass and no array made for them.
    if (!outcomes.some(isRecordFailure))
      return publish(input, result, document, outcomes as CanonicalRecord[]);
    const failures = outcomes.filter(isRecordFailure);
    if (outcomes.length === 1) {
      refuse(input, result, failures[0]!.error, document.id, document.source);
      return undefined;
    }
    const count = outcomes.length;
    if (failures.length * input.bytes.length <= RECORD_LETTERS_MAX_BYTES) {
      for (const failure of failures) {
        const { record, line } = deadLetter(
          input,
          failure.error,
          document.id,
          { numbers: [failure.record], count },
          document.source,
        );
        result.records.push(record);
        result.deadLettered.push({ ...line, record: failure.record });
      }
    } else {
      const numbers = failures.map((f) => f.record);
      const { record } = deadLetter(
        input,
        together(failures, count),
        document.id,
        { numbers, count },
        document.source,
      );
      result.records.push(record);
      for (const failure of failures)
        result.deadLettered.push({ ...errorLine(failure.error), record: failure.record });
    }
    const good: CanonicalRecord[] = [];
    const numbers: number[] = [];
    outcomes.forEach((outcome, i) => {
      if (isRecordFailure(outcome)) return;
      good.push(outcome);
      numbers.push(i + 1);
    });
    return good.length > 0 ? publish(input, result, document, good, { numbers, count }) : undefined;
  }

  /**
   * The document's records through the publisher into `result`; a promise only when the publisher needs one.
   * `positions`: the records are these of the document's `count` (others failed), for their CloudEvents ids.
   */
  function publish(
    input: DocumentInput,
    result: PreparedDocument,
    document: { id: string; source?: string },
    records: CanonicalRecord[],
    positions?: { numbers: number[]; count: number },
  ): Promise<void> | undefined {
    const source = sourceOf(input.format, document.source);
    const count = positions?.count ?? records.length;
    const events = records.map((record, i) => ({
      schema: record.schema,
      // Encoded, the record is sent as it is and its value not read: one written straight from its mapping would
      // decode its bytes again to give it (mappings' run.ts WrittenRecord).
      value: record.encoded ? undefined : record.value,
      key: record.key,
      encoded: record.encoded,
      topic: options.topics?.[record.schema],
      attributes: {
        id: count === 1 ? document.id : `${document.id}:${positions ? positions.numbers[i] : i + 1}`,
        source,
        type: typeOf(input.format, record.schema),
        correlationId: input.correlationId ?? document.id,
      },
    }));
    const add = (prepared: PreparedRecord[]) => {
      result.records.push(...prepared);
      result.published += prepared.length;
    };
    const publisher = options.publisher;
    const prepared = publisher.prepareEagerly ? publisher.prepareEagerly(events) : publisher.prepare(events);
    if (prepared instanceof Promise) return prepared.then(add);
    add(prepared);
    return undefined;
  }

  /** The events' CloudEvents source, `/<format>/<sender>`: the last one kept, as a batch's documents mostly share it. */
  let lastSource = { format: '', sender: undefined as string | undefined, text: '' };
  function sourceOf(format: string, sender: string | undefined): string {
    if (format !== lastSource.format || sender !== lastSource.sender || lastSource.text === '')
      lastSource = { format, sender, text: `/${format}/${encodeURIComponent(sender || 'unknown')}` };
    return lastSource.text;
  }

  /**
   * The events' CloudEvents type, `<format>.<schema full name>`: the last one kept, as `sourceOf` keeps the source (a
   * concatenation made per event is another string to allocate and, as its header is written, to copy flat again).
   */
  let lastType = { format: '', schema: '', text: '' };
  function typeOf(format: string, schema: string): string {
    if (format !== lastType.format || schema !== lastType.schema)
      lastType = { format, schema, text: `${format}.${schema}` };
    return lastType.text;
  }

  async function prepare(input: DocumentInput): Promise<PreparedDocument> {
    return prepareEagerly(input);
  }

  return {
    prepare,
    prepareEagerly,
    refuse(input, error) {
      const result: PreparedDocument = { records: [], published: 0, deadLettered: [] };
      // The id its source gives it is the letter's key and `eai.document.id`, as a document the reader refuses has;
      // the sender its envelope names is the letter's `eai.document.sender`, as the letters of the documents it maps.
      refuse(input, result, error, input.documentId, input.sender ?? senderOf(input, options.encoding));
      return result;
    },
    async handle(input) {
      const prepared = await prepare(input);
      if (!options.producer) throw new Error('mapping step: handle() needs a producer');
      await options.producer.send(prepared.records);
      const published = prepared.records
        .filter((r): r is PreparedRecord => 'id' in r)
        .map((r) => ({ topic: r.topic, key: r.key, id: r.id }));
      countPublished(published);
      return { published, deadLettered: prepared.deadLettered };
    },
  };
}

/**
 * The sender the envelope of a document refused before it was mapped names (ISA06, UNB sender, SNDPRN): its reader's
 * `source` of the document (refused or not), else of the interchange whose header read; undefined when none does.
 */
function senderOf(input: DocumentInput, encoding: string | undefined): string | undefined {
  try {
    const reader = findReader(input.format);
    const bytes = readerBytes(input.format, input.bytes, encoding);
    const documents = reader.parseEach ? reader.parseEach(bytes) : reader.parse(bytes);
    return documents.find((d) => d.source)?.source || undefined;
  } catch (error) {
    return (error instanceof FormatError && error.interchange?.sender) || undefined;
  }
}

/** The failed records of a document as the one MappingError of the letter they share, each listed with why. */
function together(failures: RecordFailure[], count: number): MappingError {
  const listed = failures.slice(0, LISTED_FAILURES).map(
    (f) =>
      `record ${f.record}: ${
        f.error instanceof MappingError
          ? `${f.error.path || '(record)'}: ${f.error.problem}${f.error.location ? ` (input ${f.error.location})` : ''}`
          : f.error.message // the reader's: a row it could not read
      }`,
  );
  const more = failures.length - listed.length;
  const first = failures[0]!.error;
  return new MappingError(
    first instanceof MappingError ? first.mappingFile : first.format,
    `${failures.length} of ${count} records`,
    `dead-lettered together (a letter each, with the document's bytes, would pass ${RECORD_LETTERS_MAX_BYTES / 1024 / 1024} MiB): ${listed.join('; ')}${more > 0 ? `; and ${more} more (eai map the letter's document to see each)` : ''}`,
  );
}

/**
 * A text about a document cut out of a bigger file, its places in the file. The reader saw the document in an envelope
 * of its own, one interchange, group and message (`ISA#1/GS#1/ST#1/BEG (segment 4, line 4)`, `/ORDERS05/IDOC[1]/…`),
 * so the path it names is the envelope's and its segment and line count from the envelope's first: `where`, the
 * splitter's place of the document (`ISA#1/GS#2/ST#50 (byte 30120)`), gives the path in the file instead, and the
 * segment becomes its position in the message (ST and UNH are 1, as AK3 and UCS count) with the byte the message
 * starts at. A note of the splitter's (`…: truncated: the file ends before the SE`) is added; a text that names no
 * envelope path gets `where` in front.
 */
export function inFile(text: string, where: string): string {
  const parsed = /^(\S+?)(?: \(byte (\d+)\))?(?:: (.*))?$/s.exec(where);
  const path = parsed?.[1] ?? '';
  const byte = parsed?.[2];
  const note = parsed?.[3];
  const own = path.replace(/#\d+/g, '#1').replace(/\[\d+\]/g, '[1]');
  const at = own.length > 0 ? text.indexOf(own) : -1;
  const noted = note ? ` (${note})` : '';
  if (at === -1) return `${where}: ${text}`;
  // The segments of the envelope before the message's own first one (ISA and GS before ST, UNB before UNH).
  const before = own.split('/').length - 1;
  const startsAt = byte === undefined ? '' : `, the message starting at byte ${byte} of the file`;
  const after = text
    .slice(at + own.length)
    .replace(
      /^((?:\/[A-Za-z0-9]+)? )\(segment (\d+), line \d+\)/,
      (_all, tag: string, segment: string) =>
        `${tag}(segment ${Number(segment) - before} of the message${startsAt})`,
    );
  return `${text.slice(0, at)}${path}${after}${noted}`;
}

/** The error of a document cut out of a bigger file as its dead letter tells it: its places in the file (`inFile`). */
function errorInFile(error: unknown, where: string): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const told = new Error(inFile(original.message, where));
  told.name = original.name || original.constructor.name;
  const frames = original.stack?.indexOf('\n') ?? -1;
  told.stack = `${told.name}: ${told.message}${frames === -1 ? '' : original.stack!.slice(frames)}`;
  const retriable = (original as { retriable?: boolean }).retriable;
  if (retriable !== undefined) Object.assign(told, { retriable });
  return told;
}

/**
 * The key of a dead letter no document id names (the input refused whole: its envelope, its encoding, a file its
 * source refused), so that every letter can be found by key as a set's `<ISA13>/<ST02>` can: the interchange's
 * control number when its header read (ISA13, UNB 0020; its sender is the letter's `eai.document.sender`), else the
 * id the source gave the input, else its name (`<file>#<n>`: the file and the message's place in it).
 */
function wholeInputKey(input: DocumentInput, interchange: InterchangeRef | undefined): string | undefined {
  return interchange?.controlNumber ?? input.documentId ?? input.name;
}
