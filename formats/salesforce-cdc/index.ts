import { type DocumentResult, parses, readEach } from '../each-document.ts';
import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJsonOrLines } from '../text-input/json.ts';
import { isObject, ptr } from '../text-input/pointer.ts';
import { FormatError, type FormatReader, type ParsedDocument } from '../types.ts';
import { FORMAT, readEvent } from './event.ts';
import type { CdcTree } from './tree.ts';

export type * from './tree.ts';

interface Item {
  value: unknown;
  loc: string;
}

function documentOf(tree: CdcTree): ParsedDocument<CdcTree> {
  return {
    format: FORMAT,
    kind: tree.header.entityName,
    // A transaction spans several events; its key and the event's sequence number name one event.
    id: `${tree.header.transactionKey}:${tree.header.sequenceNumber}`,
    source: tree.channel ?? `/data/${tree.header.entityName}ChangeEvent`,
    tree,
  };
}

/**
 * The id of an event its reader refused, as a read one has it (`transactionKey:sequenceNumber`), from its header
 * where that much reads: so the line about it names the event the stream names, not only its place.
 */
function refusedEventId({ value }: Item): string | undefined {
  const at = isObject(value) ? value : undefined;
  const payload = at && isObject(at.data) ? at.data.payload : at?.payload !== undefined ? at.payload : at;
  const header = isObject(payload) ? payload.ChangeEventHeader : undefined;
  if (!isObject(header) || typeof header.transactionKey !== 'string') return undefined;
  const sequence = header.sequenceNumber;
  return typeof sequence === 'number' || typeof sequence === 'string'
    ? `${header.transactionKey}:${sequence}`
    : header.transactionKey;
}

function asFormatError(error: unknown): FormatError {
  return error instanceof FormatError ? error : new FormatError(FORMAT, '', String(error), { cause: error });
}

/**
 * One event, a JSON array of events, or JSON lines: one ParsedDocument per event, each read on its own, as the CDC
 * connector takes them: an event that does not read (an entity no mapping reads, a broken header) is refused alone,
 * the others read. What breaks the text (UTF-8, JSON syntax, nesting) refuses all of it.
 */
export function parseCdcEach(input: Buffer): DocumentResult<CdcTree>[] {
  const values = parseJsonOrLines(FORMAT, decodeUtf8(FORMAT, input));
  const items = values.flatMap(({ value, base }): Item[] =>
    Array.isArray(value) ? value.map((v, i) => ({ value: v, loc: ptr(base, i) })) : [{ value, loc: base }],
  );
  return readEach(
    items,
    (item) => documentOf(readEvent(item.value, item.loc)),
    refusedEventId,
    asFormatError,
  );
}

export const reader: FormatReader<CdcTree> = {
  name: FORMAT,
  family: 'crm',
  description:
    'Salesforce Change Data Capture events for Account, Contact and Case (CometD or Pub/Sub API JSON)',
  ...parses(parseCdcEach),
};
