import type { Headers, IncomingRecord, OutgoingRecord } from './transport/types.ts';

/**
 * Dead-letter records keep the original key, value and headers byte for byte, and add Kafka Connect's error
 * headers (`__connect.errors.*`, as its DeadLetterQueueReporter writes them) so existing tooling reads them.
 */
export type FailureStage =
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'TRANSFORMATION'
  | 'MAPPING'
  | 'TASK_PUT';

export interface Failure {
  stage: FailureStage;
  /** The consumer group / connector / workflow that failed. */
  owner: string;
  error: unknown;
  attempts: number;
}

const PREFIX = '__connect.errors.';

/**
 * `marked` on every letter the hub writes: its exception message marks the document values it quotes (lib/errors'
 * `quotedValue`). A letter without it was written before the hub marked them, and its message may quote a customer's
 * name, email or phone anywhere: a viewer reads only where it failed (the admin API's `messageFor`).
 */
export const VALUES_MARKED_HEADER = '__eai.errors.values';

/**
 * A mapping dead letter of some records of a document whose other records went on (connectors' mapping step): which
 * ones, from 1 and comma-separated (`3`, `3,9`), as `<n>` in the `<document id>:<n>` ids of the document's events;
 * `eai.record.count` says of how many. Its value is the whole document.
 */
export const RECORD_INDEX_HEADER = 'eai.record.index';

/**
 * A source connector's mapping dead letter: the system the connector reads from (`hubspot`, or a generic connector's
 * name), and the canonical schema's full name the document maps to when its mapping was known. Sync health counts a
 * system's customer documents that did not map by them, whatever the letter's key.
 */
export const CONNECTOR_SYSTEM_HEADER = 'eai.connector.system';
export const DOCUMENT_SCHEMA_HEADER = 'eai.document.schema';

/**
 * `__connect.errors.class.name`: the component that failed, as Kafka Connect names the converter, transformation or
 * task class there (a mapping's failure was reported as the consumer runner's, which never read the document).
 */
const COMPONENT: Record<FailureStage, string> = {
  KEY_CONVERTER: 'eai.bus.AvroSerde',
  VALUE_CONVERTER: 'eai.bus.AvroSerde',
  HEADER_CONVERTER: 'eai.bus.Envelope',
  TRANSFORMATION: 'eai.mappings.Engine',
  MAPPING: 'eai.connectors.MappingStep',
  TASK_PUT: 'eai.bus.ConsumerRunner',
};

export function deadLetterRecord(
  dlqTopic: string,
  original: IncomingRecord,
  failure: Failure,
): OutgoingRecord {
  const error = failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  const headers: Headers = {
    ...original.headers,
    [`${PREFIX}topic`]: Buffer.from(original.topic),
    [`${PREFIX}partition`]: Buffer.from(String(original.partition)),
    [`${PREFIX}offset`]: Buffer.from(original.offset),
    [`${PREFIX}connector.name`]: Buffer.from(failure.owner),
    [`${PREFIX}stage`]: Buffer.from(failure.stage),
    [`${PREFIX}class.name`]: Buffer.from(COMPONENT[failure.stage]),
    [`${PREFIX}exception.class.name`]: Buffer.from(error.name || error.constructor.name),
    [`${PREFIX}exception.message`]: Buffer.from(error.message),
    [`${PREFIX}exception.stacktrace`]: Buffer.from((error.stack ?? '').slice(0, 8000)),
    '__eai.errors.attempts': Buffer.from(String(failure.attempts)),
    '__eai.errors.retriable': Buffer.from(String((error as { retriable?: boolean }).retriable ?? true)),
    '__eai.errors.time': Buffer.from(new Date().toISOString()),
    [VALUES_MARKED_HEADER]: Buffer.from('marked'),
  };
  return { topic: dlqTopic, key: original.key, value: original.value, headers };
}

/** A dead-letter record read back: what failed, where, and why. */
export function describeDeadLetter(headers: Headers) {
  const text = (name: string) => headers[name]?.toString('utf8');
  return {
    topic: text(`${PREFIX}topic`),
    partition: Number(text(`${PREFIX}partition`)),
    offset: text(`${PREFIX}offset`),
    owner: text(`${PREFIX}connector.name`),
    stage: text(`${PREFIX}stage`),
    exceptionClass: text(`${PREFIX}exception.class.name`),
    message: text(`${PREFIX}exception.message`),
    /** Whether the message marks the values it quotes (VALUES_MARKED_HEADER); false: a letter from before the marks. */
    valuesMarked: text(VALUES_MARKED_HEADER) === 'marked',
    attempts: Number(text('__eai.errors.attempts')),
    system: text(CONNECTOR_SYSTEM_HEADER),
    schema: text(DOCUMENT_SCHEMA_HEADER),
  };
}
