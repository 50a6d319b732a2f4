import { z } from 'zod';
import { errorMessage } from '../../lib/errors.ts';
import { HttpUnavailableError, httpAnswerError } from '../transports/http-errors.ts';
import { targetUrl } from '../transports/target-url.ts';

/** The org and the connected app a Salesforce connector signs in as (OAuth 2.0 client credentials). */
export const salesforceOrgConfig = z.object({
  instanceUrl: targetUrl().describe(
    "The org's My Domain URL (`https://acme.my.salesforce.com`): the token endpoint and the REST API are below it.",
  ),
  clientId: z.string().min(1).describe("The connected app's consumer key (client id)."),
  clientSecret: z
    .string()
    .min(1, 'the client secret is empty')
    .meta({ secret: true })
    .describe(
      "The connected app's consumer secret; write an environment reference (`$" +
        '{env:NAME}`) in deployment files.',
    ),
  apiVersion: z
    .string()
    .regex(/^v\d{2,3}\.0$/, 'an API version such as v62.0')
    .default('v62.0')
    .describe('REST API version in request paths, e.g. `v62.0`.'),
  authTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Deadline of one token request, in ms.'),
});

export type SalesforceOrgConfig = z.output<typeof salesforceOrgConfig>;

export interface SalesforceAuth {
  /** A bearer token, cached; `renew` fetches a new one (after a 401). */
  token(options: { renew: boolean; signal: AbortSignal }): Promise<string>;
}

/**
 * OAuth 2.0 client credentials against `<instanceUrl>/services/oauth2/token`. The token is cached until a caller
 * asks to renew it; concurrent callers share one request. A refused client (400 invalid_client) is not retriable,
 * an unreachable or failing endpoint is.
 */
export function createSalesforceAuth(config: SalesforceOrgConfig, connector: string): SalesforceAuth {
  const endpoint = `${config.instanceUrl.replace(/\/+$/, '')}/services/oauth2/token`;
  let current: Promise<string> | undefined;

  async function fetchToken(signal: AbortSignal): Promise<string> {
    const failure = { connector, method: 'POST', path: '/services/oauth2/token' };
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: config.clientId,
          client_secret: config.clientSecret,
        }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(config.authTimeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw new HttpUnavailableError(
        `${connector}: token request to ${endpoint} failed: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    if (!response.ok)
      throw httpAnswerError(
        failure,
        { status: response.status, retryAfter: response.headers.get('retry-after'), body: text },
        { maxBodyBytes: 1024 },
      );
    const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
    if (typeof token !== 'string' || token === '')
      throw new HttpUnavailableError(`${connector}: token answer without access_token`);
    return token;
  }

  return {
    token({ renew, signal }) {
      if (renew || !current) {
        const pending = fetchToken(signal);
        current = pending;
        pending.catch(() => {
          if (current === pending) current = undefined;
        });
      }
      return current;
    },
  };
}
