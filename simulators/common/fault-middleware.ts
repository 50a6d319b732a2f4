import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { FaultRegistry } from './faults.ts';
import type { SimErrorInfo } from './types.ts';

/** Requests held by timeouts and slow faults, released when the simulator closes. */
export class PendingTimers {
  private readonly timers = new Set<NodeJS.Timeout>();
  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** Replaces the response's end so the handler runs (state changes) but the client never gets the answer. */
function withholdAnswer(res: Response, release: (send: () => void) => void): void {
  const originalEnd = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    release(() => originalEnd(...args));
    return res;
  }) as Response['end'];
}

/**
 * Applies the HTTP faults of `/sim/faults` to the system's own routes (never to `/sim/*`). `rateLimit`: how the
 * system answers over its limit (default 429 with Retry-After).
 */
export function faultMiddleware(
  faults: FaultRegistry,
  timers: PendingTimers,
  errorBody: (error: SimErrorInfo) => unknown,
  rateLimit: { status: number; retryAfter: boolean } = { status: 429, retryAfter: true },
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/sim/')) return next();
    const fault = faults.takeHttp(req.method, req.path);
    if (!fault) return next();
    res.setHeader('X-Sim-Fault', fault.kind);
    switch (fault.kind) {
      case 'rate_limit': {
        const { status, retryAfter } = rateLimit;
        if (retryAfter) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
        res.status(status).json(errorBody({ status, code: 'RATE_LIMITED', message: 'rate limit exceeded' }));
        return;
      }
      case 'error': {
        const code =
          fault.status === 503
            ? 'UNAVAILABLE'
            : fault.status >= 500
              ? 'SERVER_ERROR'
              : fault.status === 404
                ? 'NOT_FOUND'
                : 'BAD_REQUEST';
        res.status(fault.status).json(errorBody({ status: fault.status, code, message: 'injected failure' }));
        return;
      }
      case 'slow':
        timers.after(fault.delayMs ?? 1000, next);
        return;
      case 'timeout':
        if (fault.afterApply) {
          withholdAnswer(res, (send) => {
            if (fault.delayMs !== undefined) timers.after(fault.delayMs, send);
          });
          return next();
        }
        // Without afterApply the request is only processed once the delay is over, if ever.
        if (fault.delayMs !== undefined) timers.after(fault.delayMs, next);
        return;
      case 'drop':
        if (fault.afterApply) {
          withholdAnswer(res, () => req.socket.destroy());
          return next();
        }
        req.socket.destroy();
        return;
      default:
        return next();
    }
  };
}
