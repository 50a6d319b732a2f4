import type { RunningSimulator, StartOptions } from '../common/types.ts';
import { odooSimulator } from './simulator.ts';

export const DB = 'odoo';
export const UID = 6;
export const PASSWORD = 'eai-api-key';

export interface OdooFaultBody {
  jsonrpc: '2.0';
  id: unknown;
  error: {
    code: number;
    message: string;
    data: { name: string; message: string; debug: string; arguments: unknown[] };
  };
}

/** The integration user's API key: JSON-2's bearer token (its password is the same key). */
export const API_KEY = 'eai-api-key';

/** A started simulator plus a plain-fetch JSON-RPC client authenticated as the integration user. */
export interface OdooHarness {
  sim: RunningSimulator;
  rpc(
    service: string,
    method: string,
    args: unknown[],
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** execute_kw as the integration user; returns `result`, throws with the fault when there is one. */
  call<T = unknown>(
    model: string,
    method: string,
    args: unknown[],
    kwargs?: Record<string, unknown>,
  ): Promise<T>;
  /** execute_kw answering the raw JSON-RPC body (for faults). */
  raw(
    model: string,
    method: string,
    args: unknown[],
    kwargs?: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /**
   * `POST /json/2/<model>/<method>` with the integration user's API key and database (`headers` add to or replace
   * them); answers the status, the headers and the parsed body (the text when it is not JSON).
   */
  json2(
    model: string,
    method: string,
    body: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: unknown }>;
  /** A person's edit in Odoo's UI (`POST /sim/edit`: its README); the record's id. Throws on an error answer. */
  edit(body: unknown): Promise<number>;
  /** The Odoo version the simulator speaks from now on (`POST /sim/version`: 17.0, 19.0). Throws on an error answer. */
  setVersion(version: string): Promise<void>;
}

export async function startOdoo(options: StartOptions = {}): Promise<OdooHarness> {
  const sim = await odooSimulator.start(options);
  let nextId = 1;
  const rpc = async (
    service: string,
    method: string,
    args: unknown[],
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${sim.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'call',
        id: nextId++,
        params: { service, method, args },
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const raw = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}) =>
    rpc('object', 'execute_kw', [DB, UID, PASSWORD, model, method, args, kwargs]);
  const call = async <T>(
    model: string,
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown> = {},
  ) => {
    const { body } = await raw(model, method, args, kwargs);
    if (body.error) throw new Error(`Odoo fault: ${JSON.stringify(body.error)}`);
    return body.result as T;
  };
  const json2 = async (
    model: string,
    method: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${sim.url}/json/2/${model}/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `bearer ${API_KEY}`,
        'x-odoo-database': DB,
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // an HTML page: kept as text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  const simPost = async (path: string, body: unknown) => {
    const answer = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${path}: HTTP ${answer.status}: ${await answer.text()}`);
    return answer.json() as Promise<Record<string, unknown>>;
  };
  const edit = async (body: unknown) => (await simPost('/sim/edit', body)).id as number;
  const setVersion = async (version: string) => {
    await simPost('/sim/version', { version });
  };
  return { sim, rpc, call, raw, json2, edit, setVersion };
}
