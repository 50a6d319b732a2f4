import {
  type DeadLetterEntry,
  type DocumentRemap,
  describeDeadLetter,
  type IncomingRecord,
  type OutgoingRecord,
  RECORD_INDEX_HEADER,
  type RemapError,
} from '../../bus/index.ts';
import type { DocumentInput, MappingStep } from './mapping-step.ts';

/**
 * A mapping dead letter mapped again through the connector that refused it (`redriveDeadLetters`' `remapDocument`,
 * which the hub passes from its connector runtime): the letter's bytes go through the connector's mapping step as
 * it is now, as the document they were, and of what comes out only the letter's part is kept: the records of the
 * document it names (`eai.document.id`: the others of its file were published), and of those only the records it
 * lists (`eai.record.index`: the document's others were published). They keep the CloudEvents ids they would have
 * had (`<document id>` or `<document id>:<n>`), so consumers de-duplicate. All or nothing: when a part of the letter
 * still fails, nothing is published and the new error is returned; no second letter is written.
 */

const text = (headers: IncomingRecord['headers'], name: string) => headers[name]?.toString('utf8');

/** `3` or `2,3,4` as numbers; undefined for a letter about the whole document. */
function recordNumbers(headers: IncomingRecord['headers']): number[] | undefined {
  const listed = text(headers, RECORD_INDEX_HEADER);
  return listed ? listed.split(',').map(Number) : undefined;
}

/** The letter's document as the connector's source handed it over. */
function documentOf(letter: IncomingRecord, entry: DeadLetterEntry): DocumentInput {
  const h = letter.headers;
  const documentId = text(h, 'eai.document.id');
  const sender = text(h, 'eai.document.sender');
  // Letters written before the step kept the time: when it was dead-lettered, moments after.
  const receivedAt = text(h, 'eai.document.received-at') ?? text(h, '__eai.errors.time') ?? entry.timestamp;
  return {
    format: text(h, 'eai.document.format') ?? entry.originalTopic!.slice('document:'.length),
    bytes: letter.value!,
    name: text(h, 'eai.document.name'),
    receivedAt: new Date(receivedAt),
    // Where one document was read, its id the source gave it (a polled record's version); else the reader's again.
    ...(documentId ? { documentId } : {}),
    ...(sender ? { sender } : {}),
  };
}

/** The letter's part of a record or a would-be letter: the document it names, the records it lists. */
function partOf(letter: IncomingRecord) {
  const documentId = text(letter.headers, 'eai.document.id');
  const numbers = recordNumbers(letter.headers);
  return {
    documentId,
    numbers,
    /** An event's CloudEvents id is the letter's. */
    event(id: string): boolean {
      if (documentId === undefined) return true;
      if (numbers) return numbers.some((n) => id === `${documentId}:${n}`);
      return id === documentId || id.startsWith(`${documentId}:`);
    },
    /** A dead letter the mapping step made now is about the letter's part. */
    failure(headers: IncomingRecord['headers']): boolean {
      const other = text(headers, 'eai.document.id');
      if (documentId === undefined || other === undefined) return true;
      if (other !== documentId) return false;
      const others = recordNumbers(headers);
      return !numbers || !others || others.some((n) => numbers.includes(n));
    },
  };
}

function errorOf(headers: IncomingRecord['headers']): RemapError {
  const d = describeDeadLetter(headers);
  return {
    exceptionClass: d.exceptionClass ?? 'Error',
    message: d.message ?? '',
    location: text(headers, 'eai.error.location') ?? null,
    field: text(headers, 'eai.error.field') ?? null,
    records: recordNumbers(headers) ?? null,
  };
}

/** The connector `connector`'s step (made for this redrive) maps the letter again; see the top of this file. */
export async function remapLetter(
  step: MappingStep,
  connector: string,
  letter: IncomingRecord,
  entry: DeadLetterEntry,
): Promise<DocumentRemap> {
  if (letter.value === null)
    return { outcome: 'skipped', reason: 'the letter holds no document (its value is null)' };
  const part = partOf(letter);
  const prepared = await step.prepare(documentOf(letter, entry));
  const events: Array<OutgoingRecord & { key: string; id: string }> = [];
  const failures: OutgoingRecord[] = [];
  for (const record of prepared.records) {
    if ('id' in record) {
      const event = record as OutgoingRecord & { key: string; id: string };
      if (part.event(event.id)) events.push(event);
    } else if (part.failure(toHeaders(record))) failures.push(record);
  }
  if (failures.length > 0) {
    const error = errorOf(toHeaders(failures[0]!));
    const records = error.records ? ` (record ${error.records.join(',')})` : '';
    const more = failures.length > 1 ? `; and ${failures.length - 1} more dead letter(s) of it` : '';
    return {
      outcome: 'failing',
      connector,
      error,
      reason: `still does not map with connector ${connector}'s current mapping${records}: ${error.exceptionClass}: ${error.message}${more}; nothing was published and the letter stays`,
    };
  }
  const missing = (part.numbers ?? []).filter((n) => !events.some((e) => e.id === `${part.documentId}:${n}`));
  if (missing.length > 0) {
    const ids = events.map((e) => e.id);
    return {
      outcome: 'failing',
      connector,
      error: {
        exceptionClass: 'RecordsChanged',
        message: `document ${part.documentId} now maps to no record ${missing.join(',')}`,
        location: null,
        field: null,
        records: missing,
      },
      reason: `document ${part.documentId} mapped with connector ${connector}'s current mapping has no record ${missing.join(',')} (the letter's), so nothing was published and the letter stays${ids.length ? `; its records now: ${ids.join(', ')}` : ''}`,
    };
  }
  return {
    outcome: 'mapped',
    connector,
    records: events,
    published: events.map(({ topic, key, id }) => ({ topic, key, id })),
  };
}

/** A would-be letter's headers as read back (they are Buffers as the step writes them). */
function toHeaders(record: OutgoingRecord): IncomingRecord['headers'] {
  return Object.fromEntries(
    Object.entries(record.headers ?? {}).map(([name, value]) => [
      name,
      typeof value === 'string' ? Buffer.from(value) : value,
    ]),
  );
}
