import { deadLetterRecord } from '../../bus/dlq.ts';
import type { Publisher } from '../../bus/publisher.ts';
import { DLQ_TOPICS } from '../../bus/topics.ts';
import type { TransportProducer } from '../../bus/transport/types.ts';
import { findReader } from '../../formats/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { type ErrorLine, errorLine } from '../../mappings/engine/errors.ts';
import { mapDocument } from '../../mappings/engine/run.ts';
import { inboundMapping } from '../../mappings/index.ts';

/**
 * The step every inbound connector runs: a document's bytes in, its canonical records on the bus. Each record's
 * CloudEvents attributes point back at the document (`ce_source` `/<format>/<sender>`, `ce_id` `<document id>` or
 * `<document id>:<n>`, `ce_type` `<format>.<schema full name>`), so ids are stable across redeliveries and
 * consumers can de-duplicate. A document that does not parse or map goes to `dlq.mapping` with the original bytes
 * and the located error; the connector carries on. Failures of the bus itself are thrown: retry them.
 */
export interface DocumentInput {
  format: string;
  bytes: Buffer;
  /** Where the bytes came from (file name, HTTP request id); kept in the dead letter. */
  name?: string;
  receivedAt?: Date;
  /** Correlation id of the flow the document starts; default: the document's id. */
  correlationId?: string;
}

export interface MappingStepResult {
  published: Array<{ topic: string; key: string; id: string }>;
  /** Documents that went to the dead-letter topic, with why. */
  deadLettered: ErrorLine[];
}

export interface MappingStepOptions {
  publisher: Publisher;
  /** For dead letters: they carry raw bytes, not Avro. */
  producer: TransportProducer;
  /** Connector name, recorded in dead letters. */
  owner: string;
  dlqTopic?: string;
  /** Topic per schema full name instead of the canonical one (tests, tenants). */
  topics?: Record<string, string>;
  logger?: Logger;
}

export interface MappingStep {
  handle(input: DocumentInput): Promise<MappingStepResult>;
}

export function createMappingStep(options: MappingStepOptions): MappingStep {
  const dlqTopic = options.dlqTopic ?? DLQ_TOPICS.mapping;

  async function deadLetter(input: DocumentInput, error: unknown, documentId?: string): Promise<ErrorLine> {
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
    await options.producer.send([record]);
    options.logger?.warn(
      { format: input.format, document: source, error: line.error, location: line.location },
      'document dead-lettered',
    );
    return line;
  }

  return {
    async handle(input) {
      const result: MappingStepResult = { published: [], deadLettered: [] };
      let documents: ReturnType<ReturnType<typeof findReader>['parse']>;
      const mapping = inboundMapping(input.format);
      try {
        documents = findReader(input.format).parse(input.bytes);
      } catch (error) {
        // A reader or mapping failure is about these bytes (or a bug that they trigger): retrying cannot help.
        result.deadLettered.push(await deadLetter(input, error));
        return result;
      }
      for (const document of documents) {
        let records: Awaited<ReturnType<typeof mapDocument>>;
        try {
          records = await mapDocument(mapping, document, { receivedAt: input.receivedAt });
        } catch (error) {
          result.deadLettered.push(await deadLetter(input, error, document.id));
          continue;
        }
        const source = `/${input.format}/${encodeURIComponent(document.source || 'unknown')}`;
        const sent = await options.publisher.publish(
          records.map((record, i) => ({
            schema: record.schema,
            value: record.value,
            key: record.key,
            topic: options.topics?.[record.schema],
            attributes: {
              id: records.length === 1 ? document.id : `${document.id}:${i + 1}`,
              source,
              type: `${input.format}.${record.schema}`,
              correlationId: input.correlationId ?? document.id,
            },
          })),
        );
        result.published.push(...sent);
      }
      return result;
    },
  };
}
