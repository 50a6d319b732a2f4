import type { RunningSimulator, StartOptions } from '../common/types.ts';
import { salesforceSimulator } from './simulator.ts';

export const API = '/services/data/v62.0';

/** A started simulator plus a plain-fetch client holding a token for one OAuth client id. */
export interface SalesforceHarness {
  sim: RunningSimulator;
  token: string;
  /** fetch against the simulator with the bearer token and JSON body. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function getToken(url: string, clientId: string, secret = 'secret'): Promise<string> {
  const response = await fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
    }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

export async function startSalesforce(
  options: StartOptions = {},
  clientId = 'eai-hub',
): Promise<SalesforceHarness> {
  const sim = await salesforceSimulator.start({
    webhookRetry: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  const token = await getToken(sim.url, clientId);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async <T>(method: string, path: string, body?: unknown) => {
    const response = await call(method, path, body);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const control = async <T>(method: string, path: string, body?: unknown) =>
    (await json<T>(method, path, body)).body;
  return { sim, token, call, json, control };
}
