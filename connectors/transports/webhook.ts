import { hash as digestOf } from 'node:crypto';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../../lib/errors.ts';
import type {
  CommitOutcome,
  ConnectorContext,
  Json,
  SourceDocument,
  SourceTask,
  WebhookRequest,
  WebhookResponse,
} from '../sdk/index.ts';
import { RecentIds } from './recent-ids.ts';
import { type WebhookSourceConfig, webhookSourceConfig } from './webhook-config.ts';
import {
  type IdentifiedPart,
  requestDeliveryId,
  requestParts,
  WebhookBodyError,
  type WebhookPart,
} from './webhook-parts.ts';
import { signedDeliveryIdHeader, verifySignature } from './webhook-signatures.ts';

export { type WebhookSourceConfig, webhookSourceConfig } from './webhook-config.ts';
export { WebhookBodyError, type WebhookPart } from './webhook-parts.ts';

/**
 * The webhook source: a push source that answers the sender only once its documents are on Kafka. The handler
 * queues a request's documents and waits; `poll()` hands them to the runtime; `commit()` settles the waiting
 * requests (2xx on success, 503 + Retry-After on failure, so the sender redelivers). Delivery ids already on Kafka
 * are answered 200 without queueing; one in flight joins the pending outcome.
 */
export type WebhookSourceOptions = z.input<typeof webhookSourceConfig> & {
  /** Checks the parsed JSON body (with `json: true`); its first issue is answered 400 with the field path. */
  bodySchema?: z.ZodType;
  /** Cuts one request into documents (HubSpot's event arrays); throw a WebhookBodyError for a 400. Default: the raw body. */
  split?: (request: WebhookRequest, body: unknown) => WebhookPart[];
};

type DocOutcome =
  | { ok: true; batch: number; published: number; deadLettered: number; shared: boolean }
  | { ok: false; reason: string };

interface Entry {
  document: SourceDocument & { deliveryId: string };
  /** Which request queued it: a batch of several requests' documents cannot attribute its counts to one. */
  request: number;
  done: Promise<DocOutcome>;
  settle(outcome: DocOutcome): void;
  /** `idHash` of the delivery id, once computed (the restored-ids check, then the position). */
  hash?: string;
}

function entryFor(part: IdentifiedPart, request: number, receivedAt: Date, hash?: string): Entry {
  let settle!: (outcome: DocOutcome) => void;
  const done = new Promise<DocOutcome>((resolve) => {
    settle = resolve;
  });
  const { bytes, format, name, sender, deliveryId, id } = part;
  const document = {
    bytes,
    position: null,
    deliveryId,
    receivedAt,
    name: name ?? deliveryId,
    ...(format === undefined ? {} : { format }),
    ...(sender === undefined ? {} : { sender }),
    ...(id === undefined ? {} : { id }),
  };
  return { document, request, done, settle, ...(hash === undefined ? {} : { hash }) };
}

/**
 * Delivery ids that survive a restart: a request whose records were committed but whose 2xx was lost (the process
 * died in between) comes again, and the in-memory ids are gone by then. The last RESTORED_PER_BUCKET committed ids
 * of each of RESTORED_BUCKETS buckets (by hash) ride along as the documents' positions, so the runtime writes them
 * in the same Kafka transaction as the records and hands them back to `start`. Bounded on purpose: the compacted
 * offsets topic holds RESTORED_BUCKETS keys per connector (~1 KB each), not one per delivery, and a transaction
 * carries at most that many extra records; about the last 1,000 deliveries are remembered across a restart, which
 * covers a sender's redelivery of what was in flight when the process died.
 */
const RESTORED_BUCKETS = 16;
const RESTORED_PER_BUCKET = 64;
const BUCKET_PARTITION = 'delivery-ids/';

/**
 * 64 bits of the SHA-256 of a delivery id: short, fixed size, and a false match needs ~2^32 ids in a bucket. One-shot
 * `crypto.hash`: 0.5-1 µs against createHash's 1.7-2 µs (no Hash object).
 */
function idHash(id: string): string {
  return digestOf('sha256', id, 'hex').slice(0, 16);
}

function bucketOf(hash: string): number {
  return Number.parseInt(hash.slice(0, 8), 16) % RESTORED_BUCKETS;
}

/**
 * What keeps a webhook source from resuming at `offset` of `partition`, or undefined: its plugins' `checkOffset`
 * (PATCH …/offsets), as the drop folders' `fileDropOffsetProblem`. Its positions are the remembered delivery ids,
 * `delivery-ids/<bucket>` → the ids' hashes (16 hex digits) of that bucket, at most RESTORED_PER_BUCKET.
 */
export function webhookOffsetProblem(partition: string, offset: unknown): string | undefined {
  const digits = partition.startsWith(BUCKET_PARTITION) ? partition.slice(BUCKET_PARTITION.length) : '';
  const bucket = /^\d{1,2}$/.test(digits) ? Number(digits) : -1;
  if (bucket < 0 || bucket >= RESTORED_BUCKETS)
    return `is not a webhook source partition (${BUCKET_PARTITION}0 to ${BUCKET_PARTITION}${RESTORED_BUCKETS - 1}: the delivery ids it remembers, as GET …/offsets shows)`;
  if (!Array.isArray(offset) || offset.length > RESTORED_PER_BUCKET)
    return `is not a list of at most ${RESTORED_PER_BUCKET} delivery id hashes (as GET …/offsets shows; [] forgets them)`;
  const wrong = offset.findIndex(
    (hash) => typeof hash !== 'string' || !/^[0-9a-f]{16}$/.test(hash) || bucketOf(hash) !== bucket,
  );
  if (wrong !== -1)
    return `[${wrong}] ${JSON.stringify(offset[wrong])} is not a delivery id hash of this bucket (16 hex digits, as GET …/offsets shows)`;
  return undefined;
}

function parseOptions(options: WebhookSourceOptions): WebhookSourceConfig {
  const { bodySchema: _schema, split: _split, ...config } = options;
  const parsed = webhookSourceConfig.safeParse(config);
  // A scheme that signs the delivery id names its header: a replay under another id would not verify.
  if (parsed.success)
    return {
      ...parsed.data,
      deliveryIdHeader: parsed.data.deliveryIdHeader ?? signedDeliveryIdHeader(parsed.data.signature),
    };
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`webhook source: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

const shortId = (id: string) => (id.length > 200 ? `${id.slice(0, 200)}…` : id);

export function createWebhookSource(options: WebhookSourceOptions, context: ConnectorContext): SourceTask {
  const config = parseOptions(options);
  const { logger, signal } = context;
  const retryAfter = { 'retry-after': String(config.retryAfterSeconds) };
  const committed = new RecentIds(config.dedupCapacity);
  /** Hashes of delivery ids committed before a restart, from the positions. */
  const restored = new Set<string>();
  /** Per bucket, the hashes of the last committed delivery ids, as the positions hold them. */
  const buckets = new Map<number, string[]>();
  /**
   * Per batch polled and not committed yet (the runtime polls one ahead), in poll order: the buckets as that batch
   * leaves them, built on the batches before it; applied to `buckets` once it is committed. A failed batch drops
   * the ones after it too (the runtime never sends a batch polled ahead of one that failed).
   */
  const outstanding: Array<{ documents: SourceDocument[]; buckets: Map<number, string[]> }> = [];
  /** Queued or polled, not yet committed, by delivery id. */
  const inFlight = new Map<string, Entry>();
  const queue: Entry[] = [];
  const wakers = new Set<() => void>();
  let state: 'new' | 'running' | 'stopped' = 'new';
  let requests = 0;
  let batches = 0;

  function wake(): void {
    for (const waker of [...wakers]) waker();
  }

  function refuse(
    request: WebhookRequest,
    status: number,
    reason: string,
    body: Json,
    deliveryId?: string,
    headers?: Record<string, string>,
  ): WebhookResponse {
    const fields = { status, reason, method: request.method, path: request.path, deliveryId };
    if (status >= 500 || status === 401 || status === 413) logger.warn(fields, 'webhook request refused');
    else logger.info(fields, 'webhook request refused');
    return { status, body, ...(headers ? { headers } : {}) };
  }

  function waitAll(entries: Entry[]): Promise<DocOutcome[] | 'timeout'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), config.responseTimeoutMs);
      timer.unref?.();
      void Promise.all(entries.map((entry) => entry.done)).then((outcomes) => {
        clearTimeout(timer);
        resolve(outcomes);
      });
    });
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    if (state !== 'running' || signal.aborted)
      return refuse(
        request,
        503,
        'stopping',
        { error: 'not accepting requests, retry later' },
        undefined,
        retryAfter,
      );
    const headerId = config.deliveryIdHeader ? request.headers[config.deliveryIdHeader] : undefined;
    const logId = headerId ? shortId(headerId) : undefined;
    if (request.method.toUpperCase() !== 'POST')
      return refuse(request, 405, 'method not allowed', { error: 'only POST is accepted' }, logId, {
        allow: 'POST',
      });
    const declared = Number(request.headers['content-length']);
    if (request.rawBody.length > config.maxBodyBytes || declared > config.maxBodyBytes)
      return refuse(
        request,
        413,
        'body too large',
        { error: `body over ${config.maxBodyBytes} bytes` },
        logId,
      );
    const requestId = shortId(requestDeliveryId(request, config.deliveryIdHeader));
    // WooCommerce pings a webhook's URL when it is saved: a form post `webhook_id=<n>`, unsigned, and the webhook
    // is not saved unless it gets a 2xx. It carries no document: acknowledged, nothing published or dead-lettered.
    if (isWooCommercePing(request)) {
      logger.info({ deliveryId: requestId }, 'webhook ping acknowledged (WooCommerce webhook_id)');
      return { status: 200, body: { ping: true } };
    }
    const check = verifySignature(config.signature, request);
    if (!check.ok)
      return refuse(request, 401, check.reason, { error: 'missing or invalid signature' }, requestId);

    let parts: IdentifiedPart[];
    try {
      parts = requestParts(request, { ...config, bodySchema: options.bodySchema, split: options.split });
    } catch (error) {
      if (error instanceof WebhookBodyError)
        return refuse(
          request,
          400,
          `bad body at ${error.path}`,
          { error: error.detail, path: error.path },
          requestId,
        );
      logger.error({ error: errorMessage(error), deliveryId: requestId }, 'webhook split failed');
      return { status: 500, body: { error: 'could not read the request' } };
    }
    if (parts.length > config.maxPendingDocuments)
      return refuse(
        request,
        413,
        'too many documents',
        { error: `request holds ${parts.length} documents, over ${config.maxPendingDocuments}` },
        requestId,
      );

    const joined: Entry[] = [];
    const fresh: Array<{ part: IdentifiedPart; hash?: string }> = [];
    for (const part of parts) {
      if (committed.has(part.deliveryId)) continue;
      const hash = restored.size > 0 ? idHash(part.deliveryId) : undefined;
      if (hash !== undefined && restored.has(hash)) continue;
      const pending = inFlight.get(part.deliveryId);
      if (pending) joined.push(pending);
      else fresh.push({ part, hash });
    }
    if (parts.length > 0 && fresh.length === 0 && joined.length === 0) {
      logger.info({ deliveryId: requestId, documents: parts.length }, 'webhook delivery already on Kafka');
      return { status: 200, body: { duplicate: true } };
    }
    if (inFlight.size + fresh.length > config.maxPendingDocuments)
      return refuse(
        request,
        429,
        'queue full',
        { error: 'too many pending documents, retry later' },
        requestId,
        {
          ...retryAfter,
        },
      );

    requests += 1;
    const receivedAt = new Date();
    const entries = fresh.map(({ part, hash }) => entryFor(part, requests, receivedAt, hash));
    for (const entry of entries) {
      inFlight.set(entry.document.deliveryId, entry);
      queue.push(entry);
    }
    wake();

    const outcomes = await waitAll([...entries, ...joined]);
    if (outcomes === 'timeout')
      return refuse(
        request,
        503,
        'not on Kafka in time',
        { error: 'not stored yet, retry later' },
        requestId,
        {
          ...retryAfter,
        },
      );
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed && !failed.ok)
      return refuse(request, 503, failed.reason, { error: 'not stored, retry later' }, requestId, {
        ...retryAfter,
      });
    return {
      status: config.acceptedStatus,
      body: summary(outcomes, entries.length + joined.length, joined.length),
    };
  }

  /** Counts per batch, summed over the batches the request's documents went in; `sharedBatch` when inexact. */
  function summary(outcomes: DocOutcome[], accepted: number, joined: number): Json {
    const perBatch = new Map<number, { published: number; deadLettered: number; shared: boolean }>();
    for (const outcome of outcomes) if (outcome.ok) perBatch.set(outcome.batch, outcome);
    let published = 0;
    let deadLettered = 0;
    let shared = joined > 0;
    for (const batch of perBatch.values()) {
      published += batch.published;
      deadLettered += batch.deadLettered;
      shared ||= batch.shared;
    }
    return { accepted, published, deadLettered, ...(shared ? { sharedBatch: true } : {}) };
  }

  function waitForWork(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, config.pollWaitMs);
      signal.addEventListener('abort', done, { once: true });
      wakers.add(done);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakers.delete(done);
        resolve();
      }
    });
  }

  /**
   * Documents refused on their own while their batch goes on (a wrapper's failed read: withRereads): their ids leave
   * the positions of every batch not yet committed, so the batch's commit does not remember them; else their
   * redelivery after a restart would be taken for a duplicate and lost.
   */
  function forgetRefused(entries: Entry[]): void {
    const refused = new Set(entries.map((entry) => entry.hash ?? idHash(entry.document.deliveryId)));
    if (refused.size === 0) return;
    // In place: a wrapper's replacement documents share their original's position (a shallow copy).
    const drop = (ids: unknown) => {
      if (!Array.isArray(ids)) return;
      for (let i = ids.length - 1; i >= 0; i--) if (refused.has(ids[i] as string)) ids.splice(i, 1);
    };
    for (const batch of outstanding) {
      for (const ids of batch.buckets.values()) drop(ids);
      for (const document of batch.documents) drop(document.position?.offset);
    }
  }

  function settleAll(reason: string): void {
    for (const entry of inFlight.values()) entry.settle({ ok: false, reason });
    inFlight.clear();
    queue.length = 0;
  }

  return {
    async start(positions) {
      if (state !== 'new') throw new ConfigError(`webhook source ${context.name}: start() called twice`);
      for (const [partition, offset] of positions) {
        if (!partition.startsWith(BUCKET_PARTITION) || !Array.isArray(offset)) continue;
        const hashes = offset.filter((h): h is string => typeof h === 'string');
        buckets.set(Number(partition.slice(BUCKET_PARTITION.length)), hashes);
        for (const hash of hashes) restored.add(hash);
      }
      state = 'running';
      if (config.signature.scheme === 'none')
        // (The connector's logger names the connector already: a `connector` field here would repeat the key.)
        logger.warn('webhook signatures are not checked (signature.scheme: none)');
      context.serveWebhook(handle, { maxBodyBytes: config.maxBodyBytes });
    },

    async poll() {
      if (state === 'running' && queue.length === 0 && !signal.aborted) await waitForWork();
      if (state !== 'running') return [];
      const taken = queue.splice(0, config.batchSize);
      if (taken.length === 0) return [];
      const pending = new Map<number, string[]>();
      const current = (bucket: number) => {
        for (let i = outstanding.length - 1; i >= 0; i--) {
          const ids = outstanding[i]!.buckets.get(bucket);
          if (ids) return ids;
        }
        return buckets.get(bucket) ?? [];
      };
      const documents: SourceDocument[] = taken.map((entry) => {
        // The document's position: its bucket's last ids, this one included; the runtime keeps the batch's last.
        const hash = entry.hash ?? idHash(entry.document.deliveryId);
        const bucket = bucketOf(hash);
        const ids = [...(pending.get(bucket) ?? current(bucket)), hash].slice(-RESTORED_PER_BUCKET);
        pending.set(bucket, ids);
        return { ...entry.document, position: { partition: `${BUCKET_PARTITION}${bucket}`, offset: ids } };
      });
      outstanding.push({ documents, buckets: pending });
      return documents;
    },

    async commit(documents, outcome: CommitOutcome) {
      batches += 1;
      const entries = documents.flatMap((document) => {
        const entry = document.deliveryId === undefined ? undefined : inFlight.get(document.deliveryId);
        return entry ? [entry] : [];
      });
      const shared = new Set(entries.map((entry) => entry.request)).size > 1;
      const at = outstanding.findIndex((batch) => batch.documents === documents);
      if (at < 0 && !outcome.ok) forgetRefused(entries);
      if (at >= 0) {
        const [batch] = outstanding.splice(0, at + 1).slice(-1);
        if (outcome.ok) for (const [bucket, ids] of batch!.buckets) buckets.set(bucket, ids);
        // Batches polled after a failed one hold its ids in their positions: the runtime fails them too.
        else outstanding.length = 0;
      }
      if (!outcome.ok)
        logger.warn(
          { documents: entries.length, error: errorMessage(outcome.error) },
          'webhook batch not stored',
        );
      for (const entry of entries) {
        inFlight.delete(entry.document.deliveryId);
        if (outcome.ok) {
          committed.add(entry.document.deliveryId);
          const { published, deadLettered } = outcome;
          entry.settle({ ok: true, batch: batches, published, deadLettered, shared });
        } else {
          entry.settle({ ok: false, reason: 'commit failed' });
        }
      }
    },

    pollsAhead: true,

    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      settleAll('stopping');
      wake();
    },
  };
}

/** WooCommerce's ping of a webhook being saved: `webhook_id=<n>` as a form post, nothing else. */
function isWooCommercePing(request: WebhookRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return (
    type.toLowerCase().startsWith('application/x-www-form-urlencoded') &&
    request.rawBody.length < 40 &&
    /^webhook_id=\d+$/.test(request.rawBody.toString('latin1').trim())
  );
}
