import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { EffectLog } from './effects.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Headers worth replaying with a stored answer. */
const REPLAYED_HEADERS = ['content-type', 'location'];

/** The idempotency key of a request, stored on res.locals so effects can name it. */
export function idempotencyKeyOf(res: Response): string | undefined {
  return res.locals.idempotencyKey as string | undefined;
}

/**
 * Only answers of requests that were applied (2xx, 3xx) are stored. Not 5xx and 429 (the request failed or was not
 * let in), nor 4xx: the system refused the request without applying it (a 401 refused the credentials, a 400 the
 * input, a 404 or 409 the state it met), so a resend with the same key after the cause is fixed is processed. A
 * redriven dead letter keeps its idempotency key; Stripe likewise keeps no result for a request that failed
 * validation, and the IETF Idempotency-Key draft leaves error answers to the server.
 */
function isStored(status: number): boolean {
  return status < 400;
}

/**
 * A state-changing request carrying an idempotency key already answered is answered again with the
 * stored answer, without reaching the route: the system applies it once.
 */
export function idempotencyMiddleware(
  log: EffectLog,
  ownKey: ((req: Request) => string | undefined) | undefined,
  onStored: () => void,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!STATE_CHANGING.has(req.method) || req.path.startsWith('/sim/')) return next();
    const key = req.get('Idempotency-Key') ?? ownKey?.(req);
    if (!key) return next();
    res.locals.idempotencyKey = key;
    const stored = log.answers[key];
    if (stored) {
      res.status(stored.status).set(stored.headers).set('Idempotent-Replayed', 'true');
      res.end(stored.body);
      return;
    }
    const chunks: Buffer[] = [];
    const originalWrite = res.write.bind(res) as (...args: unknown[]) => boolean;
    const originalEnd = res.end.bind(res) as (...args: unknown[]) => Response;
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return originalWrite(chunk, ...rest);
    }) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') keep(chunk);
      if (isStored(res.statusCode)) {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = res.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        log.answers[key] = { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
        onStored();
      }
      return originalEnd(chunk, ...rest);
    }) as Response['end'];
    next();
  };
}
