import type { SimErrorInfo } from '../common/types.ts';

/** Python exception classes Odoo names in `error.data.name`. */
export type OdooExceptionName =
  | 'odoo.exceptions.AccessDenied'
  | 'odoo.exceptions.AccessError'
  | 'odoo.exceptions.MissingError'
  | 'odoo.exceptions.ValidationError'
  | 'odoo.exceptions.UserError'
  | 'builtins.ValueError'
  | 'builtins.KeyError'
  | 'builtins.TypeError'
  | 'builtins.AttributeError'
  | 'builtins.Exception'
  | 'psycopg2.OperationalError'
  | 'psycopg2.errors.SerializationFailure'
  | 'werkzeug.exceptions.BadRequest'
  | 'werkzeug.exceptions.Unauthorized'
  | 'werkzeug.exceptions.NotFound'
  | 'werkzeug.exceptions.UnprocessableEntity';

/** An error raised by the simulated server; answered as a JSON-RPC error with HTTP 200, as Odoo does. */
export class OdooFault extends Error {
  readonly exception: OdooExceptionName;
  constructor(exception: OdooExceptionName, message: string) {
    super(message);
    this.name = 'OdooFault';
    this.exception = exception;
  }
}

export const valueError = (message: string) => new OdooFault('builtins.ValueError', message);
export const validationError = (message: string) => new OdooFault('odoo.exceptions.ValidationError', message);
export const missingError = (model: string, ids: number[], uid: number) =>
  new OdooFault(
    'odoo.exceptions.MissingError',
    `Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(', ')},), User: ${uid})`,
  );

/** The `data` of a JSON-RPC error: exception class, message, arguments and a Python-looking traceback. */
function errorData(exception: string, message: string): Record<string, unknown> {
  return {
    name: exception,
    debug: `Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/odoo/http.py", line 1783, in _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 133, in retrying\n    result = func()\n${exception}: ${message}\n`,
    message,
    arguments: [message],
    context: {},
  };
}

/**
 * The HTTP status of an error on JSON-2 (Odoo 19's Json2Dispatcher.handle_error, odoo/http.py): a UserError's
 * `http_status` (odoo/exceptions.py: UserError and ValidationError 422, AccessError and AccessDenied 403,
 * MissingError 404), a werkzeug HTTPException's code, and 500 for any other exception.
 */
export function json2Status(exception: string): number {
  switch (exception) {
    case 'odoo.exceptions.UserError':
    case 'odoo.exceptions.ValidationError':
    case 'werkzeug.exceptions.UnprocessableEntity':
      return 422;
    case 'odoo.exceptions.AccessError':
    case 'odoo.exceptions.AccessDenied':
      return 403;
    case 'odoo.exceptions.MissingError':
    case 'werkzeug.exceptions.NotFound':
      return 404;
    case 'werkzeug.exceptions.Unauthorized':
      return 401;
    case 'werkzeug.exceptions.BadRequest':
      return 400;
    default:
      return 500;
  }
}

/**
 * A JSON-2 error body: `http.serialize_exception` of the exception, at the top level (no JSON-RPC envelope):
 * `{name, message, arguments, context, debug}`; a werkzeug HTTPException's arguments are its description and code.
 */
export function json2ErrorBody(exception: string, message: string): Record<string, unknown> {
  const data = errorData(exception, message);
  const status = json2Status(exception);
  if (exception.startsWith('werkzeug.exceptions.')) data.arguments = [message, status];
  return data;
}

export function faultBody(
  id: unknown,
  exception: string,
  message: string,
  code = 200,
): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id: id ?? null,
    error: {
      code,
      message: code === 404 ? '404: Not Found' : 'Odoo Server Error',
      data: errorData(exception, message),
    },
  };
}

/** The Odoo shape for errors the common core answers (bad JSON, unknown route, injected faults). */
export function odooErrorBody(error: SimErrorInfo): Record<string, unknown> {
  switch (error.code) {
    case 'BAD_JSON':
      return faultBody(
        null,
        'werkzeug.exceptions.BadRequest',
        `400 Bad Request: Invalid JSON data: ${error.message}`,
      );
    case 'NOT_FOUND':
      return faultBody(null, 'werkzeug.exceptions.NotFound', error.message, 404);
    case 'RATE_LIMITED':
      return faultBody(
        null,
        'werkzeug.exceptions.TooManyRequests',
        '429 Too Many Requests: rate limit exceeded',
      );
    case 'UNAVAILABLE':
      return faultBody(null, 'werkzeug.exceptions.ServiceUnavailable', '503 Service Unavailable');
    default:
      return faultBody(null, 'builtins.Exception', error.message);
  }
}
