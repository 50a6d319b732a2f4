import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import type { RecordReader } from './record-reader.ts';

/** The format of a record read over REST: mapped by the shipped salesforce/sobject.to-canonical.yaml. */
export const SOBJECT_FORMAT = 'salesforce-sobject';

/** GAP events whose records still exist and can be read; GAP_DELETE (gone) and GAP_OVERFLOW (no ids) cannot. */
const REREAD = new Set(['GAP_CREATE', 'GAP_UPDATE', 'GAP_UNDELETE']);
/**
 * Entities whose re-read record has a mapping (salesforce/sobject.to-canonical.yaml: Account, Contact). A Case GAP event
 * goes on as it is: the case mapping publishes it as RESYNC_REQUESTED.
 */
const REREADABLE = new Set(['Account', 'Contact']);

interface GapEvent {
  entity: string;
  recordIds: string[];
}

/** The entity and record ids of a CDC document that is a re-readable GAP event; undefined for any other. */
export function gapOf(bytes: Buffer): GapEvent | undefined {
  let event: unknown;
  try {
    event = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const root = event as { payload?: unknown; data?: { payload?: unknown } };
  const payload = (root.data?.payload ?? root.payload ?? root) as {
    ChangeEventHeader?: { changeType?: unknown; entityName?: unknown; recordIds?: unknown };
  };
  const header = payload.ChangeEventHeader;
  if (!header || typeof header.changeType !== 'string' || !REREAD.has(header.changeType)) return undefined;
  if (typeof header.entityName !== 'string' || !Array.isArray(header.recordIds)) return undefined;
  if (!REREADABLE.has(header.entityName)) return undefined;
  const recordIds = header.recordIds.filter((id): id is string => typeof id === 'string' && id !== '');
  return recordIds.length > 0 ? { entity: header.entityName, recordIds } : undefined;
}

/**
 * Wraps a CDC source: a GAP event (the change happened, its fields were not sent) is answered by reading each
 * record over REST; the records go on as `salesforce-sobject` documents in its place (mapped with
 * salesforce/sobject.to-canonical.yaml), and a record that is gone by then leaves the GAP event itself in the batch
 * (the CDC mapping publishes it as RESYNC_REQUESTED). Commits are handed back to the wrapped source per original
 * document, so the webhook is answered once for it. A read that fails fails that document's request (503: Salesforce
 * sends it again), the rest of the batch goes on.
 */
export function withGapRereads(inner: SourceTask, reader: RecordReader, logger: Logger): SourceTask {
  const originals = new WeakMap<SourceDocument, SourceDocument>();
  /**
   * The inner source's batch behind each batch handed on: its commit gets that very array back (the webhook source
   * finds its batch by identity, and keeps it, documents and all, until it does).
   */
  const batches = new WeakMap<SourceDocument[], SourceDocument[]>();

  async function reread(document: SourceDocument, gap: GapEvent): Promise<SourceDocument[]> {
    const out: SourceDocument[] = [];
    let gone = 0;
    for (const id of gap.recordIds) {
      const bytes = await reader.read(gap.entity, id);
      if (bytes === null) {
        gone += 1;
        continue;
      }
      const replacement: SourceDocument = {
        ...document,
        bytes,
        format: SOBJECT_FORMAT,
        name: `${document.name ?? document.deliveryId}#reread:${id}`,
        deliveryId: `${document.deliveryId}:reread:${id}`,
      };
      originals.set(replacement, document);
      out.push(replacement);
    }
    if (gone > 0) out.push(document);
    logger.info(
      { entity: gap.entity, records: gap.recordIds.length, read: gap.recordIds.length - gone, gone },
      'GAP event answered by re-reading its records',
    );
    return out;
  }

  return {
    start: (positions) => inner.start(positions),
    stop: () => inner.stop(),
    async poll() {
      const documents = await inner.poll();
      const out: SourceDocument[] = [];
      for (const document of documents) {
        const gap = gapOf(document.bytes);
        if (!gap) {
          out.push(document);
          continue;
        }
        try {
          out.push(...(await reread(document, gap)));
        } catch (error) {
          logger.warn(
            { entity: gap.entity, document: document.name, error: errorMessage(error) },
            'GAP re-read failed; the event is refused for redelivery',
          );
          await inner.commit([document], { ok: false, error: error as Error });
        }
      }
      batches.set(out, documents);
      return out;
    },
    async commit(documents, outcome) {
      const batch = batches.get(documents);
      if (batch) {
        // A GAP event whose read failed was committed on its own already: the inner source skips it.
        await inner.commit(batch, outcome);
        return;
      }
      const seen = new Set<SourceDocument>();
      for (const document of documents) seen.add(originals.get(document) ?? document);
      await inner.commit([...seen], outcome);
    },
  };
}
