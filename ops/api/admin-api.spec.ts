import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { quotedValue } from '../../lib/errors.ts';
import { assertConformsToOpenApi } from '../../tests/openapi-conformance.ts';
import { startOpsServer } from '../server.ts';
import { detailsOf } from './errors.ts';
import {
  type AdminApi,
  createAdminApi,
  HttpError,
  hashToken,
  newToken,
  registerWhoamiRoute,
} from './index.ts';

const tokens = { viewer: newToken(), operator: newToken(), admin: newToken() };
const wrongToken = newToken();
const logLines: string[] = [];

/** A small API of the shapes other capabilities will declare: params, query, body, roles, handler errors. */
function sampleApi(): AdminApi {
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const api = createAdminApi({
    logger,
    tokens: [
      { name: 'dashboard', role: 'viewer', sha256: hashToken(tokens.viewer) },
      { name: 'oncall', role: 'operator', sha256: hashToken(tokens.operator) },
      { name: 'platform', role: 'admin', sha256: hashToken(tokens.admin) },
    ],
  });
  registerWhoamiRoute(api);
  const connector = z.object({ name: z.string(), paused: z.boolean() }).meta({ id: 'SampleConnector' });
  api.route(
    {
      method: 'get',
      path: '/connectors',
      summary: 'List connectors',
      tag: 'connectors',
      role: 'viewer',
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
      responses: { 200: { description: 'The connectors', schema: z.object({ items: z.array(connector) }) } },
    },
    async ({ query }) => ({
      status: 200,
      body: { items: [{ name: 'sap', paused: false }].slice(0, query.limit) },
    }),
  );
  api.route(
    {
      method: 'put',
      path: '/connectors/{name}/pause',
      summary: 'Pause a connector',
      tag: 'connectors',
      role: 'operator',
      params: z.object({ name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a connector name') }),
      body: z.object({
        reason: z.string().min(3),
        config: z.object({ topics: z.array(z.string().min(1)) }).optional(),
      }),
      responses: {
        200: { description: 'Paused', schema: connector },
        404: { description: 'No such connector' },
      },
    },
    async ({ params, principal }) => {
      if (params.name === 'missing') throw new HttpError(404, `no connector ${params.name}`);
      return { status: 200, body: { name: params.name, paused: principal.role !== 'viewer' } };
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/connectors/{name}',
      summary: 'Delete a connector',
      tag: 'connectors',
      role: 'admin',
      params: z.object({ name: z.string() }),
      responses: { 204: { description: 'Deleted' } },
    },
    async () => ({ status: 204, headers: { 'x-deleted': 'yes' } }),
  );
  api.route(
    {
      method: 'get',
      path: '/customers/{name}',
      summary: "Refuses with a customer's value quoted",
      tag: 'test',
      role: 'viewer',
      params: z.object({ name: z.string() }),
      responses: { 409: { description: 'Refused' } },
    },
    async ({ params }) => {
      throw new HttpError(409, `customer ${quotedValue(params.name)} is merged`);
    },
  );
  api.route(
    { method: 'post', path: '/broken', summary: 'Fails', tag: 'test', role: 'viewer', responses: {} },
    async () => {
      throw new Error('the database refused the connection');
    },
  );
  return api;
}

describe('admin API over HTTP', () => {
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  let openapi: object;

  beforeAll(async () => {
    server = await startOpsServer({ checks: {}, api: sampleApi() });
    const response = await fetch(`${server.url}/openapi.json`);
    expect(response.status).toBe(200);
    openapi = (await response.json()) as object;
  });
  afterAll(() => server.close());

  /** Calls a route by its template and checks the answer against the served OpenAPI document. */
  async function call(
    method: string,
    template: string,
    options: {
      token?: string;
      authorization?: string;
      params?: Record<string, string>;
      query?: string;
      body?: unknown;
      rawBody?: string;
      contentType?: string;
    } = {},
  ) {
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
      encodeURIComponent(options.params![name]!),
    );
    const headers: Record<string, string> = {};
    const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
    if (authorization) headers.authorization = authorization;
    const rawBody =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (rawBody !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${server.url}${path}${options.query ? `?${options.query}` : ''}`, {
      method: method.toUpperCase(),
      headers,
      body: rawBody,
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : undefined;
    assertConformsToOpenApi(openapi, { method, path: template, status: response.status, body });
    return { status: response.status, body, headers: response.headers };
  }

  describe('deny by default', () => {
    it('answers 401 with a Bearer challenge when there is no token', async () => {
      const answer = await call('get', '/api/whoami');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="eai"$/);
      expect(answer.body).toEqual({ error: 'an admin token is required: Authorization: Bearer <token>' });
    });

    it('answers 401 for an unknown token and for another scheme', async () => {
      const wrong = await call('get', '/api/whoami', { token: wrongToken });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="eai", error="invalid_token"');
      const basic = await call('get', '/api/whoami', { authorization: `Basic ${tokens.admin}` });
      expect(basic.status).toBe(401);
      expect(basic.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers a Bearer header with something no token could be as an invalid token, not as none sent', async () => {
      const spaced = await call('get', '/api/whoami', {
        authorization: 'Bearer correct horse battery staple',
      });
      expect(spaced.status).toBe(401);
      expect(spaced.headers.get('www-authenticate')).toBe('Bearer realm="eai", error="invalid_token"');
      expect(spaced.body).toEqual({ error: 'the admin token is not valid' });
    });

    it('answers 403 to a viewer on an operator route and to an operator on an admin route', async () => {
      const viewer = await call('put', '/connectors/{name}/pause', {
        token: tokens.viewer,
        params: { name: 'sap' },
        body: { reason: 'maintenance' },
      });
      expect(viewer.status).toBe(403);
      expect(viewer.body.error).toBe('role viewer may not do this: it needs operator');
      const operator = await call('delete', '/connectors/{name}', {
        token: tokens.operator,
        params: { name: 'sap' },
      });
      expect(operator.status).toBe(403);
    });

    it('gives a refusal\'s quoted values as the caller\'s role may read them: plain to an operator, "…" to a viewer', async () => {
      const params = { name: 'Jane Roe' };
      const viewer = await call('get', '/customers/{name}', { token: tokens.viewer, params });
      expect(viewer).toMatchObject({ status: 409, body: { error: 'customer "…" is merged' } });
      const operator = await call('get', '/customers/{name}', { token: tokens.operator, params });
      // Without the invisible marks around the value.
      expect(operator).toMatchObject({ status: 409, body: { error: 'customer "Jane Roe" is merged' } });
    });

    it('lets a role at or above the route through', async () => {
      const viewer = await call('get', '/api/whoami', { token: tokens.viewer });
      expect(viewer).toMatchObject({ status: 200, body: { name: 'dashboard', role: 'viewer' } });
      for (const token of [tokens.operator, tokens.admin]) {
        const paused = await call('put', '/connectors/{name}/pause', {
          token,
          params: { name: 'sap' },
          body: { reason: 'maintenance', config: { topics: ['canonical.customer'] } },
        });
        expect(paused).toMatchObject({ status: 200, body: { name: 'sap', paused: true } });
      }
      const deleted = await call('delete', '/connectors/{name}', {
        token: tokens.admin,
        params: { name: 'sap' },
      });
      expect(deleted.status).toBe(204);
      expect(deleted.headers.get('x-deleted')).toBe('yes');
      expect(deleted.body).toBeUndefined();
    });
  });

  describe('validation', () => {
    it('names a bad body field', async () => {
      const answer = await call('put', '/connectors/{name}/pause', {
        token: tokens.operator,
        params: { name: 'sap' },
        body: { reason: 'maintenance', config: { topics: ['canonical.customer', ''] } },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/^invalid request: body\.config\.topics\[1\]: /);
      expect(answer.body.details).toEqual([
        { in: 'body', path: 'config.topics[1]', message: expect.stringMatching(/>=1 characters/) },
      ]);
    });

    it('refuses a NUL character in a path parameter or a body string (PostgreSQL text takes none: a 500 before)', async () => {
      const params = await call('put', '/connectors/{name}/pause', {
        token: tokens.operator,
        params: { name: 'sap\u0000x' },
        body: { reason: 'maintenance' },
      });
      expect(params.status).toBe(400);
      expect(params.body.details).toEqual([
        { in: 'params', path: 'name', message: 'must not hold a NUL character (\\u0000)' },
      ]);
      const body = await call('put', '/connectors/{name}/pause', {
        token: tokens.operator,
        params: { name: 'sap' },
        body: { reason: 'main\u0000tenance' },
      });
      expect(body.status).toBe(400);
      expect(body.body.details).toEqual([
        { in: 'body', path: 'reason', message: 'must not hold a NUL character (\\u0000)' },
      ]);
    });

    it('names an unknown key of a strict object as the field itself, not as the object that holds it', () => {
      const parsed = z.strictObject({ filter: z.strictObject({ owner: z.string() }) }).safeParse({
        filter: { owner: 'x', ownr: 'y' },
        dryrun: true,
      });
      expect(parsed.success).toBe(false);
      expect(detailsOf(parsed.error!, 'body')).toEqual([
        { in: 'body', path: 'filter.ownr', message: 'unknown key' },
        { in: 'body', path: 'dryrun', message: 'unknown key' },
      ]);
    });

    it('says a required field left out is missing, as the connector checks say it, not as zod does (received undefined)', () => {
      // GET /customers without ?q= answered `query.q: Invalid input: expected string, received undefined`.
      const parsed = z.object({ q: z.string().min(2), limit: z.number().optional() }).safeParse({});
      expect(parsed.success).toBe(false);
      expect(detailsOf(parsed.error!, 'query')).toEqual([
        { in: 'query', path: 'q', message: 'missing: a string is required' },
      ]);
    });

    it('names a bad query field and a bad path parameter, and coerces a good query', async () => {
      const query = await call('get', '/connectors', { token: tokens.viewer, query: 'limit=1000' });
      expect(query.status).toBe(400);
      expect(query.body.details).toEqual([
        { in: 'query', path: 'limit', message: expect.stringMatching(/100/) },
      ]);
      const params = await call('put', '/connectors/{name}/pause', {
        token: tokens.operator,
        params: { name: 'SAP!' },
        body: { reason: 'maintenance' },
      });
      expect(params.status).toBe(400);
      expect(params.body.details).toEqual([
        { in: 'params', path: 'name', message: 'must be a connector name' },
      ]);
      const zero = await call('get', '/connectors', { token: tokens.viewer, query: 'limit=0' });
      expect(zero.status).toBe(400);
      const good = await call('get', '/connectors', { token: tokens.viewer, query: 'limit=1' });
      expect(good).toMatchObject({ status: 200, body: { items: [{ name: 'sap' }] } });
      const none = await call('get', '/connectors', { token: tokens.viewer });
      expect(none.status).toBe(200);
    });

    it('answers malformed JSON with 400, another content type with 415, a body over 1 MB with 413', async () => {
      const base = { token: tokens.operator, params: { name: 'sap' } };
      const malformed = await call('put', '/connectors/{name}/pause', { ...base, rawBody: '{"reason": tok' });
      const notObject =
        'the body is not a JSON object or list (malformed JSON, or a bare value such as null)';
      expect(malformed).toMatchObject({ status: 400, body: { error: notObject } });
      const bare = await call('put', '/connectors/{name}/pause', { ...base, rawBody: 'null' });
      expect(bare).toMatchObject({ status: 400, body: { error: notObject } });
      const text = await call('put', '/connectors/{name}/pause', {
        ...base,
        rawBody: 'x',
        contentType: 'text/plain',
      });
      expect(text.status).toBe(415);
      const huge = await call('put', '/connectors/{name}/pause', {
        ...base,
        body: { reason: 'x'.repeat(1_100_000) },
      });
      expect(huge.status).toBe(413);
      const missing = await call('put', '/connectors/{name}/pause', base);
      expect(missing.status).toBe(400);
      expect(missing.body.details).toEqual([
        { in: 'body', path: '', message: expect.stringMatching(/object/) },
      ]);
    });
  });

  describe('errors', () => {
    it('answers a handler HttpError with its status, and any other failure with a generic 500', async () => {
      const missing = await call('put', '/connectors/{name}/pause', {
        token: tokens.operator,
        params: { name: 'missing' },
        body: { reason: 'maintenance' },
      });
      expect(missing).toMatchObject({ status: 404, body: { error: 'no connector missing' } });
      const broken = await call('post', '/broken', { token: tokens.viewer });
      expect(broken).toMatchObject({
        status: 500,
        body: { error: 'internal error: the hub logged the cause' },
      });
      expect(
        logLines.some(
          (line) => line.includes('admin route failed') && line.includes('refused the connection'),
        ),
      ).toBe(true);
    });

    it('answers an unknown route with a JSON 404 and keeps health, metrics and the document open', async () => {
      const unknown = await fetch(`${server.url}/connectors/sap/explode`, {
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      expect(unknown.status).toBe(404);
      // A path of Kafka Connect's API answers with Connect's error keys too, as its routes do.
      expect(await unknown.json()).toEqual({
        error: 'no route GET /connectors/sap/explode',
        error_code: 404,
        message: 'no route GET /connectors/sap/explode',
      });
      expect(await (await fetch(`${server.url}/nothing`)).json()).toEqual({ error: 'no route GET /nothing' });
      // A declared path with a method it does not take: 405 with the methods it takes, as Kafka Connect answers.
      const wrongMethod = await fetch(`${server.url}/connectors`, { method: 'DELETE' });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
      expect(((await wrongMethod.json()) as { error: string }).error).toBe(
        'DELETE is not a method of /connectors; it takes GET, HEAD',
      );
      const onParam = await fetch(`${server.url}/connectors/sap/pause/`, { method: 'POST' });
      expect([onParam.status, onParam.headers.get('allow')]).toEqual([405, 'PUT']);
      expect((await fetch(`${server.url}/connectors/sap/explode`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
      // The open routes too: a probe or scraper sent with the wrong method learns which it takes.
      for (const path of ['/health/live', '/health/ready', '/metrics', '/openapi.json']) {
        const wrong = await fetch(`${server.url}${path}`, { method: 'POST' });
        expect([path, wrong.status, wrong.headers.get('allow')]).toEqual([path, 405, 'GET, HEAD']);
      }
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(
        /eai_admin_api_request_duration_seconds_count\{method="get",route="\/api\/whoami",status="401"\} [1-9]/,
      );
    });
  });

  it('never writes a token to the log, not even a rejected one', () => {
    const log = logLines.join('');
    // The log says who did what, so the check below looks at real request lines.
    expect(log).toMatch(/"route":"\/connectors\/\{name\}\/pause","status":200,"principal":"oncall"/);
    expect(log).toMatch(/"reason":"unknown token"/);
    expect(log).toMatch(/"reason":"role too small"/);
    // A refused request of a known token says whose it was, as an allowed one does (an audit of who tried what).
    expect(log).toMatch(/"status":403,"principal":"[^"]+","reason":"role too small"/);
    for (const token of [...Object.values(tokens), wrongToken]) expect(log).not.toContain(token);
  });
});

describe('a hub started without admin tokens', () => {
  it('answers every admin route 401 saying it has no tokens and how to give it one, with a token or without', async () => {
    const api = createAdminApi({ tokens: [], logger: pino({ level: 'silent' }) });
    registerWhoamiRoute(api);
    const server = await startOpsServer({ checks: {}, api });
    try {
      for (const headers of [{}, { authorization: `Bearer ${newToken()}` }]) {
        const answer = await fetch(`${server.url}/api/whoami`, { headers });
        expect(answer.status).toBe(401);
        expect(((await answer.json()) as { error: string }).error).toBe(
          'this hub has no admin tokens: start it with EAI_ADMIN_TOKEN set (24 characters or more; npx eai admin-token makes one) and send that token',
        );
      }
    } finally {
      await server.close();
    }
  });
});
