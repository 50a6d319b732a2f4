/** Salesforce error codes of a 4xx that mean "not now": the same request succeeds later. */
export const NOT_NOW = new Set([
  // 403: the org's API request limit (the rolling 24 hours' TotalRequests, or concurrent long-running requests) is
  // spent; requests pass again as the window moves on.
  'REQUEST_LIMIT_EXCEEDED',
  // 400: another transaction (a person's edit, a trigger, a bulk job) holds the record's lock; the write succeeds
  // once it is released.
  'UNABLE_TO_LOCK_ROW',
]);

/**
 * Whether a 400 / 403 answer of the REST API (`[{message, errorCode, fields}]`) is one to retry rather than a
 * refusal to dead-letter: REQUEST_LIMIT_EXCEEDED or UNABLE_TO_LOCK_ROW. Salesforce sends no Retry-After with either.
 */
export function salesforceRetriable(status: number, body: string): boolean {
  if (status !== 400 && status !== 403) return false;
  let errors: unknown;
  try {
    errors = JSON.parse(body);
  } catch {
    return false;
  }
  return (
    Array.isArray(errors) &&
    errors.some((error) => NOT_NOW.has(String((error as { errorCode?: unknown } | null)?.errorCode)))
  );
}
