import type { ErrorRequestHandler, RequestHandler } from 'express';
import { loggedError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { sendError } from './errors.ts';

/** Paths of Kafka Connect's REST API: an unknown one answers with Connect's error keys too, as its routes do. */
const connectPaths = /^\/(?:connectors|connector-plugins|admin\/loggers)(?:\/|$)/;

/** The last handler of the ops app: an unknown route is a 404 in the admin API's error shape. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, `no route ${req.method} ${req.path}`, undefined, {}, connectPaths.test(req.path));
};

/**
 * A route of a role this hub does not run (the orchestrator's `/workflows`, master data's `/customers`): a 404 that
 * says how to run it, where a bare `no route` left the operator guessing whether the path was wrong.
 */
export function roleOff(hint: string): RequestHandler {
  return (req, res) => {
    sendError(res, 404, `no route ${req.method} ${req.originalUrl.split('?')[0]}: ${hint}`);
  };
}

/**
 * Errors no route handled (a malformed percent-encoding in a path, a bug in a middleware): a client error keeps
 * its status with a generic message, anything else is a logged 500. Nothing of the request is echoed or logged
 * beyond its method and path, and of the error its class, code and message (`scrub`bed: the hub's secrets), never
 * the whole object.
 */
export function errorHandler(logger?: Logger, scrub?: (text: string) => string): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const status = Number((error as { status?: unknown }).status);
    // (A webhook body over the hub's own limit: the sender must be told it is the size, not something it can fix.)
    const limit = (error as { limit?: unknown }).limit;
    if (status === 413 && typeof limit === 'number')
      return sendError(res, 413, `the body of ${req.method} ${req.path} is over its limit of ${limit} bytes`);
    if (status >= 400 && status < 500)
      return sendError(res, status, `bad request to ${req.method} ${req.path}`);
    logger?.error(
      { error: loggedError(error, scrub), method: req.method, path: req.path },
      'ops request failed',
    );
    sendError(res, 500, 'internal error: the hub logged the cause');
  };
}
