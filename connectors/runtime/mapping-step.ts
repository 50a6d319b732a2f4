import {
  countPublished,
  DLQ_TOPICS,
  deadLetterRecord,
  type OutgoingRecord,
  type PreparedRecord,
  type Publisher,
  type TransportProducer,
} from '../../bus/index.ts';
import { findReader } from '../../formats/index.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  type CompiledMapping,
  type ErrorLine,
  errorLine,
  inboundMapping,
  type MapOptions,
  mapDocument,
} from '../../mappings/index.ts';

/**
 * The step every inbound connector runs: a document's bytes in, its canonical records on the bus. Each record's
 * CloudEvents attributes point back at the document (`ce_source` `/<format>/<sender>`, `ce_id` `<document id>` or
 * `<document id>:<n>`, `ce_type` `<format>.<schema full name>`), so ids are stable across redeliveries and
 * consumers can de-duplicate. A document that does not parse or map goes to `dlq.mapping` with the original bytes
 * and the located error; the connector carries on. Failures of the bus itself are thrown: retry them.
 */
export interface DocumentInput {
  format: string;
  /** The sending partner, when the connector picks a mapping per sender. */
  sender?: string;
  bytes: Buffer;
  /** Where the bytes came from (file name, HTTP request id); kept in the dead letter. */
  name?: string;
  receivedAt?: Date;
  /** Correlation id of the flow the document starts; default: the document's id. */
  correlationId?: string;
  /** The document's id as the source knows it (a polled record's version); default: the reader's. */
  documentId?: string;
}

export interface MappingStepResult {
  published: Array<{ topic: string; key: string; id: string }>;
  /** Documents that went to the dead-letter topic, with why. */
  deadLettered: ErrorLine[];
}

export interface MappingStepOptions {
  /** With `encoder`, each record is encoded once, as the mapping's validation (bus.preparer() has it). */
  publisher: Pick<Publisher, 'prepare'> & Partial<Pick<Publisher, 'encoder'>>;
  /** For `handle`, which sends at once; `prepare` sends nothing. */
  producer?: TransportProducer;
  /** Connector name, recorded in dead letters. */
  owner: string;
  dlqTopic?: string;
  /** Topic per schema full name instead of the canonical one (tests, tenants). */
  topics?: Record<string, string>;
  /** The mapping for a document, as the connector names it; default: the one shipped mapping of its format. */
  mappingFor?: (input: DocumentInput) => CompiledMapping;
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
  deadLettered: ErrorLine[];
}

export interface MappingStep {
  /** Maps and publishes at once (acks=all); dead letters go to the dead-letter topic. */
  handle(input: DocumentInput): Promise<MappingStepResult>;
  /** Maps and encodes without sending, for a caller that sends the records in a transaction with its offsets. */
  prepare(input: DocumentInput): Promise<PreparedDocument>;
}

export function createMappingStep(options: MappingStepOptions): MappingStep {
  const dlqTopic = options.dlqTopic ?? DLQ_TOPICS.mapping;
  const mappingFor = options.mappingFor ?? ((input: DocumentInput) => inboundMapping(input.format));

  function deadLetter(
    input: DocumentInput,
    error: unknown,
    documentId?: string,
  ): { record: OutgoingRecord; line: ErrorLine } {
    const line = errorLine(error);
    const source = input.name ?? `${input.format}:${documentId ?? 'unparsed'}`;
    const record = deadLetterRecord(
      dlqTopic,
      {
        topic: `document:${input.format}`,
        partition: -1,
        offset: '-1',
        timestamp: String((input.receivedAt ?? new Date()).getTime()),
        key: documentId ? Buffer.from(documentId) : null,
        value: input.bytes,
        headers: {
          'eai.document.format': Buffer.from(input.format),
          'eai.document.name': Buffer.from(source),
          ...(documentId ? { 'eai.document.id': Buffer.from(documentId) } : {}),
          ...(line.location ? { 'eai.error.location': Buffer.from(line.location) } : {}),
        },
      },
      { stage: 'MAPPING', owner: options.owner, error, attempts: 1 },
    );
    options.logger?.warn(
      { format: input.format, document: source, error: line.error, location: line.location },
      'document dead-lettered',
    );
    return { record, line };
  }

  async function prepare(input: DocumentInput): Promise<PreparedDocument> {
    const result: PreparedDocument = { records: [], published: 0, deadLettered: [] };
    const refuse = (error: unknown, documentId?: string) => {
      const { record, line } = deadLetter(input, error, documentId);
      result.records.push(record);
      result.deadLettered.push(line);
    };
    let documents: ReturnType<ReturnType<typeof findReader>['parse']>;
    let mapping: CompiledMapping;
    try {
      mapping = mappingFor(input);
      documents = findReader(input.format).parse(input.bytes);
    } catch (error) {
      // A reader or mapping failure is about these bytes (or a bug that they trigger): retrying cannot help.
      refuse(error);
      return result;
    }
    // Outside the refusals: the registry being away is the bus's failure, to retry, not the document's.
    const encode =
      options.publisher.encoder && mapping.direction === 'to-canonical'
        ? await options.publisher.encoder(mapping.schema.fullName, options.topics?.[mapping.schema.fullName])
        : undefined;
    for (const parsed of documents) {
      const document =
        input.documentId && documents.length === 1 ? { ...parsed, id: input.documentId } : parsed;
      let records: Awaited<ReturnType<typeof mapDocument>>;
      try {
        records = await mapDocument(mapping, document, {
          ...options.budget,
          receivedAt: input.receivedAt,
          encode,
        });
      } catch (error) {
        refuse(error, document.id);
        continue;
      }
      const source = `/${input.format}/${encodeURIComponent(document.source || 'unknown')}`;
      const prepared = await options.publisher.prepare(
        records.map((record, i) => ({
          schema: record.schema,
          value: record.value,
          key: record.key,
          encoded: record.encoded,
          topic: options.topics?.[record.schema],
          attributes: {
            id: records.length === 1 ? document.id : `${document.id}:${i + 1}`,
            source,
            type: `${input.format}.${record.schema}`,
            correlationId: input.correlationId ?? document.id,
          },
        })),
      );
      result.records.push(...prepared);
      result.published += prepared.length;
    }
    return result;
  }

  return {
    prepare,
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
