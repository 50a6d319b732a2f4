import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import {
  errorMessage,
  isRetriable,
  NonRetriableError,
  RetriableError,
  withoutAnswerBody,
} from '../../lib/errors.ts';
import { withRetry } from '../../lib/retry.ts';
import {
  type ConnectorContext,
  isSkipped,
  NOTHING_TO_WRITE,
  type SinkRecord,
  type SinkTask,
  type Skipped,
  skipped,
} from '../sdk/index.ts';
import { batchIdempotencyKey, type HttpBatching, type Queued, takeBatch } from './http-batch.ts';
import {
  CircuitOpenError,
  type HttpFailure,
  HttpLimitWaitError,
  HttpRefusedError,
  HttpUnavailableError,
  httpAnswerError,
  type RetriableAnswer,
  truncateBody,
} from './http-errors.ts';
import { type HttpSinkConfig, httpSinkConfig } from './http-sink-config.ts';

export { type HttpBatching, httpBatchConfig } from './http-batch.ts';
export {
  CircuitOpenError,
  HttpLimitWaitError,
  HttpRefusedError,
  HttpUnavailableError,
  httpAnswerError,
  parseRetryAfter,
  type RetriableAnswer,
} from './http-errors.ts';
export { type HttpSinkConfig, type HttpSinkConfigInput, httpSinkConfig } from './http-sink-config.ts';

/** One request a system connector wants sent for a record. */
export interface HttpSinkRequest {
  method: string;
  /** Below `baseUrl`, with its query if any, e.g. `/services/data/v62.0/sobjects/Account/External_Id__c/C-1`. */
  path: string;
  headers?: Record<string, string>;
  /**
   * A string or Buffer goes out as it is; anything else as JSON. Absent: no body. A body that carries the
   * credentials itself (a SOAP SessionHeader) is a function of the attempt's headers, auth included, built at each
   * attempt, so a renewed token reaches it.
   */
  body?: unknown | ((headers: Headers) => unknown);
}

export interface HttpSinkOptions {
  config: HttpSinkConfig;
  /**
   * The request that writes `record`, or `skipped(reason)` when there is nothing to write for it (the put resolves
   * skipped; null: the mapping writes nothing for it). A list is sent in order, each step with its own retries (an
   * erasure: delete, then purge); step n > 0 carries the idempotency key `<key>/<n>`. A step refused as
   * `alreadyApplied` counts as done and the next one follows.
   */
  request(record: SinkRecord): Promise<HttpSinkRequest | HttpSinkRequest[] | Skipped | null>;
  /**
   * Auth headers for each attempt (e.g. a cached OAuth bearer token). Called with `renew: true` once per put
   * after a 401, to fetch a fresh token; the request is then sent again.
   */
  authorize?(options: { renew: boolean; signal: AbortSignal }): Promise<Record<string, string>>;
  /**
   * A refusal that means the write was made before (a target that answers a repeat with 409 and its own code,
   * not with the first answer): return what to log, and the put resolves instead of dead-lettering the record.
   */
  alreadyApplied?(refusal: HttpRefusedError, request: HttpSinkRequest): string | undefined;
  /**
   * A refusal that means the record is not for this target, by the connector's choice (an order whose customer
   * the CRM does not hold): return why, and the put resolves skipped with it (counted as skipped, not as out; the
   * same words for every record so refused: they count by reason) instead of dead-lettering the record.
   */
  refusedAsSkipped?(refusal: HttpRefusedError, request: HttpSinkRequest): string | undefined;
  /**
   * A refusal that names where the write belongs instead (HubSpot's 409 "Contact already exists. Existing ID: n"):
   * the request returned is sent in the refused one's place, once; undefined leaves the refusal as it is. It may
   * throw a NonRetriableError to dead-letter the record with a clearer reason.
   */
  redirect?(
    refusal: HttpRefusedError,
    request: HttpSinkRequest,
    signal: AbortSignal,
  ): Promise<HttpSinkRequest | undefined>;
  /**
   * A 4xx answer the target means as "not now" (Salesforce's 403 REQUEST_LIMIT_EXCEEDED when the org's API limit is
   * spent): retried like a 429 (it does not count towards the breaker) instead of dead-lettering the record.
   */
  retriableAnswer?: RetriableAnswer;
  /**
   * An answer that says a quota is spent until a known time (HubSpot's 429 `policyName: DAILY`, until midnight in the
   * account's time zone): resolves when to send again and why (undefined: the answer is classified as usual). The put
   * then waits until that time (as a Retry-After of that length) and sends again, however long (`maxRetryAfterMs`
   * does not bound it), and the waits are not counted against `retry.retries`: the record is never dead-lettered for a
   * spent quota. One warn line per wait says until when; the status says it as the retry's error (`attemptFailed`).
   */
  limitWait?(status: number, body: string): Promise<{ until: Date; reason: string } | undefined>;
  /**
   * An answer whose status says retry but that asking again will not change (Odoo JSON-2's 500 naming a ValueError):
   * return the error (a NonRetriableError) that dead-letters the record with its reason; undefined: classified as
   * usual. Not counted towards the breaker: the record is at fault, not the target.
   */
  finalAnswer?(status: number, body: string, request: HttpSinkRequest): Error | undefined;
  /** The clock `limitWait`'s times are read against (tests); default `Date.now`. */
  now?(): number;
  /**
   * Reads a 2xx answer's body, for targets that answer failures with 200 (JSON-RPC faults): throw a
   * NonRetriableError to dead-letter the record (its message is the dead letter's reason), a RetriableError to retry.
   */
  checkAnswer?(body: string, request: HttpSinkRequest): void;
  /**
   * An answer other than 401 that means the session has expired (Salesforce's SOAP API: HTTP 500 with the fault
   * sf:INVALID_SESSION_ID): authorized again and sent again once, as a 401 is.
   */
  sessionExpired?(status: number, body: string): boolean;
  /**
   * `request` is called again before every attempt, not once per put. For targets without idempotency keys whose
   * request reads the target first (an upsert by search, then create or write): a retry after a lost answer finds
   * the write made and returns null instead of making it twice.
   */
  requestPerAttempt?: boolean;
  /**
   * Several records in one request (http-batch.ts): the requests of records in hand together are combined, at most
   * `size` a request, and each record's fate read from the answer. Not with `requestPerAttempt`.
   */
  batch?: HttpBatching;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface HttpSink extends SinkTask {
  /** The target's circuit breaker, for status and metrics. */
  breakerState(): BreakerState;
}

const BREAKER_STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
};

/** The connector is stopping: the put is abandoned (not committed) and redelivered after a restart. */
class StoppingError extends RetriableError {}

function encodeBody(body: unknown, headers: Headers): string | Buffer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return JSON.stringify(body);
}

/**
 * The HTTP sink system connectors compose: one put sends one record's request with bounded retries (backoff with
 * jitter, Retry-After, a deadline per attempt), through the target's circuit breaker, with the record's
 * idempotency key on every attempt, so the target applies it once however often it is sent.
 */
export function createHttpSink(options: HttpSinkOptions, context: ConnectorContext): HttpSink {
  const config = httpSinkConfig.parse(options.config);
  const log = context.logger.child({ transport: 'http-sink', target: config.baseUrl });
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const stopping = new AbortController();
  const signal = AbortSignal.any([context.signal, stopping.signal]);
  let openUntil = new Date(0);
  /** The failure that opened the breaker, without the answer body: an open breaker's error says what it was. */
  let lastFailure: string | undefined;
  /**
   * Retries in a row since the last write that succeeded. A target down for an hour (the runtime retries the record
   * until applied, each put retrying again) is thousands of them: logged are the 1st, 2nd, 4th, 8th… at warn.
   */
  let failuresInRow = 0;

  const breaker: CircuitBreakerPolicy = circuitBreaker(
    handleWhen((error) => error instanceof HttpUnavailableError && error.targetFailed),
    {
      halfOpenAfter: config.breaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(config.breaker.consecutiveFailures),
    },
  );
  breaker.onBreak(() => {
    openUntil = new Date(Date.now() + config.breaker.halfOpenAfterMs);
    log.warn({ until: openUntil.toISOString() }, 'circuit breaker opened: the target keeps failing');
  });
  breaker.onHalfOpen(() => log.info('circuit breaker half-open: sending a trial request'));
  breaker.onReset(() => log.info('circuit breaker closed: the target answers again'));

  /**
   * One attempt: headers (auth, idempotency), the request under a deadline, the answer classified; resolves with a
   * 2xx answer's body. `check`: how a 2xx answer is read (default `checkAnswer`; a batch's answer is read per item).
   */
  async function send(
    idempotencyKey: string,
    request: HttpSinkRequest,
    renewAuth: boolean,
    check: ((text: string) => void) | undefined,
  ): Promise<string> {
    const failure: HttpFailure = { connector: context.name, method: request.method, path: request.path };
    const headers = new Headers(request.headers);
    if (config.idempotencyHeader && !headers.has(config.idempotencyHeader))
      headers.set(config.idempotencyHeader, idempotencyKey);
    if (config.authHeader) setSecretHeader(headers, config.authHeader.name, config.authHeader.value);
    if (options.authorize) {
      for (const [name, value] of Object.entries(await options.authorize({ renew: renewAuth, signal })))
        setSecretHeader(headers, name, value);
    }
    const body = encodeBody(
      typeof request.body === 'function' ? (request.body as (h: Headers) => unknown)(headers) : request.body,
      headers,
    );
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]);
    const where = `${context.name}: ${request.method} ${request.path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${baseUrl}${request.path}`, {
        method: request.method,
        headers,
        signal: deadline,
        ...(body === undefined ? {} : { body }),
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw new StoppingError(`${where} abandoned: the connector is stopping`);
      if (deadline.aborted)
        throw new HttpUnavailableError(`${where} got no answer within ${config.timeoutMs} ms`, {
          cause: error,
        });
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new HttpUnavailableError(
        `${where} failed to connect to ${baseUrl}: ${cause?.code ?? cause?.message ?? errorMessage(error)}`,
        { cause: error },
      );
    }
    if (response.status < 300) {
      check?.(text);
      return text;
    }
    if (
      (response.status === 401 || options.sessionExpired?.(response.status, text) === true) &&
      options.authorize &&
      !renewAuth
    ) {
      log.info(
        { method: request.method, path: request.path, status: response.status },
        'target says the session has expired: authorizing again',
      );
      return send(idempotencyKey, request, true, check);
    }
    const final = options.finalAnswer?.(response.status, text, request);
    if (final) throw final;
    const wait = await options.limitWait?.(response.status, text);
    if (wait)
      throw new HttpLimitWaitError(
        failure,
        { status: response.status, responseBody: truncateBody(text, config.maxErrorBodyBytes) },
        { ...wait, now: options.now?.() },
      );
    throw httpAnswerError(
      failure,
      { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      {
        maxBodyBytes: config.maxErrorBodyBytes,
        retryConflicts: config.retryConflicts,
        retriable: options.retriableAnswer,
      },
    );
  }

  /** An attempt through the breaker; an open breaker fails fast with when it will try again. */
  async function attempt(
    idempotencyKey: string,
    request: HttpSinkRequest,
    check: ((text: string) => void) | undefined = (text) => options.checkAnswer?.(text, request),
  ): Promise<string> {
    try {
      return await breaker.execute(() => send(idempotencyKey, request, false, check));
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new CircuitOpenError(context.name, baseUrl, openUntil, lastFailure);
      if (error instanceof HttpUnavailableError && error.targetFailed) {
        const message = errorMessage(error);
        const own = message.startsWith(`${context.name}: `)
          ? message.slice(context.name.length + 2)
          : message;
        lastFailure = withoutAnswerBody(own, 200);
      }
      throw error;
    }
  }

  /**
   * Retried within the put: retriable failures, unless the breaker is open, we stop, or the wait is too long; a
   * spent quota's wait (`limitWait`) however long it is.
   */
  function retryHelps(error: unknown): boolean {
    if (error instanceof CircuitOpenError || error instanceof StoppingError) return false;
    if (error instanceof HttpLimitWaitError) return true;
    if (error instanceof RetriableError) return (error.retryAfterMs ?? 0) <= config.retry.maxRetryAfterMs;
    return isRetriable(error);
  }

  /**
   * `write` with the put's bounded retries (backoff with jitter, Retry-After, a spent quota waited out), for the
   * records it writes: each failed attempt is theirs (`attemptFailed`: the status says `retrying` from the first).
   */
  async function retried<T>(
    write: () => Promise<T>,
    records: SinkRecord[],
    current: () => HttpSinkRequest | undefined,
  ): Promise<T> {
    // The bounded retries are counted here: a spent quota's wait (`limitWait`) is not an attempt that failed.
    let retries = 0;
    const key = records.length === 1 ? records[0]!.key : undefined;
    const result = await withRetry(write, {
      retries: Number.POSITIVE_INFINITY,
      initialDelayMs: config.retry.initialDelayMs,
      maxDelayMs: config.retry.maxDelayMs,
      shouldRetry: (error) => {
        if (!retryHelps(error)) return false;
        if (error instanceof HttpLimitWaitError) return true;
        retries += 1;
        return retries <= config.retry.retries;
      },
      signal,
      onRetry: (error, attempts) => {
        // The runtime's status says `retrying` from this first failed attempt, not once the put gives up.
        for (const record of records) context.attemptFailed?.(error, record);
        const sent = current();
        const batch = records.length > 1 ? { records: records.length } : {};
        if (error instanceof HttpLimitWaitError) {
          log.warn(
            { key, ...batch, method: sent?.method, path: sent?.path, until: error.until.toISOString() },
            `${error.reason}: the write waits until ${error.until.toISOString()}, then is sent again`,
          );
          return;
        }
        failuresInRow += 1;
        log[(failuresInRow & (failuresInRow - 1)) === 0 ? 'warn' : 'debug'](
          {
            method: sent?.method,
            path: sent?.path,
            ...batch,
            attempt: attempts,
            failuresInRow,
            status: (error as { status?: number }).status,
            reason: (error as Error).name,
          },
          'write failed, retrying',
        );
      },
    });
    failuresInRow = 0;
    return result;
  }

  /**
   * A record's own requests, as without batching: `built` the requests built once (undefined: built again before
   * every attempt, `requestPerAttempt`). Resolves with why nothing was applied, if nothing was.
   */
  async function writeAlone(
    record: SinkRecord,
    built: HttpSinkRequest[] | undefined,
  ): Promise<Skipped | undefined> {
    // Why nothing was sent for the record, if nothing was: the builder said (skipped) or built nothing (null), or
    // the target refused a step as not for it (refusedAsSkipped).
    let skip: Skipped | undefined;
    const asList = (r: HttpSinkRequest | HttpSinkRequest[] | Skipped | null): HttpSinkRequest[] => {
      if (r === null || isSkipped(r)) {
        skip = r ?? NOTHING_TO_WRITE;
        return [];
      }
      skip = undefined;
      return [r].flat();
    };
    // Built once, unless per attempt; a step sent stays sent when a later one is retried.
    const pending = built ? [...built] : [];
    const steps = pending.length;
    let current: HttpSinkRequest | undefined;
    const sendStep = async (request: HttpSinkRequest, step: number) => {
      current = request;
      try {
        try {
          await attempt(stepKey(record, step), request);
        } catch (error) {
          const instead =
            error instanceof HttpRefusedError ? await options.redirect?.(error, request, signal) : undefined;
          if (!instead) throw error;
          log.info(
            {
              key: record.key,
              refused: `${request.method} ${request.path}`,
              instead: `${instead.method} ${instead.path}`,
            },
            `refused with ${(error as HttpRefusedError).status}: sent where the target says the record belongs`,
          );
          current = instead;
          await attempt(stepKey(record, step), instead);
        }
      } catch (error) {
        if (!(error instanceof HttpRefusedError)) throw error;
        const done = options.alreadyApplied?.(error, request);
        const policy = done === undefined ? options.refusedAsSkipped?.(error, request) : undefined;
        if (done === undefined && policy === undefined) throw error;
        const where = { key: record.key, method: request.method, path: request.path };
        // A refusal taken as already applied is rare and worth a line; one a policy skips (an order whose customer
        // the CRM does not hold) comes with every such record: counted as skipped, logged at debug (soak trial: one
        // info line an order, two thirds of the hub's log).
        if (policy !== undefined) {
          skip = skipped(policy);
          log.debug(where, policy);
        } else log.info(where, done);
      }
    };
    const write = async () => {
      if (!built) {
        for (const [step, request] of asList(await options.request(record)).entries())
          await sendStep(request, step);
        return;
      }
      while (pending.length > 0) {
        await sendStep(pending[0]!, steps - pending.length);
        pending.shift();
      }
    };
    await retried(write, [record], () => current);
    return skip;
  }

  // Batches (`options.batch`, size above 1): the puts' requests wait in `queue` and go out combined, one request at
  // a time, each once `size` wait or no record came for `waitMs`.
  const batching =
    options.batch && options.batch.size > 1 && !options.requestPerAttempt ? options.batch : undefined;
  const queue: Queued<Waiting>[] = [];
  let draining = false;
  let lastArrival = 0;
  let wake: (() => void) | undefined;

  /** A record's request in the queue; resolves (or rejects) its put once its fate is known. */
  function enqueue(
    record: SinkRecord,
    request: HttpSinkRequest,
    item: { group: string; key: string; item: unknown },
  ): Promise<Skipped | undefined> {
    return new Promise((resolve, reject) => {
      queue.push({
        group: item.group,
        key: item.key,
        value: { record, request, item: item.item, resolve, reject },
      });
      lastArrival = Date.now();
      if (queue.length >= batching!.size) wake?.();
      if (!draining) {
        draining = true;
        void drain();
      }
    });
  }

  async function drain(): Promise<void> {
    const { size, waitMs } = batching!;
    try {
      while (queue.length > 0) {
        // A full batch goes at once; one not yet full once no record came for `waitMs`.
        while (queue.length < size && !signal.aborted) {
          const quiet = lastArrival + waitMs - Date.now();
          if (quiet <= 0) break;
          await new Promise<void>((done) => {
            const timer = setTimeout(done, quiet);
            wake = () => {
              clearTimeout(timer);
              done();
            };
          });
          wake = undefined;
        }
        const taken = takeBatch(queue, size);
        await writeBatch(
          taken[0]!.group,
          taken.map((entry) => entry.value),
        );
      }
    } finally {
      draining = false;
    }
  }

  /** The record's own request, its put settled with the outcome. */
  async function settleAlone(entry: Waiting): Promise<void> {
    try {
      entry.resolve(await writeAlone(entry.record, [entry.request]));
    } catch (error) {
      entry.reject(error);
    }
  }

  /**
   * Items of one group in one request, each put settled with its item's fate. A refusal of the whole request that
   * one input can cause (400, 409) splits it in halves, down to single records sent as their own requests, so the
   * good ones are written and a bad one is refused alone, as without batching. Any other failure is every record's
   * (retried within the put's bounds, then by the runtime). Never rejects.
   */
  async function writeBatch(group: string, entries: Waiting[]): Promise<void> {
    if (entries.length === 0) return;
    if (entries.length === 1) return settleAlone(entries[0]!);
    const items = entries.map((entry) => entry.item);
    const records = entries.map((entry) => entry.record);
    let verdicts: ReturnType<HttpBatching['results']>;
    try {
      const request = batching!.combine(group, items);
      const key = batchIdempotencyKey(records.map((record) => record.idempotencyKey));
      // Its answer is read per item (`results`), not as one record's (`checkAnswer`).
      const text = await retried(
        () => attempt(key, request, () => undefined),
        records,
        () => request,
      );
      verdicts = batching!.results(text, items, request);
    } catch (error) {
      if (error instanceof HttpRefusedError && SPLIT_ON.has(error.status)) {
        log.info(
          { records: entries.length, status: error.status },
          'batch refused as a whole: sent again in halves to find the record refused',
        );
        return split(group, entries);
      }
      for (const entry of entries) entry.reject(error);
      return;
    }
    if (verdicts === 'unknown') return split(group, entries);
    const alone: Waiting[] = [];
    for (const [index, entry] of entries.entries()) {
      const verdict = verdicts[index];
      if (verdict === 'alone') alone.push(entry);
      else if (verdict) entry.reject(verdict);
      else entry.resolve(undefined);
    }
    for (const entry of alone) await settleAlone(entry);
  }

  async function split(group: string, entries: Waiting[]): Promise<void> {
    const half = Math.ceil(entries.length / 2);
    await writeBatch(group, entries.slice(0, half));
    await writeBatch(group, entries.slice(half));
  }

  return {
    async put(record) {
      if (options.requestPerAttempt) return writeAlone(record, undefined);
      const built = await options.request(record);
      // A record the request builder yields nothing for is not for this sink: skipped, not applied.
      if (built === null) return NOTHING_TO_WRITE;
      if (isSkipped(built)) return built;
      const requests = [built].flat();
      if (requests.length === 0) return NOTHING_TO_WRITE;
      const item = batching && requests.length === 1 ? batching.itemOf(requests[0]!) : undefined;
      if (item) return enqueue(record, requests[0]!, item);
      return writeAlone(record, requests);
    },
    async stop() {
      stopping.abort();
      wake?.();
    },
    breakerState: () => BREAKER_STATES[breaker.state],
    // Records of different keys in hand together, so that a batch fills; twice the batch, so that the next one fills
    // while one is being sent.
    ...(batching ? { concurrency: batching.size * 2 } : {}),
  };
}

/** Refusals of a whole batch that one bad input causes: the batch is split to find it. */
const SPLIT_ON = new Set([400, 409]);

/** A record's request waiting in the batch queue. */
interface Waiting {
  record: SinkRecord;
  request: HttpSinkRequest;
  item: unknown;
  resolve(outcome: Skipped | undefined): void;
  reject(error: unknown): void;
}

/** Step n > 0 of a record's requests carries `<key>/<n>`. */
function stepKey(record: SinkRecord, step: number): string {
  return step === 0 ? record.idempotencyKey : `${record.idempotencyKey}/${step}`;
}

/**
 * Sets a header that holds a credential. fetch's own refusal of a value it cannot send quotes the value whole
 * (`Headers.set: "Bearer <token>" is an invalid header value`), which would put the secret in the logs, the status
 * and dead letters: said here without it.
 */
function setSecretHeader(headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    throw new NonRetriableError(
      `header ${name}: its value (a secret, not shown) cannot be sent in an HTTP header: a line break, or a character past Latin-1`,
    );
  }
}
