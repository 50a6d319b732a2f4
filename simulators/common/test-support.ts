import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from './types.ts';

/** A webhook subscriber for tests: records every POST body; can be switched to answer 503 (down). */
export interface WebhookReceiver {
  url: string;
  received: unknown[];
  /** The headers of each received body, in the same order. */
  headers: IncomingHttpHeaders[];
  setDown(down: boolean): void;
  /** Resolves when at least `count` bodies arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<unknown[]>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const received: unknown[] = [];
  const headers: IncomingHttpHeaders[] = [];
  let down = false;
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (down) {
      res.writeHead(503).end();
      return;
    }
    received.push(JSON.parse(body));
    headers.push(req.headers);
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    headers,
    setDown: (value) => {
      down = value;
    },
    waitFor: async (count, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} webhook deliveries, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when the answer had none. */
  body: T;
}

/** A plain-fetch client that sends and reads JSON; a string body goes out as it is (for malformed input). */
export type JsonCall = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<JsonResponse<T>>;

export function jsonCall(baseUrl: string): JsonCall {
  return async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
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
}

/** A simulator whose folders live in a fresh temporary directory that `close` removes with it. */
export interface TempDirHarness {
  sim: RunningSimulator;
  dir: string;
  call: JsonCall;
  close(): Promise<void>;
}

export async function startInTempDir(
  prefix: string,
  start: (dir: string) => Promise<RunningSimulator>,
): Promise<TempDirHarness> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let sim: RunningSimulator;
  try {
    sim = await start(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    sim,
    dir,
    call: jsonCall(sim.url),
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
