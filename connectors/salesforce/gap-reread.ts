import type { Logger } from '../../lib/logger.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { withRereads } from '../transports/reread.ts';
import type { RecordReader } from './record-reader.ts';

/** The format of a record read over REST: mapped by the shipped salesforce/sobject.to-canonical.yaml. */
export const SOBJECT_FORMAT = 'salesforce-sobject';

/**
 * GAP events whose records still exist and can be read by id; GAP_DELETE (gone) cannot, GAP_OVERFLOW (no ids) is read
 * by a query of its entity instead (overflow-reread.ts).
 */
const REREAD = new Set(['GAP_CREATE', 'GAP_UPDATE', 'GAP_UNDELETE']);
/**
 * Entities whose re-read record has a mapping (salesforce/sobject.to-canonical.yaml: Account, Contact). A Case GAP event
 * goes on as it is: the case mapping publishes it as RESYNC_REQUESTED.
 */
export const REREADABLE = new Set(['Account', 'Contact']);

interface GapEvent {
  entity: string;
  recordIds: string[];
}

/** The ChangeEventHeader of a change event as a relay pushes it (Pub/Sub envelope, CometD message or bare payload). */
export interface CdcHeader {
  changeType?: unknown;
  entityName?: unknown;
  recordIds?: unknown;
  commitTimestamp?: unknown;
  diffFields?: unknown;
}

/** A change event document's header, or undefined when the bytes are no JSON change event. */
export function cdcHeaderOf(bytes: Buffer): CdcHeader | undefined {
  let event: unknown;
  try {
    event = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const root = event as { payload?: unknown; data?: { payload?: unknown } } | null;
  const payload = (root?.data?.payload ?? root?.payload ?? root) as { ChangeEventHeader?: CdcHeader } | null;
  return payload?.ChangeEventHeader ?? undefined;
}

/**
 * An UPDATE naming a field whose new value came as a unified diff of its old one (Pub/Sub `diffFields`, or a CometD
 * `{"diff": …}` value): Salesforce sends large text fields (Description, long text areas of 1,000 characters and more)
 * so. The diff is no value without the old one: the record is read whole instead, as for a GAP event.
 */
const DIFF_MARK = /"diffFields"\s*:\s*\[\s*"|"diff"\s*:\s*"/;

function hasDiff(header: CdcHeader, bytes: Buffer): boolean {
  if (Array.isArray(header.diffFields) && header.diffFields.length > 0) return true;
  // CometD lists no diffFields: the value itself is {diff}.
  const root = JSON.parse(bytes.toString('utf8')) as { data?: { payload?: unknown }; payload?: unknown };
  const payload = (root?.data?.payload ?? root?.payload ?? root) as Record<string, unknown>;
  return Object.values(payload).some(
    (v) => v !== null && typeof v === 'object' && typeof (v as { diff?: unknown }).diff === 'string',
  );
}

/**
 * The entity and record ids of a CDC document whose records must be read again: a re-readable GAP event, or an
 * UPDATE that carries a diff instead of a field's value; undefined for any other.
 */
export function gapOf(bytes: Buffer): GapEvent | undefined {
  // Every document of every batch is asked: most are not one, and a byte search is cheaper than a parse.
  const gap = bytes.includes('GAP_');
  if (!gap && !(bytes.includes('"diff') && DIFF_MARK.test(bytes.toString('utf8')))) return undefined;
  const header = cdcHeaderOf(bytes);
  if (!header || typeof header.changeType !== 'string') return undefined;
  if (!REREAD.has(header.changeType) && !(header.changeType === 'UPDATE' && hasDiff(header, bytes)))
    return undefined;
  if (typeof header.entityName !== 'string' || !Array.isArray(header.recordIds)) return undefined;
  if (!REREADABLE.has(header.entityName)) return undefined;
  const recordIds = header.recordIds.filter((id): id is string => typeof id === 'string' && id !== '');
  return recordIds.length > 0 ? { entity: header.entityName, recordIds } : undefined;
}

/**
 * Wraps a CDC source: a GAP event (the change happened, its fields were not sent) is answered by reading its records
 * over REST, all of them in one sObject Collections retrieve (`RecordReader.readMany`: one call per 2,000 ids, not
 * one per record); the records go on as `salesforce-sobject` documents in its place (mapped with
 * salesforce/sobject.to-canonical.yaml), and a record that is gone by then (Salesforce answers null for it) leaves the
 * GAP event itself in the batch (the CDC mapping publishes it as RESYNC_REQUESTED). Commits are handed back to the
 * wrapped source per original document, so the webhook is answered once for it. A read that fails fails that
 * document's request (503: Salesforce sends it again), the rest of the batch goes on (the shared `withRereads`,
 * ../transports/reread.ts).
 */
export function withGapRereads(
  inner: SourceTask,
  reader: Pick<RecordReader, 'readMany'>,
  logger: Logger,
): SourceTask {
  return withRereads<GapEvent>(
    inner,
    {
      wanted: (document) => gapOf(document.bytes),
      async read(document, gap) {
        const records = await reader.readMany(gap.entity, gap.recordIds);
        const out: SourceDocument[] = [];
        let gone = 0;
        for (const [index, id] of gap.recordIds.entries()) {
          const bytes = records[index] ?? null;
          if (bytes === null) {
            gone += 1;
            continue;
          }
          out.push({
            ...document,
            bytes,
            format: SOBJECT_FORMAT,
            name: `${document.name ?? document.deliveryId}#reread:${id}`,
            deliveryId: `${document.deliveryId}:reread:${id}`,
          });
        }
        if (gone > 0) out.push(document);
        logger.info(
          { entity: gap.entity, records: gap.recordIds.length, read: gap.recordIds.length - gone, gone },
          'GAP event (or an update sent as a diff) answered by re-reading its records',
        );
        return out;
      },
      describe: (_document, gap) => ({ entity: gap.entity, records: gap.recordIds.length }),
      failedMessage: 'GAP re-read failed; the event is refused for redelivery',
    },
    logger,
  );
}
