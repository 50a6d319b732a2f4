import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from '../common/types.ts';
import { type SapStartOptions, sapSimulator } from './simulator.ts';

export interface SapHarness {
  sim: RunningSimulator;
  dir: string;
  dropDir: string;
  inboundDir: string;
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    headers: Headers;
    body: T;
  }>;
  close(): Promise<void>;
}

/** A SAP simulator on a free port with its folders in a fresh temporary directory; no polling unless asked. */
export async function startSap(options: SapStartOptions = {}): Promise<SapHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'sap-sim-'));
  const dropDir = join(dir, 'out');
  const inboundDir = join(dir, 'in');
  const sim = await sapSimulator.start({ port: 0, dropDir, inboundDir, pollMs: 0, ...options });
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };
  return {
    sim,
    dir,
    dropDir,
    inboundDir,
    call,
    close: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
