import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../connectors/index.ts';
import { startOpsServer } from './server.ts';
import { WEBHOOK_BODY_LIMIT } from './webhook-http.ts';

describe('webhook endpoints over HTTP', () => {
  const seen: Array<{ connector: string; request: WebhookRequest }> = [];
  const logLines: string[] = [];
  let server: Awaited<ReturnType<typeof startOpsServer>>;

  beforeAll(async () => {
    server = await startOpsServer({
      checks: {},
      logger: pino(
        new Writable({
          write(chunk, _encoding, done) {
            logLines.push(String(chunk));
            done();
          },
        }),
      ),
      webhookBodyLimit: (connector) => (connector === 'small-1' ? 64 : undefined),
      webhooks: async (connector, request) => {
        seen.push({ connector, request });
        const declared = Number(request.headers['content-length']);
        if (connector === 'small-1' && (request.rawBody.length > 64 || declared > 64))
          return { status: 413, body: { error: 'body over 64 bytes' } };
        if (request.headers['x-fail-answer'])
          throw Object.assign(
            new Error(
              'hubspot-1: GET /crm/v3/objects/contacts/7 refused with HTTP 400: {"email":"jane.roe@example.com"}',
              {
                cause: new Error('upstream quoted jane.roe@example.com'),
              },
            ),
            { responseBody: '{"email":"jane.roe@example.com"}' },
          );
        if (request.headers['x-fail']) throw new Error('handler failed');
        return { status: 202, headers: { 'retry-after': '7' }, body: { accepted: request.rawBody.length } };
      },
    });
  });
  afterAll(() => server.close());

  const body = Buffer.from(JSON.stringify([{ eventId: 1, objectId: 2, propertyName: 'email' }]));

  /** The same POST with a Content-Length (node:http's path) or chunked (express's route). */
  function post(path: string, chunked: boolean, headers: Record<string, string> = {}) {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': 'abc', ...headers },
      ...(chunked
        ? {
            body: new ReadableStream({
              start(controller) {
                controller.enqueue(body.subarray(0, 10));
                controller.enqueue(body.subarray(10));
                controller.close();
              },
            }),
            duplex: 'half',
          }
        : { body }),
    } as RequestInit);
  }

  it('hands the sender bytes, path, URL and headers over alike, with a Content-Length or chunked; answers JSON with the source headers and no ETag', async () => {
    seen.length = 0;
    const plain = await post('/webhooks/hubspot-1/capture?x=1', false);
    const chunked = await post('/webhooks/hubspot-1/capture?x=1', true);
    for (const response of [plain, chunked]) {
      expect(response.status).toBe(202);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.headers.get('etag')).toBeNull();
      expect(await response.json()).toEqual({ accepted: body.length });
    }
    expect(seen).toHaveLength(2);
    const [a, b] = seen.map(({ connector, request }) => {
      const { 'content-length': _length, 'transfer-encoding': _chunked, ...headers } = request.headers;
      return { connector, ...request, headers };
    });
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      connector: 'hubspot-1',
      method: 'POST',
      path: '/capture',
      url: `${server.url}/webhooks/hubspot-1/capture?x=1`,
      headers: { 'x-signature': 'abc', 'content-type': 'application/json' },
    });
    expect(Buffer.compare(a!.rawBody, body)).toBe(0);
    expect(seen[0]!.request.headers['content-length']).toBe(String(body.length));
  });

  it("a connector's root path is '/', with or without a trailing slash", async () => {
    seen.length = 0;
    await post('/webhooks/hubspot-1', false);
    await post('/webhooks/hubspot-1/', false);
    await post('/webhooks/hubspot-1', true);
    expect(seen.map((s) => s.request.path)).toEqual(['/', '/', '/']);
  });

  it('answers a handler that throws with a logged 500 in the error shape, on either path', async () => {
    for (const chunked of [false, true]) {
      const response = await post('/webhooks/hubspot-1', chunked, { 'x-fail': '1' });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'internal error: the hub logged the cause' });
    }
    expect(logLines.filter((line) => line.includes('handler failed'))).toHaveLength(2);
  });

  it("logs a handler's error as the runtime does: its message without the answer it quotes, not the error object", async () => {
    logLines.length = 0;
    for (const chunked of [false, true]) {
      const response = await post('/webhooks/hubspot-1', chunked, { 'x-fail-answer': '1' });
      expect(response.status).toBe(500);
    }
    const failed = logLines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'ops request failed');
    expect(failed).toHaveLength(2);
    for (const line of failed) {
      expect(line).toMatchObject({
        level: 50,
        error: 'hubspot-1: GET /crm/v3/objects/contacts/7 refused with HTTP 400: (answer body left out)',
        method: 'POST',
        path: '/webhooks/hubspot-1/',
      });
      expect(line.err).toBeUndefined();
    }
    expect(logLines.join('')).not.toContain('jane.roe');
  });

  it("a body over the connector's own limit: the source answers from the declared length, the body unread", async () => {
    seen.length = 0;
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const response = await fetch(`${server.url}/webhooks/small-1`, { method: 'POST', body: big });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ error: 'body over 64 bytes' });
    expect(seen.map((s) => [s.request.rawBody.length, s.request.headers['content-length']])).toEqual([
      [0, String(big.length)],
    ]);
    // Chunked (no length declared): reading stops at the connector's limit.
    seen.length = 0;
    const chunked = await fetch(`${server.url}/webhooks/small-1`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(big.subarray(0, 100));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual({
      error: 'the body of POST /webhooks/small-1 is over its limit of 64 bytes',
    });
    expect(seen).toHaveLength(0);
    // Within the limit, and another connector's larger body, are read as before.
    expect((await post('/webhooks/small-1', false)).status).toBe(202);
    expect((await fetch(`${server.url}/webhooks/hubspot-1`, { method: 'POST', body: big })).status).toBe(202);
  });

  it('refuses a body over the limit with 413 without handing it over', async () => {
    seen.length = 0;
    const response = await fetch(`${server.url}/webhooks/hubspot-1`, {
      method: 'POST',
      body: Buffer.alloc(WEBHOOK_BODY_LIMIT + 1),
    });
    expect(response.status).toBe(413);
    // Said as the size, not as a `bad request` the sender would look for in its body's content.
    expect(await response.json()).toEqual({
      error: `the body of POST /webhooks/hubspot-1 is over its limit of ${WEBHOOK_BODY_LIMIT} bytes`,
    });
    expect(seen).toHaveLength(0);
  });
});
