import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { createAdminApi, hashToken } from './api/index.ts';
import { type HealthDetails, startOpsServer } from './server.ts';

/**
 * The routes the ops server serves itself (probes, metrics, the document, webhooks) are in the OpenAPI document,
 * and readiness's detail (connector names, states, errors) goes only to a token holder.
 */
const viewer = 'viewer-token-0123456789abcdef';
const silent = pino({ level: 'silent' });

async function opsServer(options: { kafkaUp?: boolean; healthDetails?: HealthDetails } = {}) {
  const api = createAdminApi({
    tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(viewer) }],
    logger: silent,
  });
  return startOpsServer({
    checks: { kafka: async () => options.kafkaUp ?? true, schemaRegistry: async () => true },
    api,
    logger: silent,
    healthDetails: options.healthDetails,
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

  it('readiness: the status alone without a token, the checks and details with a viewer token, 401 with an unknown one', async () => {
    const bare = await observed('GET', '/health/ready', '/health/ready');
    expect(bare).toEqual({ status: 200, body: { status: 'UP' } });
    const shown = await observed('GET', '/health/ready', '/health/ready', {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(shown).toEqual({
      status: 200,
      body: {
        status: 'UP',
        checks: { kafka: { status: 'UP' }, schemaRegistry: { status: 'UP' } },
        details: { connectors: { 'sap-orders': 'FAILED' }, failedConnectors: ['sap-orders'] },
      },
    });
    const unknown = await observed('GET', '/health/ready', '/health/ready', {
      headers: { authorization: 'Bearer not-a-known-token-0123456789' },
    });
    expect(unknown.status).toBe(401);
    expect(JSON.stringify(unknown.body)).not.toContain('sap-orders');
  });
});

describe('readiness of a hub whose dependency is down, or that shows its detail to anyone', () => {
  it('says 503 DOWN to a probe without a token, and nothing of which dependency or connector', async () => {
    const server = await opsServer({ kafkaUp: false });
    try {
      const response = await fetch(`${server.url}/health/ready`);
      expect([response.status, await response.json()]).toEqual([503, { status: 'DOWN' }]);
    } finally {
      await server.close();
    }
  });

  it('shows the detail without a token with healthDetails always (EAI_HEALTH_DETAILS=always)', async () => {
    const server = await opsServer({ kafkaUp: false, healthDetails: 'always' });
    try {
      const response = await fetch(`${server.url}/health/ready`);
      const body = (await response.json()) as { checks: Record<string, unknown>; details: unknown };
      expect(response.status).toBe(503);
      expect(body.checks.kafka).toEqual({ status: 'DOWN', error: 'not reachable' });
      expect(body.details).toMatchObject({ failedConnectors: ['sap-orders'] });
    } finally {
      await server.close();
    }
  });
});
