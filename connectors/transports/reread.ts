import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';

/**
 * What a source's documents ask to be read again from the system before they are mapped: an event that says a record
 * changed without saying to what (a Salesforce GAP event, a HubSpot change of a Sensitive Data property).
 */
export interface Rereads<T> {
  /** What the document asks to be read (say, record ids); undefined for a document that goes on as it is. */
  wanted(document: SourceDocument): T | undefined;
  /**
   * Reads it: the documents that go on in its place (the records read, in their own format; the document itself to
   * keep it). None: nothing is published for it, only acknowledged. A throw refuses the document for redelivery.
   */
  read(document: SourceDocument, wanted: T): Promise<SourceDocument[]>;
  /** Log fields of a failed read (ids, never values). */
  describe(document: SourceDocument, wanted: T): Record<string, unknown>;
  /** The log message of a failed read, e.g. 'GAP re-read failed; the event is refused for redelivery'. */
  failedMessage: string;
}

/**
 * Wraps a change source so that each document that asks for it is replaced, before mapping, by what the system answers
 * a read with. Commits go back to the wrapped source as it handed the documents out: the very batch array (the webhook
 * source finds its batch by identity, and holds it until then), or per original document for a subset, so a webhook
 * request is answered once for the event it carried. A read that fails refuses that document alone (its request is
 * answered 503, the sender delivers it again); the rest of the batch goes on.
 */
export function withRereads<T>(inner: SourceTask, rereads: Rereads<T>, logger: Logger): SourceTask {
  const originals = new WeakMap<SourceDocument, SourceDocument>();
  const batches = new WeakMap<SourceDocument[], SourceDocument[]>();

  async function replace(document: SourceDocument, wanted: T): Promise<SourceDocument[]> {
    const read = await rereads.read(document, wanted);
    // Nothing to publish: the document still goes on, position only, so that its request is answered with the batch.
    const out = read.length > 0 ? read : [{ ...document, positionOnly: true }];
    for (const replacement of out) if (replacement !== document) originals.set(replacement, document);
    return out;
  }

  return {
    start: (positions) => inner.start(positions),
    stop: () => inner.stop(),
    ...(inner.status ? { status: inner.status.bind(inner) } : {}),
    ...(inner.pollsAhead === undefined ? {} : { pollsAhead: inner.pollsAhead }),
    async poll() {
      const documents = await inner.poll();
      const out: SourceDocument[] = [];
      for (const document of documents) {
        const wanted = rereads.wanted(document);
        if (wanted === undefined) {
          out.push(document);
          continue;
        }
        try {
          out.push(...(await replace(document, wanted)));
        } catch (error) {
          logger.warn(
            { ...rereads.describe(document, wanted), document: document.name, error: errorMessage(error) },
            rereads.failedMessage,
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
        // A document whose read failed was committed on its own already: the inner source skips it.
        await inner.commit(batch, outcome);
        return;
      }
      const seen = new Set<SourceDocument>();
      for (const document of documents) seen.add(originals.get(document) ?? document);
      await inner.commit([...seen], outcome);
    },
  };
}
