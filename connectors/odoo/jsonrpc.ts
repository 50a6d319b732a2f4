import { errorMessage, NonRetriableError, quotedText } from '../../lib/errors.ts';
import type { ConnectorContext } from '../sdk/index.ts';
import { HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';

/**
 * Which External API the connector speaks: `json2` (Odoo 19+: `POST /json/2/<model>/<method>`, an API key as bearer
 * token), `jsonrpc` (`POST /jsonrpc`, every version; deprecated in 19.0, to be removed in Odoo 22), or `auto`: JSON-2
 * when the server has it, else JSON-RPC.
 */
export type OdooApi = 'auto' | 'json2' | 'jsonrpc';

/** A record as search_read answers it. */
export type OdooRecord = Record<string, unknown> & { id: number };

/** A many2one as Odoo reads it (`[id, "name"]`, or false): its id. */
export function many2oneId(value: unknown): number | undefined {
  return Array.isArray(value) && typeof value[0] === 'number' ? value[0] : undefined;
}

export interface OdooConnection {
  /** Base URL of the Odoo server; `/json/2/<model>/<method>` or `/jsonrpc` is appended. */
  url: string;
  db: string;
  username: string;
  /** The user's password or API key (a secret: never logged); JSON-2 takes an API key only. */
  password: string;
  timeoutMs: number;
  /** Absent: `auto`. */
  api?: OdooApi;
}

/**
 * Odoo answered with a fault: over JSON-RPC HTTP 200 with `error` in the body; over JSON-2 a 4xx with the exception
 * (`status`: 403 AccessError, 404 unknown model or method or MissingError, 422 bad arguments or UserError), or a 500
 * naming one that retrying does not heal (a ValueError). The exception name says what went wrong; Odoo's message,
 * which often quotes the record (`The email jane@… is invalid`), is a document value (a viewer reads it as "…").
 */
export class OdooFaultError extends NonRetriableError {
  readonly exception: string;
  readonly status: number | undefined;
  constructor(where: string, exception: string, message: string, status?: number) {
    super(`${where}: Odoo ${exception}: ${quotedText(message, Number.POSITIVE_INFINITY)}`);
    this.exception = exception;
    this.status = status;
  }
}

/** JSON-2 refused the API key (HTTP 401): wrong, expired (keys last three months at most) or revoked, or a password. */
export class OdooApiKeyError extends NonRetriableError {
  constructor(where: string, username: string, reason: string) {
    super(
      `${where}: Odoo refused the API key of "${username}" (HTTP 401 ${reason}): check config.password, which must be a valid API key of that user (Preferences → Account Security → New API Key); JSON-2 takes no passwords (config.api: jsonrpc still takes one, until Odoo 22)`,
    );
  }
}

/**
 * The server has no `/json/2` route: a 404 without Odoo's JSON error object, as werkzeug answers an unknown URL on
 * Odoo ≤ 18 (or on a server without the database named in X-Odoo-Database). With `api: auto` the client turns to
 * `/jsonrpc`.
 */
export class OdooNoJson2Error extends NonRetriableError {}

export interface OdooClient {
  /**
   * The API this server is spoken to in: `json2` or `jsonrpc` as configured, or with `auto` as the first call found
   * (JSON-2 first, JSON-RPC when the server has no `/json/2`), remembered for the client's life.
   */
  api(signal: AbortSignal): Promise<'json2' | 'jsonrpc'>;
  /**
   * The user's id, asked once and cached: `common.authenticate` over JSON-RPC; over JSON-2, whose key names the user,
   * the `uid` of `res.users/context_get` (as the 19.0 reference's migration notes say).
   */
  uid(signal: AbortSignal): Promise<number>;
  /** Forgets the cached login (the key was rotated or the session refused): the next call authenticates again. */
  forget(): void;
  /**
   * The fields `model` has in this database (`fields_get`), asked once and cached: Odoo versions differ (saas-18.2
   * and 19.0 dropped res.partner's `mobile`), and reading or writing a field the model lacks is a ValueError.
   */
  fieldsOf(model: string, signal: AbortSignal): Promise<Set<string>>;
  /**
   * `wanted` less the fields `model` lacks in this database; each one missing is logged once (warn), with `why` it
   * matters (what is not read or written).
   */
  existing(model: string, wanted: readonly string[], why: string, signal: AbortSignal): Promise<string[]>;
  /**
   * A model method as the authenticated user, with execute_kw's positional `args` and keyword `kwargs`: over JSON-RPC
   * `object.execute_kw` (an AccessDenied re-authenticates once); over JSON-2 the same call with named arguments
   * (json2Body).
   */
  executeKw<T>(
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<T>;
}

interface RpcFault {
  message?: string;
  data?: { name?: string; message?: string };
}

/**
 * Odoo 19's parameter names of the ORM methods the connector calls (odoo/orm/models.py), in positional order, with
 * `ids` for the records a record method runs on. JSON-2 takes named arguments only ("there is no way in JSON-2 to
 * call a function with positional arguments", 19.0 external_api.rst, Migrating from XML-RPC / JSON-RPC).
 */
const JSON2_PARAMETERS: Record<string, readonly string[]> = {
  search_read: ['domain', 'fields', 'offset', 'limit', 'order'],
  search: ['domain', 'offset', 'limit', 'order'],
  search_count: ['domain', 'limit'],
  read: ['ids', 'fields', 'load'],
  write: ['ids', 'vals'],
  create: ['vals_list'],
  unlink: ['ids'],
  fields_get: ['allfields', 'attributes'],
};

/**
 * The JSON-2 body of an execute_kw call: the positional `args` named as the method's parameters (a business method
 * such as sale.order's action_confirm takes its records only: `ids`), then `kwargs` (`context` among them) as they are.
 */
export function json2Body(
  method: string,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
): Record<string, unknown> {
  const names = JSON2_PARAMETERS[method] ?? ['ids'];
  if (args.length > names.length)
    throw new Error(
      `odoo: ${method} takes at most ${names.length} arguments by position, got ${args.length}`,
    );
  const body: Record<string, unknown> = { ...kwargs };
  args.forEach((value, index) => {
    body[names[index]!] = value;
  });
  return body;
}

/**
 * The headers of a JSON-2 call (19.0 external_api.rst, Request): the API key as bearer token, and the database, which
 * a server hosting several needs (X-Odoo-Database). The key is a secret: these headers are never logged.
 */
export function json2Headers(connection: Pick<OdooConnection, 'db' | 'password'>): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    authorization: `bearer ${connection.password}`,
    'x-odoo-database': connection.db,
  };
}

/** Odoo's JSON-2 error object (`http.serialize_exception`: name, message, arguments, context, debug), if `text` is one. */
function odooException(text: string): { name: string; message: string } | undefined {
  try {
    const body = JSON.parse(text) as { name?: unknown; message?: unknown } | null;
    if (body && typeof body === 'object' && typeof body.name === 'string')
      return { name: body.name, message: typeof body.message === 'string' ? body.message : '' };
  } catch {
    // not JSON: an HTML page from werkzeug or a proxy
  }
  return undefined;
}

/**
 * Exceptions a JSON-2 500 names that asking again does not heal: the same call fails the same way (Odoo 19's
 * `http.serialize_exception` names the class with its module: `builtins.ValueError`, `psycopg2.errors.UniqueViolation`).
 * A programming or data error (ValueError, TypeError, KeyError, AttributeError…), one of Odoo's own exceptions should
 * one come as 500 (they are 4xx), or PostgreSQL refusing the data (an integrity violation: Odoo's `retrying` turns
 * most into a ValidationError, 422). Concurrency failures Odoo gave up retrying (`psycopg2.errors.SerializationFailure`,
 * `LockNotAvailable`, `DeadlockDetected`, `psycopg2.OperationalError`, `odoo.exceptions.ConcurrencyError`), a lost
 * connection, and any other or no name stay retriable.
 */
const FINAL_EXCEPTIONS = new Set([
  'builtins.ValueError',
  'builtins.TypeError',
  'builtins.KeyError',
  'builtins.AttributeError',
  'builtins.IndexError',
  'builtins.AssertionError',
  'builtins.NotImplementedError',
  'builtins.ZeroDivisionError',
  'odoo.exceptions.UserError',
  'odoo.exceptions.ValidationError',
  'odoo.exceptions.AccessError',
  'odoo.exceptions.AccessDenied',
  'odoo.exceptions.MissingError',
  'odoo.exceptions.RedirectWarning',
  'odoo.exceptions.CacheMiss',
  'psycopg2.IntegrityError',
  'psycopg2.DataError',
  'psycopg2.ProgrammingError',
]);
/** psycopg2's (psycopg 3's) classes of an integrity violation or of bad data: `psycopg2.errors.NotNullViolation`… */
const FINAL_PG_ERRORS =
  /^psycopg2?\.errors\.(\w+Violation|InvalidTextRepresentation|NumericValueOutOfRange|StringDataRightTruncation|InvalidDatetimeFormat|DatetimeFieldOverflow|DivisionByZero|UndefinedColumn|UndefinedTable|UndefinedFunction)$/;

/** Whether a JSON-2 500 naming `exception` is final (see FINAL_EXCEPTIONS); false for a concurrency failure or none. */
export function json2FinalException(exception: string): boolean {
  return FINAL_EXCEPTIONS.has(exception) || FINAL_PG_ERRORS.test(exception);
}

/**
 * The error a JSON-2 answer other than 2xx means (Odoo 19's Json2Dispatcher.handle_error: a UserError's http_status,
 * a werkzeug HTTPException's code, else 500; the body Odoo's error object):
 *
 * - 401 (no, wrong, expired or revoked API key): OdooApiKeyError, non-retriable, telling to check the key.
 * - 404 without Odoo's error object: no `/json/2` route (Odoo ≤ 18): OdooNoJson2Error.
 * - A 500 naming an exception retrying does not heal (json2FinalException: a ValueError, TypeError, KeyError, an
 *   integrity violation…): OdooFaultError, non-retriable, with Odoo's message (the sink dead-letters the record).
 * - 408, 429, other 5xx (a concurrency failure Odoo gave up retrying, a proxy's 502/503, no error object): retriable
 *   as any HTTP target's (http-errors.ts), with the exception named instead of the traceback.
 * - Any other 4xx with Odoo's error object (403 AccessError, 404 unknown model or method or MissingError, 422 bad
 *   arguments, a UserError or ValidationError): OdooFaultError, non-retriable, with Odoo's message.
 */
export function json2Error(
  call: { connector: string; username: string; model: string; method: string },
  answer: { status: number; retryAfter: string | null; body: string },
): Error {
  const { status } = answer;
  const path = `/json/2/${call.model}/${call.method}`;
  const where = `${call.connector}: Odoo ${path}`;
  const fault = odooException(answer.body);
  if (status === 401) return new OdooApiKeyError(where, call.username, fault?.message ?? 'Unauthorized');
  if (status === 404 && !fault)
    return new OdooNoJson2Error(
      `${where}: the server has no /json/2 (HTTP 404 without Odoo's answer): Odoo ≤ 18, which only has /jsonrpc (config.api: jsonrpc or auto), or no database named as config.db`,
    );
  if (fault && status >= 400 && status < 500 && status !== 408 && status !== 429)
    return new OdooFaultError(where, fault.name, fault.message, status);
  if (fault && status === 500 && json2FinalException(fault.name))
    return new OdooFaultError(where, fault.name, fault.message, status);
  return httpAnswerError(
    { connector: call.connector, method: 'POST', path },
    { ...answer, body: fault ? `Odoo ${fault.name}: ${fault.message}` : answer.body },
    { maxBodyBytes: 2048 },
  );
}

/**
 * Odoo's External API: JSON-2 (`POST /json/2/<model>/<method>`, Odoo 19+) or JSON-RPC (`POST /jsonrpc`, services
 * `common` and `object`), as `connection.api` says; with `auto` the first call tries JSON-2 and turns to JSON-RPC
 * for good when the server has no `/json/2` (a 404 without Odoo's answer, as Odoo ≤ 18 gives).
 */
export function createOdooClient(connection: OdooConnection, context: ConnectorContext): OdooClient {
  const base = connection.url.replace(/\/+$/, '');
  const configured = connection.api ?? 'auto';
  let nextId = 1;
  /** The API found, once known: kept when the login is forgotten. */
  let chosen: 'json2' | 'jsonrpc' | undefined = configured === 'auto' ? undefined : configured;
  let session: Promise<{ api: 'json2' | 'jsonrpc'; uid: number }> | undefined;
  const fieldSets = new Map<string, Promise<Set<string>>>();
  const warned = new Set<string>();

  /** One POST under the deadline; no answer at all (refused, reset, timed out) is retriable. */
  async function post(
    url: string,
    headers: Record<string, string>,
    body: unknown,
    where: string,
    signal: AbortSignal,
  ) {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(connection.timeoutMs)]);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: deadline,
      });
      return { response, text: await response.text() };
    } catch (error) {
      const reason =
        deadline.aborted && !signal.aborted
          ? `no answer within ${connection.timeoutMs} ms`
          : errorMessage(error);
      throw new HttpUnavailableError(`${where}: ${reason}`, { cause: error });
    }
  }

  async function call(service: string, method: string, args: unknown[], signal: AbortSignal) {
    // Never the args in messages: they hold the password.
    const where = `${context.name}: Odoo ${service}.${method}${service === 'object' ? ` ${String(args[3])}.${String(args[4])}` : ''}`;
    const { response, text } = await post(
      `${base}/jsonrpc`,
      { 'content-type': 'application/json' },
      { jsonrpc: '2.0', method: 'call', id: nextId++, params: { service, method, args } },
      where,
      signal,
    );
    if (!response.ok) {
      throw httpAnswerError(
        { connector: context.name, method: 'POST', path: `/jsonrpc ${service}.${method}` },
        { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
        { maxBodyBytes: 2048 },
      );
    }
    let body: { result?: unknown; error?: RpcFault };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new NonRetriableError(`${where}: the answer is not JSON: ${quotedText(text, 200)}`);
    }
    if (body.error) {
      const data = body.error.data ?? {};
      throw new OdooFaultError(
        where,
        data.name ?? 'error',
        data.message ?? body.error.message ?? 'unknown fault',
      );
    }
    return body.result;
  }

  /** One JSON-2 call: the method's return value, or the error its status means (json2Error). */
  async function json2(model: string, method: string, body: Record<string, unknown>, signal: AbortSignal) {
    const where = `${context.name}: Odoo /json/2/${model}/${method}`;
    const { response, text } = await post(
      `${base}/json/2/${model}/${method}`,
      json2Headers(connection),
      body,
      where,
      signal,
    );
    if (!response.ok) {
      throw json2Error(
        { connector: context.name, username: connection.username, model, method },
        { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new NonRetriableError(`${where}: the answer is not JSON: ${quotedText(text, 200)}`);
    }
  }

  async function authenticate(signal: AbortSignal): Promise<number> {
    const { db, username, password } = connection;
    const uid = await call('common', 'authenticate', [db, username, password, {}], signal);
    if (typeof uid !== 'number')
      throw new NonRetriableError(
        `${context.name}: Odoo refused the login of "${username}" on database "${db}" (config.username / config.password)`,
      );
    return uid;
  }

  /** Logs in over the API configured or found; with `auto`, JSON-2 first. One info line says which. */
  async function login(signal: AbortSignal): Promise<{ api: 'json2' | 'jsonrpc'; uid: number }> {
    const { db, username } = connection;
    let keyRefused: OdooApiKeyError | undefined;
    if (chosen !== 'jsonrpc') {
      try {
        const user = (await json2('res.users', 'context_get', {}, signal)) as { uid?: unknown } | null;
        if (typeof user?.uid !== 'number')
          throw new NonRetriableError(`${context.name}: Odoo's res.users/context_get answered no uid`);
        chosen = 'json2';
        context.logger.info(
          { db, username, uid: user.uid, api: 'json2' },
          'odoo: authenticated by API key over the External JSON-2 API (/json/2)',
        );
        return { api: 'json2', uid: user.uid };
      } catch (error) {
        if (chosen === 'json2') throw error;
        if (error instanceof OdooApiKeyError) {
          // auto on Odoo 19+ with what is no API key (a password, as a deployment made for Odoo 17 has): JSON-RPC
          // still takes it; the key's refusal is the error if JSON-RPC refuses the login too.
          keyRefused = error;
        } else if (!(error instanceof OdooNoJson2Error)) throw error;
        chosen = 'jsonrpc'; // auto, and no /json/2 on this server (Odoo ≤ 18) or no key for it: JSON-RPC from now on
      }
    }
    let uid: number;
    try {
      uid = await authenticate(signal);
    } catch (error) {
      if (keyRefused && error instanceof NonRetriableError) throw keyRefused;
      throw error;
    }
    if (keyRefused)
      context.logger.warn(
        { db, username, uid, api: 'jsonrpc' },
        'odoo: the server has the JSON-2 API (/json/2) but refused config.password as an API key; authenticated by password over /jsonrpc, which Odoo deprecated in 19.0 and removes in Odoo 22: give the user an API key (Preferences → Account Security → New API Key) as config.password',
      );
    else
      context.logger.info(
        { db, username, uid, api: 'jsonrpc' },
        configured === 'auto'
          ? 'odoo: authenticated over /jsonrpc (the server has no /json/2: Odoo ≤ 18)'
          : 'odoo: authenticated over /jsonrpc',
      );
    return { api: 'jsonrpc', uid };
  }

  function loggedIn(signal: AbortSignal) {
    session ??= login(signal).catch((error) => {
      session = undefined;
      throw error;
    });
    return session;
  }

  async function executeKw<T>(
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<T> {
    const { db, password } = connection;
    const { api, uid } = await loggedIn(signal);
    if (api === 'json2') return (await json2(model, method, json2Body(method, args, kwargs), signal)) as T;
    try {
      return (await call(
        'object',
        'execute_kw',
        [db, uid, password, model, method, args, kwargs],
        signal,
      )) as T;
    } catch (error) {
      if (!(error instanceof OdooFaultError) || !error.exception.endsWith('AccessDenied')) throw error;
      session = undefined; // the key may have been rotated: log in again, once
      const again = await loggedIn(signal);
      return (await call(
        'object',
        'execute_kw',
        [db, again.uid, password, model, method, args, kwargs],
        signal,
      )) as T;
    }
  }

  function fieldsOf(model: string, signal: AbortSignal): Promise<Set<string>> {
    let pending = fieldSets.get(model);
    if (!pending) {
      pending = executeKw<Record<string, unknown>>(
        model,
        'fields_get',
        [],
        { attributes: ['type'] },
        signal,
      ).then((fields) => new Set(Object.keys(fields)));
      // A failed look-up is asked again next time, not remembered.
      pending.catch(() => fieldSets.delete(model));
      fieldSets.set(model, pending);
    }
    return pending;
  }

  async function existing(model: string, wanted: readonly string[], why: string, signal: AbortSignal) {
    const fields = await fieldsOf(model, signal);
    for (const name of wanted) {
      if (fields.has(name) || warned.has(`${model}.${name}`)) continue;
      warned.add(`${model}.${name}`);
      context.logger.warn(
        { model, field: name },
        `odoo: this database's ${model} has no field ${name} (a later Odoo version removed it): ${why}`,
      );
    }
    return wanted.filter((name) => fields.has(name));
  }

  return {
    api: async (signal) => (await loggedIn(signal)).api,
    uid: async (signal) => (await loggedIn(signal)).uid,
    forget: () => {
      session = undefined;
    },
    fieldsOf,
    existing,
    executeKw,
  };
}
