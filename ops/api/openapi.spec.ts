import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertConformsToOpenApi, OpenApiMismatchError } from '../../tests/openapi-conformance.ts';
import { type AdminApi, createAdminApi, registerWhoamiRoute } from './index.ts';

const silent = pino({ level: 'silent' });
interface Operation {
  operationId: string;
  description: string;
  security: unknown;
  'x-eai-role': string;
  parameters?: unknown;
  requestBody?: unknown;
  responses: Record<string, { content?: unknown; headers?: unknown }>;
}

function documentedApi(): AdminApi {
  const api = createAdminApi({ tokens: [], logger: silent, title: 'test', version: '9' });
  registerWhoamiRoute(api);
  const workflow = z
    .object({ id: z.string(), attempts: z.number().int().default(0), startedAt: z.iso.datetime() })
    .meta({ id: 'Workflow' });
  api.route(
    {
      method: 'post',
      path: '/workflows/{type}/runs',
      summary: 'Start a workflow',
      tag: 'workflows',
      role: 'operator',
      params: z.object({ type: z.string().describe('Workflow type') }),
      query: z.object({ wait: z.coerce.boolean().optional().describe('Wait for the first step') }),
      body: workflow,
      responses: {
        201: { description: 'Started', schema: workflow },
        409: { description: 'Already running' },
      },
    },
    async ({ body }) => ({ status: 201, body }),
  );
  api.route(
    {
      method: 'delete',
      path: '/workflows/{type}/runs',
      summary: 'Cancel all runs',
      tag: 'workflows',
      role: 'admin',
      params: z.object({ type: z.string() }),
      responses: { 204: { description: 'Cancelled' } },
    },
    async () => ({ status: 204 }),
  );
  return api;
}

describe('the OpenAPI document', () => {
  const doc = documentedApi().openapi();
  const operation = (path: string, method: string) => doc.paths[path]![method] as unknown as Operation;

  it('is OpenAPI 3.1 with the bearer scheme required on every route, and its role', () => {
    expect(doc).toMatchObject({
      openapi: '3.1.0',
      info: { title: 'test', version: '9' },
      security: [{ bearerAuth: [] }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    });
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, ...(op as unknown as Operation) })),
    );
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'delete /workflows/{type}/runs',
      'get /api/whoami',
      'post /workflows/{type}/runs',
    ]);
    for (const route of routes) {
      expect(route.security).toEqual([{ bearerAuth: [] }]);
      expect(route['x-eai-role']).toMatch(/^(viewer|operator|admin)$/);
      expect(route.description).toContain(`Requires role \`${route['x-eai-role']}\``);
      expect(route.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(route.responses['401']?.headers).toHaveProperty('WWW-Authenticate');
    }
    expect(new Set(routes.map((r) => r.operationId)).size).toBe(routes.length);
  });

  it('describes parameters, the body and every answer, errors in the one Error shape', () => {
    const start = operation('/workflows/{type}/runs', 'post');
    expect(start.parameters).toEqual([
      { name: 'type', in: 'path', required: true, description: 'Workflow type', schema: expect.any(Object) },
      {
        name: 'wait',
        in: 'query',
        required: false,
        description: 'Wait for the first step',
        schema: expect.any(Object),
      },
    ]);
    const ref = (name: string) => ({
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
    });
    // A default makes a field optional in a request and always present in an answer: two components.
    expect(start.requestBody).toEqual({ required: true, ...ref('WorkflowInput') });
    expect(start.responses['201']).toMatchObject(ref('Workflow'));
    expect(doc.components.schemas.Workflow!.required).toEqual(['id', 'attempts', 'startedAt']);
    expect(doc.components.schemas.WorkflowInput!.required).toEqual(['id', 'startedAt']);
    expect(Object.keys(start.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '500',
    ]);
    for (const status of ['400', '401', '403', '409', '500'])
      expect(start.responses[status]).toMatchObject(ref('Error'));
    expect(operation('/workflows/{type}/runs', 'delete').responses['204']).toEqual({
      description: 'Cancelled',
    });
    expect(Object.keys(operation('/api/whoami', 'get').responses).sort()).toEqual(['200', '401', '500']);
  });

  it('says why a route needs its role in its 403, and documents 503 for a route that waits on a store', () => {
    const api = createAdminApi({ tokens: [], logger: silent });
    api.route(
      {
        method: 'get',
        path: '/letters/{id}',
        summary: 'One letter with its body',
        tag: 'letters',
        role: 'operator',
        roleReason: 'its body is personal data',
        backend: {
          name: 'PostgreSQL',
          patienceMs: 3000,
          reachable: async () => true,
          unavailable: 'try again',
        },
        params: z.object({ id: z.string() }),
        responses: { 200: { description: 'The letter.' } },
      },
      async () => ({ status: 200 }),
    );
    const responses = (api.openapi().paths['/letters/{id}']!.get as unknown as Operation).responses as Record<
      string,
      { description: string }
    >;
    expect(responses['403']!.description).toBe(
      "The token's role is below operator (its body is personal data).",
    );
    expect(responses['503']!.description).toBe(
      'PostgreSQL is unreachable (it refused or did not answer within 3 s): the answer says what to do.',
    );
    expect(Object.keys(operation('/api/whoami', 'get').responses)).not.toContain('503');
  });

  it('refuses a route whose params do not match its path, a malformed path, or one declared twice', () => {
    const api = documentedApi();
    const base = { method: 'get', summary: 's', tag: 't', role: 'viewer', responses: {} } as const;
    const ok = async () => ({ status: 204 });
    expect(() => api.route({ ...base, path: '/a/{name}', params: z.object({ id: z.string() }) }, ok)).toThrow(
      'route get /a/{name}: params schema has [id] but the path has [name]',
    );
    expect(() => api.route({ ...base, path: '/a/{name}' }, ok)).toThrow(
      /params schema has \[\] but the path/,
    );
    expect(() => api.route({ ...base, path: '/a/:name' }, ok)).toThrow(
      'segment ":name" is not a name or {param}',
    );
    expect(() => api.route({ ...base, path: '/api/whoami' }, ok)).toThrow(
      'route get /api/whoami is declared twice',
    );
  });
});

describe('the conformance check', () => {
  const doc = documentedApi().openapi();
  const started = { id: 'w-1', attempts: 0, startedAt: '2026-01-02T03:04:05Z' };

  it('accepts answers as declared', () => {
    assertConformsToOpenApi(doc, {
      method: 'POST',
      path: '/workflows/{type}/runs',
      status: 201,
      body: started,
    });
    assertConformsToOpenApi(doc, {
      method: 'delete',
      path: '/workflows/{type}/runs',
      status: 204,
      body: undefined,
    });
    assertConformsToOpenApi(doc, {
      method: 'get',
      path: '/api/whoami',
      status: 401,
      body: { error: 'no token' },
    });
  });

  it('lists each mismatch of a body', () => {
    const check = () =>
      assertConformsToOpenApi(doc, {
        method: 'post',
        path: '/workflows/{type}/runs',
        status: 201,
        body: { id: 7, startedAt: 'yesterday', extra: true },
      });
    expect(check).toThrow(OpenApiMismatchError);
    expect(check).toThrow(/\/id must be string/);
    expect(check).toThrow(/must have required property 'attempts'/);
    expect(check).toThrow(/\/startedAt must match format "date-time"/);
    expect(check).toThrow(/must NOT have additional properties/);
  });

  it('refuses an undeclared status, an unknown route, an unexpected body and an error in another shape', () => {
    const answer = (method: string, path: string, status: number, body: unknown) => () =>
      assertConformsToOpenApi(doc, { method, path, status, body });
    expect(answer('get', '/api/whoami', 404, { error: 'x' })).toThrow(
      'GET /api/whoami 404: status not declared (declared: 200, 401, 500)',
    );
    expect(answer('get', '/nothing', 200, {})).toThrow(
      'GET /nothing 200: the document declares no such route',
    );
    expect(answer('delete', '/workflows/{type}/runs', 204, { gone: true })).toThrow(/declares no body/);
    expect(answer('get', '/api/whoami', 401, { message: 'no' })).toThrow(/required property 'error'/);
  });
});
