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

  /** One attempt: headers (auth, idempotency), the request under a deadline, the answer classified. */
  async function send(
    record: SinkRecord,
    request: HttpSinkRequest,
    step: number,
    renewAuth: boolean,
  ): Promise<void> {
    const failure: HttpFailure = { connector: context.name, method: request.method, path: request.path };
    const headers = new Headers(request.headers);
    if (config.idempotencyHeader && !headers.has(config.idempotencyHeader))
      headers.set(
        config.idempotencyHeader,
        step === 0 ? record.idempotencyKey : `${record.idempotencyKey}/${step}`,
      );
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
      options.checkAnswer?.(text, request);
      return;
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
      return send(record, request, step, true);
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
  async function attempt(record: SinkRecord, request: HttpSinkRequest, step: number): Promise<void> {
    try {
      await breaker.execute(() => send(record, request, step, false));
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

  return {
    async put(record) {
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
      const pending = options.requestPerAttempt ? [] : asList(await options.request(record));
      // A record the request builder yields nothing for is not for this sink: skipped, not applied.
      if (!options.requestPerAttempt && pending.length === 0) return skip ?? NOTHING_TO_WRITE;
      const steps = pending.length;
      let current: HttpSinkRequest | undefined;
      const sendStep = async (request: HttpSinkRequest, step: number) => {
        current = request;
        try {
          try {
            await attempt(record, request, step);
          } catch (error) {
            const instead =
              error instanceof HttpRefusedError
                ? await options.redirect?.(error, request, signal)
                : undefined;
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
            await attempt(record, instead, step);
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
        if (options.requestPerAttempt) {
          const built = asList(await options.request(record));
          for (const [step, request] of built.entries()) await sendStep(request, step);
          return;
        }
        while (pending.length > 0) {
          await sendStep(pending[0]!, steps - pending.length);
          pending.shift();
        }
      };
      // The bounded retries are counted here: a spent quota's wait (`limitWait`) is not an attempt that failed.
      let retried = 0;
      await withRetry(write, {
        retries: Number.POSITIVE_INFINITY,
        initialDelayMs: config.retry.initialDelayMs,
        maxDelayMs: config.retry.maxDelayMs,
        shouldRetry: (error) => {
          if (!retryHelps(error)) return false;
          if (error instanceof HttpLimitWaitError) return true;
          retried += 1;
          return retried <= config.retry.retries;
        },
        signal,
        onRetry: (error, attempts) => {
          // The runtime's status says `retrying` from this first failed attempt, not once the put gives up.
          context.attemptFailed?.(error);
          if (error instanceof HttpLimitWaitError) {
            log.warn(
              {
                key: record.key,
                method: current?.method,
                path: current?.path,
                until: error.until.toISOString(),
              },
              `${error.reason}: the write waits until ${error.until.toISOString()}, then is sent again`,
            );
            return;
          }
          failuresInRow += 1;
          log[(failuresInRow & (failuresInRow - 1)) === 0 ? 'warn' : 'debug'](
            {
              method: current?.method,
              path: current?.path,
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
      return skip;
    },
    async stop() {
      stopping.abort();
    },
    breakerState: () => BREAKER_STATES[breaker.state],
  };
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
