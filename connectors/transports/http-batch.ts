import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HttpSinkRequest } from './http-sink.ts';

/**
 * How a system connector writes several records in one request (HubSpot's batch endpoints, Salesforce's sObject
 * Collections). The HTTP sink (http-sink.ts) gathers the requests its puts build, combines those of one `group` into
 * requests of at most `size` items, never two items of one target `key` in a request, and reads each item's fate from
 * the answer.
 */
export interface HttpBatching {
  /** Most items a request carries; 1 sends each record's own request, as without batching. */
  size: number;
  /** How long the sink waits for more records once one came, before it sends fewer than `size` (ms). */
  waitMs: number;
  /**
   * The part of a record's request that goes in a batch: `group` the requests that combine (the same endpoint and
   * object), `key` the target record it writes (two of one key never go in one request). Undefined: the request is
   * sent alone, as without batching (an erasure, a write by record id where the batch endpoint takes none).
   */
  itemOf(request: HttpSinkRequest): { group: string; key: string; item: unknown } | undefined;
  /** The request that writes `items` (all of `group`, in order). */
  combine(group: string, items: unknown[]): HttpSinkRequest;
  /**
   * Each item's fate in a 2xx answer to `sent` (the combined request), in order: undefined written; an Error the record's (a NonRetriableError
   * dead-letters it with its reason, a RetriableError has it retried); `alone` sends it again by itself, as its own
   * request, whose refusal is then read as without batching. `unknown` for the whole answer when it does not say
   * which items failed: the batch is split and each half sent again (upserts, so writing one twice does no harm).
   */
  results(
    text: string,
    items: unknown[],
    sent: HttpSinkRequest,
  ): Array<Error | undefined | 'alone'> | 'unknown';
}

/**
 * The options a batching sink adds to its config: `batchSize` (at most `max`, the system's limit) and `batchWaitMs`.
 * `what` says in the description what goes in one request, `system` in the error of a size over the limit whose it is.
 */
export function httpBatchConfig(defaultSize: number, max: number, what: string, system: string) {
  return {
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(max, `at most ${max}: ${system} takes no more in one request`)
      .default(defaultSize)
      .describe(
        `Records written in one request (${what}), at most ${max}; 1 sends one request per record. Two records of one target record never go in one request: the later goes in the next, so each record's writes stay in order.`,
      ),
    batchWaitMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(50)
      .describe(
        'How long the sink waits for more records after the last one came before it sends a batch not yet full (ms); a full batch goes at once.',
      ),
  };
}

/** A record's request waiting for its batch. */
export interface Queued<T> {
  group: string;
  key: string;
  value: T;
}

/**
 * The next request's items, taken out of `queue`: the first item's group, in queue order, at most `size`, and of each
 * key only the first (a later one of the same key stays for the next request, so one key's writes keep their order).
 * What is not taken stays in `queue`, in its order.
 */
export function takeBatch<T>(queue: Queued<T>[], size: number): Queued<T>[] {
  const first = queue[0];
  if (!first) return [];
  const taken: Queued<T>[] = [];
  const keys = new Set<string>();
  const left: Queued<T>[] = [];
  for (const entry of queue) {
    if (taken.length < size && entry.group === first.group && !keys.has(entry.key)) {
      taken.push(entry);
      keys.add(entry.key);
    } else left.push(entry);
  }
  queue.splice(0, queue.length, ...left);
  return taken;
}

/**
 * A batch's idempotency key, from its records' keys in order: a batch sent again (a retry, a lost answer) carries the
 * same key, another composition of records another one. It starts with the connector its records' keys name
 * (`<connector>:batch:<n>:<digest>`, the part of a record key before its first `:`: connector-ids.ts
 * `sinkIdempotencyKey`), so the system's log tells one connector's writes from another's whether a record went alone
 * or in a batch.
 */
export function batchIdempotencyKey(recordKeys: string[]): string {
  const digest = createHash('sha256').update(recordKeys.join('\n')).digest('hex').slice(0, 32);
  const connector = connectorOf(recordKeys[0] ?? '');
  const named = connector !== '' && recordKeys.every((key) => connectorOf(key) === connector);
  return `${named ? `${connector}:` : ''}batch:${recordKeys.length}:${digest}`;
}

/** The connector a record's idempotency key names (before its first `:`), or '' without one. */
function connectorOf(recordKey: string): string {
  const at = recordKey.indexOf(':');
  return at > 0 ? recordKey.slice(0, at) : '';
}
