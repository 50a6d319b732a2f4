import { z } from 'zod';

/**
 * A system's base URL in a connector's config: http or https only (a `file:`, `data:` or other scheme is no API the
 * hub should call), and without `user:password@`: credentials go in their own secret fields (`authHeader`,
 * `password`, `clientSecret`), which are never logged, while the URL is shown as the target in logs, errors and dead
 * letters (and fetch refuses a URL with credentials anyway); nor a query or fragment, which the paths appended to it
 * would land in. Checked on the resolved value, so a reference in the URL is caught too.
 */
export function targetUrl() {
  // A URL left out keeps zod's own message, which the field problems say as `missing: a string is required`: this one
  // alone read as if a wrong URL had been written.
  const error = (issue: { input?: unknown }) =>
    issue.input === undefined ? undefined : 'must be an http:// or https:// URL';
  return z
    .url({ protocol: /^https?$/, error })
    .refine((value) => {
      // (Run after a failed URL check too: that one has said it, and the value is no URL to look into.)
      const url = URL.parse(value);
      return url === null || (url.username === '' && url.password === '');
    }, 'must not hold a user or password (user:password@): give credentials in their own secret field, e.g. authHeader or password')
    .refine((value) => {
      // Request paths are appended to the base URL: after a query they would land inside it (`?api_key=k/orders/1`),
      // the path never called; and a query's API key would be shown wherever the target is.
      const url = URL.parse(value);
      return url === null || (url.search === '' && url.hash === '');
    }, 'must not hold a query or fragment (?…, #…): request paths are appended to it; give an API key in its own secret field (authHeader), and a query in the path');
}
