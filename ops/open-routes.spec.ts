import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { createAdminApi, hashToken } from './api/index.ts';
import { startOpsServer } from './server.ts';

/**
 * The routes the ops server serves itself (probes, metrics, the document, webhooks) are in the OpenAPI document,
 * each answering as the document declares.
 */
const viewer = 'viewer-token-0123456789abcdef';
const silent = pino({ level: 'silent' });

async function opsServer(options: { kafkaUp?: boolean } = {}) {
  const api = createAdminApi({
    tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(viewer) }],
    logger: silent,
  });
  return startOpsServer({
    checks: { kafka: async () => options.kafkaUp ?? true, schemaRegistry: async () => true },
    api,
    logger: silent,
    details: async () => ({ connectors: { 'sap-orders': 'FAILED' }, failedConnectors: ['sap-orders'] }),
    webhooks: async (connector, request) =>
      connector === 'hook'
        ? { status: 200, body: { published: 1, path: request.path } }
        : { status: 404, body: { error: `no connector ${connector}` } },
  });
}

type Server = Awaited<ReturnType<typeof opsServer>>;

describe('the routes the ops server serves itself', () => {
  let server: Server;
  let doc: { paths: Record<string, Record<string, { security?: unknown; 'x-eai-access'?: string }>> };
  beforeAll(async () => {
    server = await opsServer();
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof doc;
  });
  afterAll(() => server.close());

  async function observed(method: string, template: string, path: string, init: RequestInit = {}) {
    const response = await fetch(`${server.url}${path}`, { method, ...init });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json');
    const body = text && json ? JSON.parse(text) : text || undefined;
    assertConformsToOpenApi(doc, { method, path: template, status: response.status, body });
    return { status: response.status, body };
  }

  it('are each in /openapi.json, open (no security) or with the connector checking its own credentials', () => {
    const open = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op['x-eai-access'] !== undefined)
        .map(([method, op]) => `${method} ${path} ${op['x-eai-access']} ${JSON.stringify(op.security)}`),
    );
    expect(open.sort()).toEqual([
      'get /health/live open []',
      'get /health/ready open-viewer-detail [{},{"bearerAuth":[]}]',
      'get /metrics open []',
      'get /openapi.json open []',
      'get /webhooks/{connector}/capture/{captureID} connector []',
      'post /webhooks/{connector} connector []',
      'post /webhooks/{connector}/capture connector []',
    ]);
  });

  it('answer as the document declares them', async () => {
    expect((await observed('GET', '/health/live', '/health/live')).status).toBe(200);
    expect((await observed('GET', '/health/ready', '/health/ready')).status).toBe(200);
    const metrics = await observed('GET', '/metrics', '/metrics');
    expect(metrics.body).toMatch(/^# HELP eai_/m);
    expect((await observed('GET', '/openapi.json', '/openapi.json')).status).toBe(200);
    const hook = await observed('POST', '/webhooks/{connector}', '/webhooks/hook', { body: '{}' });
    expect(hook).toEqual({ status: 200, body: { published: 1, path: '/' } });
    const none = await observed('POST', '/webhooks/{connector}', '/webhooks/nothing', { body: '{}' });
    expect(none.status).toBe(404);
    const capture = await observed('POST', '/webhooks/{connector}/capture', '/webhooks/hook/capture', {
      body: '{}',
    });
    expect(capture.body).toEqual({ published: 1, path: '/capture' });
  });
});
