/**
 * Thrown by a route to answer with the system's own error body; the core's error handler sends it.
 * Keeps routes linear (validate, throw) instead of threading `res` through helpers.
 */
export class SimHttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`simulator answered ${status}`);
    this.name = 'SimHttpError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}
