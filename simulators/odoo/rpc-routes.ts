import type { Request, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { faultBody, OdooFault } from './errors.ts';
import { executeKw } from './orm.ts';
import type { WriteContext } from './records.ts';
import type { OdooState, OdooUser } from './state.ts';

const READ_ONLY_METHODS = new Set([
  'search_read',
  'search',
  'search_count',
  'read',
  'fields_get',
  'context_get',
]);

/** `common.version` of a server: `17.0` → [17, 0, 0, 'final', 0, '']; `saas~18.2` → ['saas~18', 2, 0, 'final', 0, '']. */
export function versionInfo(version = '17.0') {
  const [major = '17', minor = '0'] = version.replace(/^saas~/, '').split('.');
  const saas = version.startsWith('saas~');
  return {
    server_version: version,
    server_version_info: [saas ? `saas~${major}` : Number(major), Number(minor), 0, 'final', 0, ''],
    server_serie: version,
    protocol_version: 1,
  };
}

function checkDb(state: OdooState, db: unknown): void {
  if (db !== state.db) {
    throw new OdooFault(
      'psycopg2.OperationalError',
      `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(db)}" does not exist\n`,
    );
  }
}

/** Whether `secret` logs `user` in over JSON-RPC: its password, or one of its API keys in the password's place. */
function opens(user: OdooUser, secret: unknown): boolean {
  return user.password === secret || (user.apiKey !== undefined && user.apiKey === secret);
}

function userFor(state: OdooState, uid: unknown, password: unknown): OdooUser {
  const user = state.users.find((u) => u.uid === uid && opens(u, password));
  if (!user) throw new OdooFault('odoo.exceptions.AccessDenied', 'Access Denied');
  return user;
}

function common(state: OdooState, method: string, args: unknown[]): unknown {
  if (method === 'version') return versionInfo(state.serverVersion);
  if (method === 'login' || method === 'authenticate') {
    const [db, login, password] = args;
    checkDb(state, db);
    // A wrong login or password answers false, not a fault: that is how Odoo's common service says no.
    return state.users.find((u) => u.login === login && opens(u, password))?.uid ?? false;
  }
  throw new OdooFault(
    'builtins.AttributeError',
    `module 'odoo.service.common' has no attribute 'exp_${method}'`,
  );
}

/**
 * Runs one model call as `uid`, with positional `args` and keyword `kwargs` as Python binds them; a failing write
 * leaves nothing behind, as Odoo's transaction rollback does. Shared by `/jsonrpc` and `/json/2`: both see one database.
 */
export function runModelCall(
  sim: SimContext<OdooState>,
  req: Request,
  uid: number,
  call: { model: string; method: string; args: unknown; kwargs: unknown },
): unknown {
  const { model, method, args, kwargs } = call;
  const mutating = !READ_ONLY_METHODS.has(method);
  const state = sim.state;
  const before = mutating
    ? structuredClone({ records: state.records, nextId: state.nextId, seq: state.orderSequence })
    : undefined;
  const ctx: WriteContext = { state, uid, changes: [] };
  try {
    const result = executeKw(ctx, model, method, args ?? [], kwargs);
    for (const change of ctx.changes) {
      sim.recordEffect(req, {
        entityType: change.model,
        entityId: String(change.id),
        operation: change.operation,
        detail: { method, uid },
      });
    }
    return result;
  } catch (error) {
    if (before) {
      state.records = before.records;
      state.nextId = before.nextId;
      state.orderSequence = before.seq;
    }
    throw error;
  }
}

/** `object.execute_kw(db, uid, password, model, method, args, kwargs)` (and `execute`). */
function object(sim: SimContext<OdooState>, req: Request, method: string, args: unknown[]): unknown {
  if (method !== 'execute_kw' && method !== 'execute') {
    throw new OdooFault(
      'builtins.AttributeError',
      `module 'odoo.service.model' has no attribute 'exp_${method}'`,
    );
  }
  const [db, uid, password, model, modelMethod, ...rest] = args;
  checkDb(sim.state, db);
  const user = userFor(sim.state, uid, password);
  if (typeof model !== 'string' || typeof modelMethod !== 'string') {
    throw new OdooFault(
      'builtins.TypeError',
      'execute_kw() missing required positional arguments: model and method',
    );
  }
  return runModelCall(sim, req, user.uid, {
    model,
    method: modelMethod,
    args: method === 'execute_kw' ? rest[0] : rest,
    kwargs: method === 'execute_kw' ? rest[1] : undefined,
  });
}

/** `POST /jsonrpc`: the external API. Every answer, faults included, is HTTP 200, as Odoo answers. */
export function rpcRoutes(router: Router, sim: SimContext<OdooState>): void {
  router.post('/jsonrpc', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const id = body.id ?? null;
    try {
      const params = (body.params ?? {}) as Record<string, unknown>;
      if (
        body.jsonrpc !== '2.0' ||
        body.method !== 'call' ||
        typeof params.service !== 'string' ||
        typeof params.method !== 'string'
      ) {
        throw new OdooFault(
          'werkzeug.exceptions.BadRequest',
          '400 Bad Request: Invalid JSON-RPC request: expected {"jsonrpc":"2.0","method":"call","params":{"service","method","args"}}',
        );
      }
      const args = Array.isArray(params.args) ? params.args : [];
      let result: unknown;
      if (params.service === 'common') result = common(sim.state, params.method, args);
      else if (params.service === 'object') result = object(sim, req, params.method, args);
      else if (params.service === 'db' && params.method === 'list') result = [sim.state.db];
      else throw new OdooFault('builtins.Exception', `No such service: ${params.service}`);
      res.json({ jsonrpc: '2.0', id, result });
    } catch (error) {
      if (!(error instanceof OdooFault)) throw error;
      res.status(200).json(faultBody(id, error.exception, error.message));
    }
  });
}
