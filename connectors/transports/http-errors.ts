import { NonRetriableError, quotedText, RetriableError } from '../../lib/errors.ts';

/** What an HTTP failure names: the connector, the request, and the target's answer. */
export interface HttpFailure {
  connector: string;
  method: string;
  /** Path (and query) below the target's base URL. */
  path: string;
}

/**
 * A target's answer body as an error message quotes it: marked as a document value (`quotedText`), whatever its type.
 * A target's words about a record quote the record (`invalid email jane@… for Jane Roe`); a JSON or HTML body is cut
 * where it starts (`withoutAnswerBody`), but a text/plain one would reach the logs, sync health and a viewer whole.
 * An empty body stays empty.
 */
function quotedAnswer(responseBody: string): string {
  return responseBody ? quotedText(responseBody, Number.POSITIVE_INFINITY) : '';
}

/**
 * The target refused the record (a 4xx other than 408/429): sending it again as it is cannot succeed, so the
 * runtime dead-letters it. `responseBody` is the target's answer, truncated, so the dead letter says why; the message
 * quotes it marked (`quotedAnswer`).
 */
export class HttpRefusedError extends NonRetriableError {
  readonly status: number;
  readonly responseBody: string;
  constructor(failure: HttpFailure, status: number, responseBody: string) {
    super(
      `${failure.connector}: ${failure.method} ${failure.path} refused with HTTP ${status}: ${quotedAnswer(responseBody)}`,
    );
    this.status = status;
    this.responseBody = responseBody;
  }
}

/**
 * The target did not take the record this time: 5xx, 408, 429, a timeout or a connection error. A retry can help;
 * `status` is absent when no answer came, `retryAfterMs` set when the target said how long to wait.
 */
export class HttpUnavailableError extends RetriableError {
  readonly status: number | undefined;
  readonly responseBody: string | undefined;
  constructor(
    message: string,
    options: { status?: number; responseBody?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause, retryAfterMs: options.retryAfterMs });
    this.status = options.status;
    this.responseBody = options.responseBody;
  }

  /** Whether this failure says the target is unwell (counts towards opening the breaker); 429 does not. */
  get targetFailed(): boolean {
    return this.status === undefined || this.status === 408 || this.status >= 500;
  }
}

/**
 * The target said a quota is spent until a known time (HubSpot's daily API limit, until midnight in the account's
 * time zone): not a failure of the record or of the target. The HTTP sink waits until `until` (`retryAfterMs`) and
 * sends again, without counting the wait against its bounded retries, so the record is never dead-lettered for it.
 */
export class HttpLimitWaitError extends HttpUnavailableError {
  readonly until: Date;
  readonly reason: string;
  constructor(
    failure: HttpFailure,
    answer: { status: number; responseBody: string },
    wait: { until: Date; reason: string; now?: number },
  ) {
    super(
      `${failure.connector}: waits until ${wait.until.toISOString()}: ${wait.reason} (${failure.method} ${failure.path} answered HTTP ${answer.status}: ${quotedAnswer(answer.responseBody)})`,
      {
        status: answer.status,
        responseBody: answer.responseBody,
        retryAfterMs: Math.max(0, wait.until.getTime() - (wait.now ?? Date.now())),
      },
    );
    this.until = wait.until;
    this.reason = wait.reason;
  }
}

/** The breaker of this target is open: nothing is sent until `until`; the runtime should back off and retry. */
export class CircuitOpenError extends RetriableError {
  readonly until: Date;
  /** `lastFailure`: the failure that opened it (or kept it open), which the status and sync health then show. */
  constructor(connector: string, baseUrl: string, until: Date, lastFailure?: string) {
    const last = lastFailure ? ` (the last: ${lastFailure})` : '';
    super(
      `${connector}: circuit breaker for ${baseUrl} is open after repeated failures${last}; next trial request at ${until.toISOString()}`,
      { retryAfterMs: Math.max(0, until.getTime() - Date.now()) },
    );
    this.until = until;
  }
}

/** The first `maxBytes` bytes of a body, marked when cut. */
export function truncateBody(body: string, maxBytes: number): string {
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.length <= maxBytes) return body;
  return `${bytes.subarray(0, maxBytes).toString('utf8')}… [${bytes.length - maxBytes} more bytes]`;
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * A 4xx answer a target means as "not now" rather than "never" (Salesforce's 403 REQUEST_LIMIT_EXCEEDED, 400
 * UNABLE_TO_LOCK_ROW): given the status and the whole answer body, true to retry it like a 429.
 */
export type RetriableAnswer = (status: number, body: string) => boolean;

/** The error a non-2xx answer means, as the sink and sources classify it. */
export function httpAnswerError(
  failure: HttpFailure,
  answer: { status: number; retryAfter: string | null; body: string },
  options: { maxBodyBytes: number; retryConflicts?: boolean; retriable?: RetriableAnswer },
): HttpRefusedError | HttpUnavailableError {
  const { status } = answer;
  const responseBody = truncateBody(answer.body, options.maxBodyBytes);
  const retriable =
    status >= 500 ||
    status === 408 ||
    status === 429 ||
    (status === 409 && options.retryConflicts === true) ||
    options.retriable?.(status, answer.body) === true;
  if (!retriable) return new HttpRefusedError(failure, status, responseBody);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(answer.retryAfter) : undefined;
  return new HttpUnavailableError(
    `${failure.connector}: ${failure.method} ${failure.path} answered HTTP ${status}: ${quotedAnswer(responseBody)}`,
    { status, responseBody, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  );
}
