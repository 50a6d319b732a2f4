import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinPlugins, type ConnectorPlugin } from '../connectors/index.ts';
import { definePlugin } from '../connectors/sdk/index.ts';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { createAdminApi, hashToken } from './api/index.ts';
import { declaredWebhookRoutes } from './open-routes.ts';
import { type HealthDetails, startOpsServer } from './server.ts';

/**
 * The routes the ops server serves itself (probes, metrics, the document, webhooks) are in the OpenAPI document,
 * and readiness's detail (connector names, states, errors) goes only to a token holder.
 */
const viewer = 'viewer-token-0123456789abcdef';
const silent = pino({ level: 'silent' });

/** A connector type with a resource of its own under its endpoint, whose answer's shape it knows. */
const pinged = definePlugin({
  type: 'h2-ping-source',
  kind: 'source',
  description: 'A test source that answers GET /status/{probe}.',
  config: z.object({}),
  webhookRoutes: [
    {
      method: 'get',
      path: '/status/{probe}',
      summary: 'Its status',
      params: { probe: 'Which probe.' },
      responses: {
        200: {
          description: 'The status.',
          schema: z.object({ published: z.number().int(), path: z.string() }).strict(),
        },
      },
    },
  ],
});

async function opsServer(
  options: { kafkaUp?: boolean; healthDetails?: HealthDetails; plugins?: ConnectorPlugin[] } = {},
) {
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
    // As the hub declares them: every connector type's it runs.
    webhookRoutes: declaredWebhookRoutes(options.plugins ?? [...builtinPlugins, pinged]),
    webhooks: async (connector, request) =>
      connector === 'hook'
        ? // As its connector would: EPCIS capture answers 202.
          { status: request.path === '/capture' ? 202 : 200, body: { published: 1, path: request.path } }
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
      'get /webhooks/{connector}/status/{probe} connector []',
      'post /webhooks/{connector} connector []',
      'post /webhooks/{connector}/capture connector []',
    ]);
  });

  it('lists the webhook routes the connector types declare (ConnectorPlugin.webhookRoutes), naming the type and each param', () => {
    const paths = doc.paths as unknown as Record<
      string,
      Record<string, { summary: string; parameters?: Array<{ name: string }>; responses: object }>
    >;
    const capture = paths['/webhooks/{connector}/capture']!.post!;
    expect(capture.summary).toBe('EPCIS 2.0 capture (an epcis-capture-source connector)');
    expect(Object.keys(capture.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '404', '405', '413', '502', '503']),
    );
    const status = paths['/webhooks/{connector}/status/{probe}']!.get!;
    expect(status.summary).toBe('Its status (a h2-ping-source connector)');
    expect(status.parameters?.map((p) => p.name).sort()).toEqual(['connector', 'probe']);
  });

  it('lists only the endpoint itself for a hub whose connector types declare no routes of their own', async () => {
    const bare = await opsServer({ plugins: [] });
    try {
      const paths = ((await (await fetch(`${bare.url}/openapi.json`)).json()) as typeof doc).paths;
      expect(Object.keys(paths).filter((p) => p.startsWith('/webhooks'))).toEqual(['/webhooks/{connector}']);
    } finally {
      await bare.close();
    }
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
    const job = await observed(
      'GET',
      '/webhooks/{connector}/capture/{captureID}',
      '/webhooks/hook/capture/c-1',
    );
    expect(job.status).toBe(200);
    const noJob = await observed(
      'GET',
      '/webhooks/{connector}/capture/{captureID}',
      '/webhooks/nothing/capture/c',
    );
    expect(noJob.status).toBe(404);
    // The declared shape is checked: the answer holds what it says.
    const probe = await observed('GET', '/webhooks/{connector}/status/{probe}', '/webhooks/hook/status/p1');
    expect(probe.body).toEqual({ published: 1, path: '/status/p1' });
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
