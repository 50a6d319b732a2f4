import type { RunningSimulator, StartOptions } from '../common/types.ts';
import { hubspotSimulator } from './simulator.ts';

export const CONTACTS = '/crm/v3/objects/contacts';

export interface AppInfo {
  portalId: number;
  appId: number;
  clientSecret: string;
  accessTokens: string[];
  uiUserId: number;
}

/** A started simulator plus a plain-fetch client holding the private-app token. */
export interface HubSpotHarness {
  sim: RunningSimulator;
  app: AppInfo;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
}

export async function startHubSpot(options: StartOptions = {}): Promise<HubSpotHarness> {
  const sim = await hubspotSimulator.start({
    webhookRetry: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  const app = (await (await fetch(`${sim.url}/sim/app`)).json()) as AppInfo;
  const token = app.accessTokens[0];
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await call(method, path, body, headers);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return { sim, app, call, json };
}

export interface ContactObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  new?: boolean;
  propertiesWithHistory?: Record<
    string,
    Array<{ value: string; timestamp: string; sourceType: string; sourceId?: string }>
  >;
}

export function upsertBody(
  contacts: Array<Record<string, string>>,
  idProperty = 'email',
): { inputs: Array<{ idProperty: string; id: string; properties: Record<string, string> }> } {
  return {
    inputs: contacts.map((properties) => ({ idProperty, id: properties[idProperty] ?? '', properties })),
  };
}
