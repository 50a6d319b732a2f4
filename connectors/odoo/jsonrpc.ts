import { errorMessage, NonRetriableError } from '../../lib/errors.ts';
import type { ConnectorContext } from '../sdk/index.ts';
import { HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';

export interface OdooConnection {
  /** Base URL of the Odoo server; `/jsonrpc` is appended. */
  url: string;
  db: string;
  username: string;
  /** The user's password or API key (a secret: never logged). */
  password: string;
  timeoutMs: number;
}

/** Odoo answered with a fault (HTTP 200, `error` in the body): the exception name says what went wrong. */
export class OdooFaultError extends NonRetriableError {
  readonly exception: string;
  constructor(where: string, exception: string, message: string) {
    super(`${where}: Odoo ${exception}: ${message}`);
    this.exception = exception;
  }
}

export interface OdooClient {
  /** The user's id, authenticated once (`common.authenticate`) and cached. */
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
  /** `object.execute_kw` as the authenticated user; an AccessDenied re-authenticates once. */
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

/** Odoo's External API over JSON-RPC (`POST /jsonrpc`, services `common` and `object`). */
export function createOdooClient(connection: OdooConnection, context: ConnectorContext): OdooClient {
  const endpoint = `${connection.url.replace(/\/+$/, '')}/jsonrpc`;
  let nextId = 1;
  let session: Promise<number> | undefined;
  const fieldSets = new Map<string, Promise<Set<string>>>();
  const warned = new Set<string>();

  async function call(service: string, method: string, args: unknown[], signal: AbortSignal) {
    // Never the args in messages: they hold the password.
    const where = `${context.name}: Odoo ${service}.${method}${service === 'object' ? ` ${String(args[3])}.${String(args[4])}` : ''}`;
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(connection.timeoutMs)]);
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          method: 'call',
          id: nextId++,
          params: { service, method, args },
        }),
        signal: deadline,
      });
      text = await response.text();
    } catch (error) {
      const reason =
        deadline.aborted && !signal.aborted
          ? `no answer within ${connection.timeoutMs} ms`
          : errorMessage(error);
      throw new HttpUnavailableError(`${where}: ${reason}`, { cause: error });
    }
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
      throw new NonRetriableError(`${where}: the answer is not JSON: ${text.slice(0, 200)}`);
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

  async function authenticate(signal: AbortSignal): Promise<number> {
    const { db, username, password } = connection;
    const uid = await call('common', 'authenticate', [db, username, password, {}], signal);
    if (typeof uid !== 'number')
      throw new NonRetriableError(
        `${context.name}: Odoo refused the login of "${username}" on database "${db}" (config.username / config.password)`,
      );
    context.logger.info({ db, username, uid }, 'odoo: authenticated');
    return uid;
  }

  function uid(signal: AbortSignal): Promise<number> {
    session ??= authenticate(signal).catch((error) => {
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
    try {
      return (await call(
        'object',
        'execute_kw',
        [db, await uid(signal), password, model, method, args, kwargs],
        signal,
      )) as T;
    } catch (error) {
      if (!(error instanceof OdooFaultError) || !error.exception.endsWith('AccessDenied')) throw error;
      session = undefined; // the key may have been rotated: log in again, once
      return (await call(
        'object',
        'execute_kw',
        [db, await uid(signal), password, model, method, args, kwargs],
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
    uid,
    forget: () => {
      session = undefined;
    },
    fieldsOf,
    existing,
    executeKw,
  };
}
