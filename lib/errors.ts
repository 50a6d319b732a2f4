/**
 * One error hierarchy for the whole hub. Every error says whether trying again can help,
 * so retry loops and dead-letter routing never guess from message text.
 */
export class EaiError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * A transient failure: network, timeouts, a dependency that is starting. Retry with backoff; when the other side
 * said how long to wait (`Retry-After`), `retryAfterMs` carries it and the retry helper waits at least that long.
 */
export class RetriableError extends EaiError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause, retriable: true });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Input that can never succeed as it is (bad bytes, schema violation): dead-letter it, do not retry. */
export class NonRetriableError extends EaiError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: false });
  }
}

/** A wrong field of a config or request: `config.baseUrl`, `offsets[1].partition`, and what is wrong with it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * A configuration file or environment variable is wrong; names the file and the field. `fields` lists each wrong
 * field when they are known, for answers that name them one by one (the admin API's 400 `details`).
 */
export class ConfigError extends NonRetriableError {
  readonly fields: readonly FieldProblem[];
  constructor(message: string, options: { cause?: unknown; fields?: readonly FieldProblem[] } = {}) {
    super(message, { cause: options.cause });
    this.fields = options.fields ?? [];
  }
}

/** One field of a request or a config is wrong: `field` names it (`offsets[1].partition`), the message says both. */
export class FieldError extends ConfigError {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`, { fields: [{ field, problem }] });
    this.field = field;
    this.problem = problem;
  }
}

/** Whether an unknown thrown value is worth retrying. Unknown errors are retried: most are transient. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof EaiError) return error.retriable;
  return true;
}

/** Node's codes for a peer that cannot be reached or dropped the connection (a database or broker restarting). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/**
 * Whether an error says that a service the work depends on is away (not that the work is wrong): a connection
 * refused, reset or timed out, or PostgreSQL's connection exceptions (SQLSTATE class 08), a server shutting down or
 * starting (57P01–57P03) or out of connections (53300); along the error's causes. Retrying such an error is waiting
 * out an outage.
 */
export function isOutage(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNREACHABLE.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300')
        return true;
    }
    const message = (e as { message?: unknown }).message;
    // node-postgres's own words for a connection it lost or could not open in time (no code).
    if (
      typeof message === 'string' &&
      /^Connection terminated|timeout exceeded when trying to connect/.test(message)
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a parser's error says, without the input it quotes: its first line, without the colon before the quote. The
 * yaml library goes on with the offending line and a caret ("… at line 4, column 1:\n\n<line>\n^"), and a file
 * named by mistake (or on purpose: a path is a connector definition's field) must not be quoted back to the caller.
 */
export function firstLineOf(error: unknown): string {
  return errorMessage(error).split('\n')[0]!.replace(/:$/, '');
}

/** Where a message quotes a target's answer body (`…: {`, `…: [`, `…: <html>`), also one marked as a document value. */
const ANSWER_BODY = /: ?\u2068?[[{<]/;

/**
 * `message` up to the first answer body it quotes (`…: {`, `…: [`, `…: <`: a page of JSON or HTML a target sent back,
 * which may echo the record it refused), followed by `note` when one was cut, and at most `maxChars` characters.
 */
export function withoutAnswerBody(message: string, maxChars: number, note = ''): string {
  const body = message.search(ANSWER_BODY);
  const cut = body >= 0 ? `${message.slice(0, body)}${note}` : message;
  return cut.length > maxChars ? `${cut.slice(0, maxChars - 1)}…` : cut;
}

/** Unicode's first-strong isolate and pop-directional isolate: the marks around a document's value in a message. */
const VALUE_OPEN = '\u2068';
const VALUE_CLOSE = '\u2069';
/** Bidi controls a value could carry to reorder the message around it (and the marks themselves): escaped. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * The message a system's JSON answer body carries in its own words, or undefined when it has none: Odoo JSON-RPC's
 * `error.data.message` (else `error.message`, after its exception's `error.data.name`), Odoo JSON-2's `name` and
 * `message`, Salesforce's `[0].message` (after its `errorCode`), HubSpot's and most APIs' `message` (or `error`, a
 * string). A body cut short (`… [n more bytes]`) is no JSON any more: then its first `"message"` is taken.
 */
export function answerMessage(body: string): string | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  const named = (name: unknown, message: string | undefined) =>
    message && text(name) ? `${text(name)}: ${message}` : message;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const quoted = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(body)?.[1];
    if (quoted === undefined) return undefined;
    try {
      return text(JSON.parse(`"${quoted}"`));
    } catch {
      return text(quoted);
    }
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first || typeof first !== 'object') return undefined;
  const o = first as Record<string, unknown>;
  const rpc = o.error && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : undefined;
  if (rpc) {
    const data = rpc.data && typeof rpc.data === 'object' ? (rpc.data as Record<string, unknown>) : {};
    return named(data.name, text(data.message) ?? text(rpc.message));
  }
  return named(o.errorCode ?? o.name, text(o.message) ?? text(o.error));
}

/** What an error message may quote of a credential (`Bearer …`, `password=…`, `"apiKey": "…"`), as `[redacted]`. */
export function withoutCredentials(message: string): string {
  return message
    .replace(/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]')
    .replace(
      /(\b(?:password|passwd|secret|client_secret|token|access_token|refresh_token|api_?key|apikey)\b["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi,
      '$1[redacted]',
    );
}

/**
 * An error as a status field may hold it (a connector's `lastError` in sync health): the error's first line, the
 * system's answer body it quotes (`…: {…}`, `…: [`, `…: <html>`) replaced by the system's own message
 * (answerMessage; none: left out) without what that quotes, credentials it quotes redacted and at most `maxChars` characters. The whole
 * answer stays in the logs and the dead letter.
 */
export function errorSummary(message: string, maxChars = ERROR_SUMMARY_CHARS): string {
  const body = message.search(ANSWER_BODY);
  let summary = message;
  if (body >= 0) {
    // The system's words, without what they quote: no one marked the values in them (`quotedValue`), and a target
    // quotes the record it refused (`invalid email "jane@…"`).
    const own = answerMessage(withoutValueMarks(message.slice(body).replace(/^: ?/, '')))?.replace(
      /"(?:[^"\\]|\\.)*(?:"|$)/g,
      '"…"',
    );
    summary = own ? `${message.slice(0, body)}: ${own}` : message.slice(0, body);
  }
  const line = withoutCredentials(summary.split('\n')[0]!.trim());
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** How long an error summary is at most (errorSummary): a line an operator reads, not a page. */
export const ERROR_SUMMARY_CHARS = 300;

/**
 * A document's value (a customer's name, email, phone or address, a person's id, an amount, a code as sent) as an
 * error message quotes it: its JSON (a text in quotes, a number as it is), cut after `maxChars` characters, between
 * Unicode's isolate marks (U+2068 … U+2069: invisible, and as Unicode advises around inserted text, so that a
 * value's own bidi controls cannot reorder the rest of the line). The code that makes a message knows which part is
 * a value; it quotes it with this, and `withoutDocumentValues` shows each such part to a viewer as `"…"`. Technical
 * names an operator needs (connectors, fields, formats, mappings, topics) are written plainly, never with this.
 */
export function quotedValue(value: unknown, maxChars = 60): string {
  return quotedText(JSON.stringify(value) ?? String(value), maxChars);
}

/** As `quotedValue`, for a value already written as the message shows it (a number's digits as they were sent). */
export function quotedText(text: string, maxChars = 60): string {
  const safe = text.replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${VALUE_OPEN}${safe.length > maxChars ? `${safe.slice(0, maxChars)}…` : safe}${VALUE_CLOSE}`;
}

/**
 * `message` with each document value it quotes (`quotedValue`) shown as `"…"`, and without the marks anywhere else:
 * what failed, where and in which field stay, the document's values go. A value a cut left open (the message was cut
 * inside it) hides the rest of the message.
 */
export function withoutDocumentValues(message: string): string {
  return message.replace(/\u2068[^\u2069]*(?:\u2069|$)/g, '"…"').replaceAll(VALUE_CLOSE, '');
}

/**
 * A segment of where a message says it failed (`<segment>: <segment>: <problem>`): a file (`mappings/x.yaml`), a JSON
 * pointer (`/records/3/email`), a mapping function (`$email`), a field path or a name (`emails[0]`, `odoo-out`,
 * `E1EDKA1`), the document's root. A segment with a space, a quote, an `@` or a leading digit is none.
 */
const WHERE_SEGMENT =
  /^(?:[\w.-]+\/)*[\w.-]+\.(?:ya?ml|json)$|^\/[^\s@"']*$|^\$[A-Za-z]\w*$|^[A-Za-z_][\w-]*(?:\[\d+\]|\.[A-Za-z_][\w-]*)*$|^\(document root\)$/;

/**
 * Where a message whose values no one marked (`quotedValue`: one written before the hub marked them, as an old dead
 * letter's reason) says it failed: its first line's leading `: `-separated segments while each is a technical name
 * (a mapping file, a field path, an input pointer, a function, a connector or format), never its last one (the
 * problem), or '' when it starts otherwise. Such a message may quote a value anywhere (`got DE-Jane Roe`,
 * `$timestamp: 20230229 is not a valid date`, a target's words about the record): nothing after this part is shown to
 * someone who may not read the document's values.
 */
export function unmarkedWhere(message: string): string {
  const segments = message.split('\n')[0]!.split(': ');
  const where: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (!WHERE_SEGMENT.test(segment)) break;
    where.push(segment);
  }
  return where.join(': ');
}

/**
 * `message` as someone who may read the document's values sees it: the values kept, their marks (`quotedValue`)
 * taken out, so that what a person reads, copies or greps is the plain text. The marks stay where a message is kept
 * for later readers (a dead letter's reason, a connector's status), so that a viewer is still shown it without them.
 */
export function withoutValueMarks(message: string): string {
  return hasValueMarks(message) ? message.replaceAll(VALUE_OPEN, '').replaceAll(VALUE_CLOSE, '') : message;
}

/** Whether `text` holds a value mark (`quotedValue`): a document value someone quoted, or the end of a cut one. */
export function hasValueMarks(text: string): boolean {
  return text.includes(VALUE_OPEN) || text.includes(VALUE_CLOSE);
}

/**
 * An error's message as a log line may hold it: without the answer body it quotes (a target that echoes the record
 * it refused, as many APIs do in a 400, would put the customer's name and email in the log), at most 300 characters.
 * The whole message stays where the record's data is anyway: the dead letter's headers.
 */
export function logSafeMessage(error: unknown): string {
  return withoutDocumentValues(withoutAnswerBody(errorMessage(error), 300, ': (answer body left out)'));
}

/** What a log line says of an error nothing else knows the shape of: never the whole object. */
export interface LoggedError {
  /** Its class (`TypeError`, `DatabaseError`, `HttpRefusedError`). */
  class: string;
  /** Its `code` (`ECONNRESET`, a SQLSTATE), when it has one. */
  code?: string;
  message: string;
}

/**
 * An error as a log line may hold it where no one knows its shape (an admin route's 500, a middleware's failure):
 * its class, its code and its message `scrub`bed (the hub's secrets as `[redacted]`), without the answer body it
 * quotes (as `logSafeMessage`). Never the whole object: its own fields may hold a config with its secrets, the
 * request, or the customer record a target refused.
 */
export function loggedError(error: unknown, scrub: (text: string) => string = (text) => text): LoggedError {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    class: error instanceof Error ? error.constructor.name || error.name : typeof error,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    // Scrubbed before the cut: a secret the cut split would be recognised no more.
    message: withoutAnswerBody(scrub(errorMessage(error)), 300, ': (answer body left out)'),
  };
}
