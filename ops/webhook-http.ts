import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { WebhookRequest, WebhookResponse } from '../connectors/index.ts';
import { logSafeMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * The webhook endpoints' HTTP, `/webhooks/<connector>/…`. Their common request, a POST with a Content-Length within
 * the limit and no Content-Encoding to a plain connector name, is read and answered on node:http ahead of express:
 * express's router, `express.raw` and `res.json` (with its ETag hash) cost about 0.1 ms of CPU a request, as much as
 * the rest of the HTTP work (bench:webhooks, bare express 0.21–0.28 ms a request against node:http's 0.12–0.15 at
 * 1,000/s). Any other request to these paths (chunked, compressed, over the limit, an escaped name) goes through
 * express's route as before; both answer through `sendWebhookAnswer`.
 */

/** The body limit, as `express.raw({ limit: '9mb' })` reads it. */
export const WEBHOOK_BODY_LIMIT = 9 * 1024 * 1024;

export type WebhookHandler = (connector: string, request: WebhookRequest) => Promise<WebhookResponse>;

/** The body limit a connector's webhook declared, or undefined (the server's own, WEBHOOK_BODY_LIMIT, applies). */
export type WebhookBodyLimit = (connector: string) => number | undefined;

const PLAIN_PATH = /^\/webhooks\/([a-z0-9][a-z0-9._-]*)(\/[^?#]*)?(?:\?[^#]*)?$/;

export function webhookHeaders(headers: IncomingMessage['headers']): WebhookRequest['headers'] {
  const out: WebhookRequest['headers'] = {};
  for (const name in headers) {
    const value = headers[name];
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The answer as JSON (or empty), the source's headers last, so they win. No ETag: a webhook's answer is not cached. */
export function sendWebhookAnswer(res: ServerResponse, answer: WebhookResponse): void {
  res.statusCode = answer.status;
  const text = answer.body === undefined ? undefined : JSON.stringify(answer.body);
  if (text !== undefined) {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-length', Buffer.byteLength(text));
  }
  if (answer.headers) for (const name in answer.headers) res.setHeader(name, answer.headers[name]!);
  res.end(text);
}

/**
 * 500 for a handler that threw, in the admin API's error shape, the cause logged as the connector runtime logs errors:
 * its message without the answer body it quotes (`logSafeMessage`), never the error object, whose `responseBody`,
 * stack and causes would put a system's answer (a customer's record, a quoted credential) in the log.
 */
function sendFailure(
  res: ServerResponse,
  request: { method: string; path: string },
  error: unknown,
  logger?: Logger,
) {
  logger?.error(
    { error: logSafeMessage(error), method: request.method, path: request.path },
    'ops request failed',
  );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendWebhookAnswer(res, { status: 500, body: { error: 'internal error: the hub logged the cause' } });
}

/** Answers a request through `handler` and any failure as a logged 500. */
export function answerWebhook(
  res: ServerResponse,
  handler: WebhookHandler,
  connector: string,
  request: WebhookRequest,
  logger?: Logger,
): void {
  handler(connector, request).then(
    (answer) => {
      try {
        sendWebhookAnswer(res, answer);
      } catch (error) {
        sendFailure(
          res,
          { method: request.method, path: `/webhooks/${connector}${request.path}` },
          error,
          logger,
        );
      }
    },
    (error) =>
      sendFailure(
        res,
        { method: request.method, path: `/webhooks/${connector}${request.path}` },
        error,
        logger,
      ),
  );
}

/**
 * Takes the request if it is a webhook's common case (see the file's header) and returns true; false leaves it
 * to express. The body is copied out of the socket's read buffer (as express.raw does), so a document waiting in a
 * queue holds its own bytes only.
 */
export function takeWebhookRequest(
  req: IncomingMessage,
  res: ServerResponse,
  handler: WebhookHandler,
  logger?: Logger,
  bodyLimit?: WebhookBodyLimit,
): boolean {
  if (req.method !== 'POST' || req.headers['transfer-encoding'] !== undefined) return false;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0 || length > WEBHOOK_BODY_LIMIT) return false;
  const match = PLAIN_PATH.exec(req.url ?? '');
  if (!match) return false;
  const connector = match[1]!;
  const path = match[2] || '/';
  const url = `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${req.url}`;
  const limit = bodyLimit?.(connector);
  if (limit !== undefined && length > limit) {
    // Over the source's own limit: it answers from the declared length (413) before anything of the body is read,
    // and the connection closes after the answer, so an unauthenticated sender cannot make the hub read megabytes.
    res.setHeader('connection', 'close');
    const headers = webhookHeaders(req.headers);
    answerWebhook(
      res,
      handler,
      connector,
      { method: 'POST', path, url, headers, rawBody: Buffer.alloc(0) },
      logger,
    );
    return true;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => {
    const rawBody = Buffer.concat(chunks, size);
    const request: WebhookRequest = {
      method: 'POST',
      path,
      url,
      headers: webhookHeaders(req.headers),
      rawBody,
    };
    answerWebhook(res, handler, connector, request, logger);
  });
  // A sender gone mid-body gets no answer (express's route would answer a socket already closed).
  req.on('error', () => undefined);
  return true;
}
