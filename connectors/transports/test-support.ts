import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { ConnectorContext } from '../sdk/index.ts';

/** A connector context for specs: a silent logger, its own abort controller, no webhooks. */
export function testContext(name = 'test-connector'): ConnectorContext & { abort(): void } {
  const controller = new AbortController();
  return {
    name,
    logger: pino({ level: 'silent' }),
    signal: controller.signal,
    baseDir: process.cwd(),
    serveWebhook: () => {
      throw new Error('no webhooks in this spec');
    },
    abort: () => controller.abort(),
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP server whose answers a spec scripts; it keeps every request it saw. */
export interface ScriptedServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(
  answer: (request: SeenRequest, res: ServerResponse, index: number) => void,
): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      answer(seen, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
