import { mkdtempSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify as toYaml } from 'yaml';
import { type CompiledMapping, findMapping } from '../../mappings/index.ts';
import type { ConnectorContext, SinkRecord, WebhookRequest, WebhookResponse } from '../sdk/index.ts';

/**
 * Test support for webhook sources (and the runtime's tests): node:http on 127.0.0.1 adapted to the SDK's
 * WebhookRequest / WebhookResponse, and a ConnectorContext that captures the served handler and the log lines.
 */
export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

export interface LoopbackWebhookServer {
  /** `http://127.0.0.1:<port>` + basePath. */
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request as the runtime hands it to a connector: headers lower-cased (repeats joined), path below `basePath`. */
export async function toWebhookRequest(
  req: IncomingMessage,
  basePath: string,
  origin: string,
): Promise<WebhookRequest> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers))
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  const target = req.url ?? '/';
  const pathname = target.split('?')[0] ?? '/';
  const below = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  return {
    method: req.method ?? 'GET',
    path: below.startsWith('/') ? below : `/${below}`,
    url: `${origin}${target}`,
    headers,
    rawBody: await readBody(req),
  };
}

export function writeWebhookResponse(res: ServerResponse, response: WebhookResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: Buffer | string | undefined;
  if (Buffer.isBuffer(response.body)) payload = response.body;
  else if (typeof response.body === 'string') payload = response.body;
  else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status, headers).end(payload);
}

/**
 * Serves `handler` on 127.0.0.1 below `basePath`, as `context.serveWebhook` would on the hub's port: on `port`, or
 * a free one (0, the default).
 */
export async function serveOnLoopback(
  handler: WebhookHandler,
  basePath = '',
  port = 0,
): Promise<LoopbackWebhookServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    toWebhookRequest(req, basePath, origin)
      .then(handler)
      .then(
        (response) => writeWebhookResponse(res, response),
        (error: unknown) => writeWebhookResponse(res, { status: 500, body: { error: String(error) } }),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${basePath}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TestContext {
  context: ConnectorContext;
  /** The handler the source passed to `serveWebhook` (throws when none was served yet). */
  handler(): WebhookHandler;
  /** Log lines as parsed JSON objects (level info and up). */
  logs: Array<Record<string, unknown>>;
  abort(): void;
}

export function createTestContext(name = 'test-webhook'): TestContext {
  const controller = new AbortController();
  const logs: Array<Record<string, unknown>> = [];
  let served: WebhookHandler | undefined;
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  return {
    context: {
      name,
      logger,
      signal: controller.signal,
      baseDir: process.cwd(),
      serveWebhook: (handler) => {
        served = handler;
      },
      toSystem: () => Promise.reject(new Error('no outbound mapping in this spec')),
      // As the runtime finds it, beside the context's baseDir (a spec may point that elsewhere); no timeZone here.
      sinkMapping(ref) {
        return findMapping(ref, this.baseDir);
      },
    },
    handler: () => {
      if (!served) throw new Error('the source has not called serveWebhook yet (call start first)');
      return served;
    },
    logs,
    abort: () => controller.abort(),
  };
}

/** A connector context for specs that need no webhook and no log lines: the context of `createTestContext`. */
export function testContext(name = 'test-connector'): ConnectorContext & { abort(): void } {
  const { context, abort } = createTestContext(name);
  return { ...context, abort };
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

/**
 * Customer records for a sink's `put`, numbered from 1 per factory: topic `canonical.customer`, key `C-<n>`, idempotency
 * key `<connector>:ce-<n>`, the value given (default `{}`, for a sink whose mapping the spec stubs).
 */
export function customerRecords(connector: string): (value?: unknown) => SinkRecord {
  let offset = 0;
  return (value = {}) => {
    offset += 1;
    return {
      topic: 'canonical.customer',
      partition: 0,
      offset: String(offset),
      key: `C-${offset}`,
      schema: 'eai.canonical.CustomerEvent',
      value,
      attributes: { id: `ce-${offset}` },
      idempotencyKey: `${connector}:ce-${offset}`,
    };
  };
}

/**
 * A from-canonical mapping that writes `document` (its top-level fields, JSON values) for every CustomerEvent, as a
 * sink's `mapping:` would (`context.outboundMapping`): for specs of what a sink does with a body of its system.
 */
export function constantMapping(output: string, document: Record<string, unknown>): CompiledMapping {
  const dir = mkdtempSync(join(tmpdir(), 'eai-constant-mapping-'));
  const file = join(dir, 'constant.from-canonical.yaml');
  writeFileSync(
    file,
    toYaml({
      description: `writes the same ${output} document for every record (a spec's)`,
      input: 'eai.canonical.CustomerEvent',
      output,
      fixtures: { inputs: '.', expected: '.' },
      fields: Object.fromEntries(
        Object.entries(document).map(([name, value]) => [name, JSON.stringify(value)]),
      ),
    }),
  );
  return findMapping(file);
}
