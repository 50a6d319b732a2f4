import type { NextFunction, Request, Response, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { json2ErrorBody, json2Status, OdooFault } from './errors.ts';
import { MODELS, versionNumber } from './models.ts';
import { hasMethod, MODEL_METHODS, REQUIRED, SIGNATURES } from './orm.ts';
import { runModelCall } from './rpc-routes.ts';
import type { OdooState } from './state.ts';

/** Whether a server version has the External JSON-2 API: new in 19.0 (saas~19.x included); 17.0, 18.0, saas~18.2 do not. */
export function hasJson2(version = '17.0'): boolean {
  return versionNumber(version) >= 19;
}

/** What werkzeug answers for a URL no route matches (an Odoo ≤ 18 server asked for /json/2/…): an HTML page. */
const NOT_FOUND_PAGE = `<!doctype html>
<html lang=en>
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>
`;

/** An error of the JSON-2 API: its HTTP status and Odoo's serialized exception. */
function fail(res: Response, exception: string, message: string, headers: Record<string, string> = {}) {
  res.status(json2Status(exception)).set(headers).json(json2ErrorBody(exception, message));
}

/**
 * The External JSON-2 API of Odoo 19 (`POST /json/2/<model>/<method>`), faithful to Odoo's controller
 * (addons/rpc/controllers/json2.py `web_json_2_rpc`), its dispatcher (odoo/http.py `Json2Dispatcher`) and the 19.0
 * reference (developer/reference/external_api.rst):
 *
 * - `Authorization: bearer <API key>` (ir.http `_auth_method_bearer`): a missing or unknown key is a 401
 *   `werkzeug.exceptions.Unauthorized` with `WWW-Authenticate: bearer`; a password is not a key.
 * - `X-Odoo-Database`: optional on a server with one database; another name selects no database, so no route.
 * - The body: `ids` (the records; refused for an `@api.model` method), `context`, and the method's parameters by name
 *   (no positional arguments); a name the method lacks, or a required one missing, is a 422 UnprocessableEntity.
 * - The answer: the method's return value as JSON (a recordset as its ids, so `create` answers a list); an error
 *   as its HTTP status with `{name, message, arguments, context, debug}`: unknown model or method 404, UserError and
 *   ValidationError 422, AccessError 403, MissingError 404, any other exception (a ValueError) 500.
 *
 * Before 19.0 there is no such route: every /json/2 URL is werkzeug's HTML 404, which is how a client tells an
 * older server (and falls back to /jsonrpc). The data is the one /jsonrpc serves.
 */
export function json2Routes(router: Router, sim: SimContext<OdooState>): void {
  /** Whether /json/2 exists for this request: a 19.0+ server, and no X-Odoo-Database naming another database. */
  const served = (req: Request) => {
    const database = req.get('x-odoo-database');
    return hasJson2(sim.state.serverVersion) && (database === undefined || database === sim.state.db);
  };

  router.post('/json/2/:model/:method', (req: Request, res: Response, next: NextFunction) => {
    const state = sim.state;
    if (!served(req)) return next();

    const token = /^bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (!token) {
      fail(
        res,
        'werkzeug.exceptions.Unauthorized',
        'User not authenticated, use the "Authorization" header',
        {
          'www-authenticate': 'bearer',
        },
      );
      return;
    }
    const user = state.users.find((u) => u.apiKey !== undefined && u.apiKey === token);
    if (!user) {
      fail(res, 'werkzeug.exceptions.Unauthorized', 'Invalid apikey', { 'www-authenticate': 'bearer' });
      return;
    }

    const model = String(req.params.model);
    const method = String(req.params.method);
    if (!MODELS[model]) {
      fail(res, 'werkzeug.exceptions.NotFound', `the model '${model}' does not exist`);
      return;
    }
    if (method.startsWith('_')) {
      fail(
        res,
        'werkzeug.exceptions.NotFound',
        `Private methods (such as '${method}') cannot be called remotely.`,
      );
      return;
    }
    if (!hasMethod(model, method)) {
      fail(
        res,
        'werkzeug.exceptions.NotFound',
        `The method '${method}' does not exist on the model '${model}'`,
      );
      return;
    }

    // A body that is not a JSON object gives no parameters (Odoo keeps the path's only).
    const body =
      req.body && typeof req.body === 'object' && !Array.isArray(req.body)
        ? (req.body as Record<string, unknown>)
        : {};
    const { ids, context, ...params } = body;
    const hasIds = Array.isArray(ids) ? ids.length > 0 : ids !== undefined && ids !== null;
    if (MODEL_METHODS.has(method) && hasIds) {
      fail(res, 'werkzeug.exceptions.UnprocessableEntity', `cannot call ${model}.${method} with ids`);
      return;
    }
    // inspect.signature(func).bind(records, **kwargs), as the controller checks before the call.
    const names = SIGNATURES[method]!.filter((name) => name !== 'ids');
    const unexpected = Object.keys(params).find((name) => !names.includes(name));
    if (unexpected !== undefined) {
      fail(
        res,
        'werkzeug.exceptions.UnprocessableEntity',
        `got an unexpected keyword argument '${unexpected}'`,
      );
      return;
    }
    const missing = (REQUIRED[method] ?? []).find((name) => !(name in params));
    if (missing !== undefined) {
      fail(res, 'werkzeug.exceptions.UnprocessableEntity', `missing a required argument: '${missing}'`);
      return;
    }

    try {
      const kwargs = {
        ...params,
        ...(MODEL_METHODS.has(method) ? {} : { ids: ids ?? [] }),
        ...(context && typeof context === 'object' ? { context } : {}),
      };
      const result = runModelCall(sim, req, user.uid, { model, method, args: [], kwargs });
      // A recordset answers its ids: create (model_create_multi) answers a list, even for one dict.
      res.json(method === 'create' && !Array.isArray(result) ? [result] : result);
    } catch (error) {
      if (!(error instanceof OdooFault)) throw error;
      fail(res, error.exception, error.message);
    }
  });

  // Any other /json/2 URL or verb: Odoo 19's catch-all (web_json_2_404); before 19, no route at all.
  router.all('/json/2{/*rest}', (req: Request, res: Response) => {
    if (!served(req)) {
      res.status(404).type('html').send(NOT_FOUND_PAGE);
      return;
    }
    fail(res, 'werkzeug.exceptions.NotFound', 'Did you mean POST /json/2/<model>/<method>?');
  });
}
