import { decodeUtf8 } from '../text-input/decode.ts';
import { parseJsonOrLines } from '../text-input/json.ts';
import { ptr } from '../text-input/pointer.ts';
import type { FormatReader, ParsedDocument } from '../types.ts';
import { FORMAT, readEvent } from './event.ts';
import type { CdcTree } from './tree.ts';

export type * from './tree.ts';

/** One event, a JSON array of events, or JSON lines: one ParsedDocument per event. */
export function parseCdc(input: Buffer): ParsedDocument<CdcTree>[] {
  const values = parseJsonOrLines(FORMAT, decodeUtf8(FORMAT, input), { losslessKeys: ['commitNumber'] });
  const events = values.flatMap(({ value, base }) =>
    Array.isArray(value) ? value.map((v, i) => readEvent(v, ptr(base, i))) : [readEvent(value, base)],
  );
  return events.map((tree) => ({
    format: FORMAT,
    kind: tree.header.entityName,
    // A transaction spans several events; its key and the event's sequence number name one event.
    id: `${tree.header.transactionKey}:${tree.header.sequenceNumber}`,
    source: tree.channel ?? `/data/${tree.header.entityName}ChangeEvent`,
    tree,
  }));
}

export const reader: FormatReader<CdcTree> = {
  name: FORMAT,
  family: 'crm',
  description:
    'Salesforce Change Data Capture events for Account, Contact and Case (CometD or Pub/Sub API JSON)',
  parse: parseCdc,
};
