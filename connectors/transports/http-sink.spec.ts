import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  errorMessage,
  errorSummary,
  logSafeMessage,
  NonRetriableError,
  RetriableError,
  withoutAnswerBody,
  withoutDocumentValues,
  withoutValueMarks,
} from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import { type SinkRecord, skipped } from '../sdk/index.ts';
import {
  CircuitOpenError,
  createHttpSink,
  HttpRefusedError,
  type HttpSinkConfigInput,
  HttpUnavailableError,
  httpSinkConfig,
  parseRetryAfter,
} from './http-sink.ts';
import { createTestContext, type ScriptedServer, startScriptedServer, testContext } from './test-support.ts';

interface Effects {
  count: number;
  effects: Array<{ seq: number; entityId: string; operation: string; idempotencyKey?: string }>;
}

let sf: SalesforceHarness;
beforeAll(async () => {
  sf = await startSalesforce();
});
afterAll(() => sf.sim.close());
afterEach(async () => {
  await sf.control('POST', '/sim/reset?empty=true');
});

let offset = 0;
function customer(key: string, name: string, extra: Record<string, unknown> = {}): SinkRecord {
  offset += 1;
  return {
    topic: 'canonical.customer',
    partition: 0,
    offset: String(offset),
    key,
    schema: 'eai.canonical.CustomerEvent',
    value: { key, name, ...extra },
    attributes: { id: `ce-${offset}` },
    idempotencyKey: `salesforce-sink:ce-${offset}`,
  };
}

/** An OAuth client-credentials authorize hook, as the Salesforce connector would supply it. */
function salesforceAuth(url: string) {
  let token: string | undefined;
  const calls: boolean[] = [];
  return {
    calls,
    authorize: async ({ renew }: { renew: boolean }) => {
      calls.push(renew);
      if (!token || renew) {
        const response = await fetch(`${url}/services/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: 'eai-hub',
            client_secret: 'secret',
          }),
        });
        token = ((await response.json()) as { access_token: string }).access_token;
      }
      return { authorization: `Bearer ${token}` };
    },
  };
}

function salesforceSink(config: Partial<HttpSinkConfigInput> = {}, target = sf.sim.url) {
  const auth = salesforceAuth(target);
  const context = testContext('salesforce-sink');
  const sink = createHttpSink(
    {
      config: httpSinkConfig.parse({
        baseUrl: target,
        timeoutMs: 300,
        retry: { retries: 6, initialDelayMs: 10, maxDelayMs: 50 },
        breaker: { consecutiveFailures: 20, halfOpenAfterMs: 300 },
        ...config,
      }),
      request: async (record) => {
        const value = record.value as { key: string; name: string; skip?: boolean; fields?: object };
        if (value.skip) return null;
        return {
          method: 'PATCH',
          path: `${API}/sobjects/Account/External_Id__c/${encodeURIComponent(value.key)}`,
          body: { Name: value.name, ...value.fields },
        };
      },
      authorize: auth.authorize,
      // Salesforce answers a spent API limit 403 REQUEST_LIMIT_EXCEEDED: "not now", as the connector tells the sink.
      retriableAnswer: (status, body) => status === 403 && body.includes('REQUEST_LIMIT_EXCEEDED'),
    },
    context,
  );
  return { sink, context, auth };
}

const faults = (...list: unknown[]) => sf.json('POST', '/sim/faults', { faults: list });
const effects = () => sf.control<Effects>('GET', '/sim/effects?entityType=Account');
const accountName = async (key: string) =>
  (await sf.json<{ Name: string }>('GET', `${API}/sobjects/Account/External_Id__c/${key}`)).body.Name;

describe('HTTP sink against the Salesforce simulator (sObject upsert by external id)', () => {
  it('applies every record exactly once, in order per key, through a spent API limit, 5xx, a lost answer and a dropped connection', async () => {
    const { sink, context } = salesforceSink();
    const told: unknown[] = [];
    context.attemptFailed = (error) => told.push(error);
    await faults(
      { kind: 'rate_limit', retryAfterSeconds: 1, times: 1, path: '/services/data/**' },
      { kind: 'error', status: 500, times: 2, path: '/services/data/**' },
      { kind: 'timeout', afterApply: true, times: 1, path: '/services/data/**' },
      { kind: 'drop', times: 1, path: '/services/data/**' },
    );
    const records = [
      customer('C-1', 'Acme v1'),
      customer('C-2', 'Globex v1'),
      customer('C-1', 'Acme v2'),
      customer('C-2', 'Globex v2'),
      customer('C-1', 'Acme v3'),
    ];
    for (const record of records) await sink.put(record);
    // The first put met the limit first (403 REQUEST_LIMIT_EXCEEDED, retried as the connector's retriableAnswer says).
    expect((told[0] as HttpUnavailableError).status).toBe(403);

    const { effects: applied } = await effects();
    expect(applied.map((effect) => effect.idempotencyKey)).toEqual(records.map((r) => r.idempotencyKey));
    expect(applied.map((effect) => effect.operation)).toEqual([
      'create',
      'create',
      'update',
      'update',
      'update',
    ]);
    expect(await accountName('C-1')).toBe('Acme v3');
    expect(await accountName('C-2')).toBe('Globex v2');
    expect((await sf.control<{ faults: unknown[] }>('GET', '/sim/faults')).faults).toEqual([]);
    expect(sink.breakerState()).toBe('closed');
  });

  it('tells the runtime of each failed attempt it retries itself (context.attemptFailed), not of the last nor of a refusal', async () => {
    const { sink, context } = salesforceSink({ retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 50 } });
    const told: unknown[] = [];
    context.attemptFailed = (error) => told.push(error);
    // Two 500s, then applied within the put: the runtime's status says `retrying` from the first, not never.
    await faults({ kind: 'error', status: 500, times: 2, path: '/services/data/**' });
    await sink.put(customer('C-7', 'after two 500s'));
    expect(told.map((e) => (e as HttpUnavailableError).status)).toEqual([500, 500]);
    // Three 503s: the put gives up after its third attempt, which the runtime counts itself as the put's failure.
    told.length = 0;
    await faults({ kind: 'error', status: 503, times: 3, path: '/services/data/**' });
    await expect(sink.put(customer('C-7', 'after three 503s'))).rejects.toBeInstanceOf(HttpUnavailableError);
    expect(told.map((e) => (e as HttpUnavailableError).status)).toEqual([503, 503]);
    // A refusal is no attempt to retry.
    told.length = 0;
    await expect(
      sink.put(customer('C-7', 'Bad', { fields: { NoSuchField__c: 'x' } })),
    ).rejects.toBeInstanceOf(HttpRefusedError);
    expect(told).toEqual([]);
  });

  it('dead-letters a refused record: HttpRefusedError with the status and the target’s body, sent once', async () => {
    const { sink } = salesforceSink({ maxErrorBodyBytes: 40 });
    const refused = customer('C-9', 'Bad', { fields: { NoSuchField__c: 'x' } });
    const error = await sink.put(refused).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRefusedError);
    expect(error).toBeInstanceOf(NonRetriableError);
    const { status, responseBody, message } = error as HttpRefusedError;
    expect(status).toBe(400);
    expect(responseBody).toMatch(/^\[\{"message":/);
    expect(responseBody).toMatch(/… \[\d+ more bytes\]$/);
    expect(message).toContain(`PATCH ${API}/sobjects/Account/External_Id__c/C-9 refused with HTTP 400`);
    expect((await effects()).count).toBe(0);
  });

  it('writes nothing for a record the connector maps to no request', async () => {
    const { sink } = salesforceSink();
    await sink.put(customer('C-3', 'ignored', { skip: true }));
    expect((await effects()).count).toBe(0);
  });

  it('opens the breaker after consecutive failures, fails fast while open, and closes once the target heals', async () => {
    const { sink } = salesforceSink({
      retry: { retries: 0 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 },
    });
    await faults({ kind: 'error', status: 503, path: '/services/data/**' });
    for (let i = 0; i < 3; i++) {
      await expect(sink.put(customer('C-4', `try ${i}`))).rejects.toBeInstanceOf(HttpUnavailableError);
    }
    expect(sink.breakerState()).toBe('open');
    const fast = await sink.put(customer('C-4', 'while open')).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(fast).toBeInstanceOf(RetriableError);
    expect((fast as CircuitOpenError).message).toMatch(
      /circuit breaker for http:\/\/127\.0\.0\.1:\d+ is open/,
    );
    // What opened it, as the status's `retrying` and sync health then show it (not only "repeated failures").
    expect((fast as CircuitOpenError).message).toMatch(
      / \(the last: \w+ \/services\/\S+ answered HTTP 503\);/,
    );
    expect((fast as CircuitOpenError).until.getTime()).toBeGreaterThan(Date.now());
    const listed = await sf.control<{ faults: Array<{ matched: number }> }>('GET', '/sim/faults');
    expect(listed.faults[0]?.matched).toBe(3); // nothing reached the target while open

    await sf.call('DELETE', '/sim/faults');
    await new Promise((resolve) => setTimeout(resolve, 350));
    await sink.put(customer('C-4', 'healed'));
    expect(sink.breakerState()).toBe('closed');
    expect(await accountName('C-4')).toBe('healed');
  });

  it('authorizes again once on 401 and sends the record with the fresh token', async () => {
    // Its own simulator: expiring the sessions would end the shared harness's too.
    const own = await startSalesforce();
    try {
      const { sink, auth } = salesforceSink({}, own.sim.url);
      await sink.put(customer('C-5', 'before expiry'));
      await own.call('POST', '/sim/expire-tokens');
      const after = customer('C-5', 'after expiry');
      await sink.put(after);
      // Authorized again once, forced, after the 401 (a slow answer retried under load may ask the cache once more).
      expect(auth.calls.slice(0, 3)).toEqual([false, false, true]);
      expect(auth.calls.filter((forced) => forced)).toEqual([true]);
      const { effects: applied } = await own.control<Effects>('GET', '/sim/effects');
      expect(applied.map((effect) => effect.idempotencyKey).at(-1)).toBe(after.idempotencyKey);
      expect(applied.map((effect) => effect.operation)).toEqual(['create', 'update']);
    } finally {
      await own.sim.close();
    }
  });
});

describe('HTTP sink against a scripted server', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const plainSink = (
    url: string,
    config: Partial<HttpSinkConfigInput> = {},
    alreadyApplied?: (refusal: HttpRefusedError) => string | undefined,
  ) => {
    const context = testContext('plain-sink');
    const sink = createHttpSink(
      {
        alreadyApplied,
        config: httpSinkConfig.parse({
          baseUrl: `${url}/api/`,
          timeoutMs: 500,
          retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 20 },
          idempotencyHeader: 'X-Request-Id',
          authHeader: { name: 'X-Api-Key', value: 'k-123' },
          ...config,
        }),
        request: async (record) => ({ method: 'POST', path: '/items', body: record.value }),
      },
      context,
    );
    return { sink, context };
  };

  it('sends the same idempotency key and auth header on every attempt and waits for a Retry-After date', async () => {
    server = await startScriptedServer((_req, res, index) => {
      if (index === 0) res.writeHead(500).end('boom');
      else if (index === 1)
        res.writeHead(503, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }).end('maintenance');
      else res.writeHead(201).end('{}');
    });
    const { sink } = plainSink(server.url);
    const record = customer('K-1', 'one');
    const started = Date.now();
    await sink.put(record);
    // An HTTP date has whole seconds: the wait is between 0.5 and 1.5 s, far above the 20 ms backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(server.requests).toHaveLength(3);
    for (const seen of server.requests) {
      expect(seen.url).toBe('/api/items');
      expect(seen.headers['x-request-id']).toBe(record.idempotencyKey);
      expect(seen.headers['x-api-key']).toBe('k-123');
      expect(JSON.parse(seen.body)).toEqual(record.value);
    }
  });

  it('a refusal a policy skips is counted as skipped and logged at debug only; one taken as already applied at info', async () => {
    server = await startScriptedServer((req, res) =>
      res
        .writeHead(req.url?.includes('dup') ? 409 : 400)
        .end(req.url?.includes('dup') ? 'exists' : 'no account'),
    );
    const { context, logs } = createTestContext('policy-sink');
    const sink = createHttpSink(
      {
        config: httpSinkConfig.parse({ baseUrl: `${server.url}/`, retry: { retries: 0 } }),
        request: async (record) => ({ method: 'PATCH', path: `/orders/${record.key}`, body: record.value }),
        refusedAsSkipped: (refusal) => (refusal.status === 400 ? 'no account: skipped' : undefined),
        alreadyApplied: (refusal) => (refusal.status === 409 ? 'already there: applied before' : undefined),
      },
      context,
    );
    // An order a week for a customer the CRM does not hold: one info line each was two thirds of the log (soak).
    expect(await sink.put(customer('K-9', 'nine'))).toEqual({ skipped: 'no account: skipped' });
    expect(await sink.put(customer('dup', 'again'))).toBeUndefined();
    expect(logs.map((l) => l.msg)).toEqual(['already there: applied before']);
  });

  it('a record the request builder has nothing for is skipped with its reason, or the mapping writing nothing; none is sent', async () => {
    let requests = 0;
    server = await startScriptedServer((_req, res) => {
      requests++;
      res.writeHead(200).end('{}');
    });
    const { context } = createTestContext('builder-skips');
    for (const requestPerAttempt of [false, true]) {
      const sink = createHttpSink(
        {
          config: httpSinkConfig.parse({ baseUrl: `${server.url}/`, retry: { retries: 0 } }),
          request: async (record) =>
            record.key === 'none'
              ? null
              : record.key === 'theirs'
                ? skipped('read from this target')
                : { method: 'PUT', path: `/customers/${record.key}`, body: record.value },
          requestPerAttempt,
        },
        context,
      );
      expect(await sink.put(customer('none', 'n'))).toEqual({ skipped: 'the mapping writes nothing for it' });
      expect(await sink.put(customer('theirs', 't'))).toEqual({ skipped: 'read from this target' });
      expect(requests).toBe(requestPerAttempt ? 1 : 0);
      expect(await sink.put(customer('mine', 'm'))).toBeUndefined();
      expect(requests).toBe(requestPerAttempt ? 2 : 1);
    }
  });

  it('quotes a target\'s text/plain answer as a document value: logs, sync health and a viewer read it as "…"', async () => {
    // A target that answers in plain text about the record it refused (no JSON or HTML body the cut would find).
    const said = 'invalid email jane.roe@example.com for Jane Roe';
    server = await startScriptedServer((req, res) =>
      res.writeHead(req.url?.includes('busy') ? 503 : 400, { 'content-type': 'text/plain' }).end(said),
    );
    const { sink } = plainSink(server.url, { retry: { retries: 0 } });
    const refused = (await sink.put(customer('K-7', 'seven')).catch((e: unknown) => e)) as HttpRefusedError;
    expect(refused).toBeInstanceOf(HttpRefusedError);
    expect(refused.responseBody).toBe(said);
    const busy = createHttpSink(
      {
        config: httpSinkConfig.parse({ baseUrl: `${server.url}/`, retry: { retries: 0 } }),
        request: async () => ({ method: 'POST', path: '/busy', body: {} }),
      },
      testContext('busy-sink'),
    );
    const unavailable = (await busy.put(customer('K-8', 'eight')).catch((e: unknown) => e)) as Error;
    expect(unavailable).toBeInstanceOf(HttpUnavailableError);
    const lines: string[] = [];
    const logger = createLogger('spec', 'info', { write: (line: string) => lines.push(line) });
    for (const error of [refused, unavailable]) {
      logger.error({ err: error, error: logSafeMessage(error) }, errorMessage(error));
      // What a viewer reads (the admin API's messageFor) and sync health's lastError.
      const viewer = withoutDocumentValues(withoutAnswerBody(error.message, 2000));
      for (const shown of [
        viewer,
        logSafeMessage(error),
        withoutDocumentValues(errorSummary(error.message)),
      ]) {
        expect(shown).toMatch(/HTTP (400|503): "…"$/);
        expect(shown).not.toMatch(/jane|Jane Roe/);
      }
      // An operator (and the dead letter) reads the answer whole.
      expect(withoutValueMarks(error.message)).toMatch(
        /(refused with|answered) HTTP (400|503): invalid email jane\.roe@example\.com for Jane Roe$/,
      );
    }
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/jane|Jane Roe/);
  });

  it('gives up within the put after its retries with a retriable error naming the status', async () => {
    server = await startScriptedServer((_req, res) => res.writeHead(502).end('bad gateway'));
    const { sink } = plainSink(server.url, { retry: { retries: 2, initialDelayMs: 5, maxDelayMs: 10 } });
    const error = await sink.put(customer('K-2', 'two')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpUnavailableError);
    expect((error as HttpUnavailableError).message).toBe(
      'plain-sink: POST /items answered HTTP 502: \u2068bad gateway\u2069',
    );
    expect((error as { attempts?: number }).attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
  });

  it('logs a long outage sparingly: retries in a row 1, 2, 4, 8… at warn across puts, counted again after a write that succeeded', async () => {
    let down = true;
    server = await startScriptedServer((_req, res) =>
      down ? res.writeHead(503).end() : res.writeHead(201).end('{}'),
    );
    const { context, logs } = createTestContext('plain-sink');
    const sink = createHttpSink(
      {
        config: httpSinkConfig.parse({
          baseUrl: `${server.url}/api/`,
          retry: { retries: 3, initialDelayMs: 1, maxDelayMs: 2 },
          breaker: { consecutiveFailures: 1000 },
        }),
        request: async (record) => ({ method: 'POST', path: '/items', body: record.value }),
      },
      context,
    );
    // As the runtime retries a record until it is applied: put after put while the target is down (15 retries).
    for (let i = 0; i < 5; i++)
      await expect(sink.put(customer('K-10', 'ten'))).rejects.toBeInstanceOf(HttpUnavailableError);
    const warned = () =>
      logs.filter((l) => l.msg === 'write failed, retrying' && l.level === 40).map((l) => l.failuresInRow);
    expect(warned()).toEqual([1, 2, 4, 8]);
    down = false;
    await sink.put(customer('K-10', 'ten'));
    down = true;
    await expect(sink.put(customer('K-11', 'eleven'))).rejects.toBeInstanceOf(HttpUnavailableError);
    expect(warned()).toEqual([1, 2, 4, 8, 1, 2]);
  });

  it('does not wait out a Retry-After longer than allowed: a retriable error carries the wait', async () => {
    server = await startScriptedServer((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const { sink } = plainSink(server.url);
    const error = await sink.put(customer('K-3', 'three')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpUnavailableError);
    expect((error as HttpUnavailableError).retryAfterMs).toBe(120_000);
    expect(server.requests).toHaveLength(1);
  });

  it('takes a refusal the connector knows as a repeat (409 with its code) as done, once, and dead-letters others', async () => {
    server = await startScriptedServer((req, res) =>
      res
        .writeHead(409)
        .end(JSON.parse(req.body).name === 'again' ? '{"code":"duplicate-item"}' : '{"code":"locked"}'),
    );
    const repeat = (refusal: HttpRefusedError) =>
      refusal.status === 409 && refusal.responseBody.includes('duplicate-item')
        ? 'item already written'
        : undefined;
    const { sink } = plainSink(server.url, {}, repeat);
    await sink.put(customer('K-7', 'again'));
    expect(server.requests).toHaveLength(1);
    const other = await sink.put(customer('K-8', 'locked')).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(HttpRefusedError);
    expect(server.requests).toHaveLength(2);
    const { sink: plain } = plainSink(server.url);
    await expect(plain.put(customer('K-9', 'again'))).rejects.toBeInstanceOf(HttpRefusedError);
  });

  it('sends a list of requests in order, each step with its own key; a retry resends only the step that failed, and a step taken as done lets the next follow', async () => {
    server = await startScriptedServer((req, res, index) => {
      if (req.url === '/api/purge' && index === 2) res.writeHead(503).end('busy');
      else if (req.url === '/api/gone') res.writeHead(404).end('{"code":"gone"}');
      else res.writeHead(204).end();
    });
    const context = testContext('steps-sink');
    const sink = createHttpSink(
      {
        alreadyApplied: (refusal, request) =>
          refusal.status === 404 && request.path === '/gone' ? 'already gone' : undefined,
        config: httpSinkConfig.parse({
          baseUrl: `${server.url}/api/`,
          retry: { retries: 3, initialDelayMs: 5, maxDelayMs: 10 },
          idempotencyHeader: 'X-Request-Id',
        }),
        request: async () => [
          { method: 'DELETE', path: '/delete' },
          { method: 'DELETE', path: '/gone' },
          { method: 'POST', path: '/purge' },
        ],
      },
      context,
    );
    const record = customer('K-S', 'steps');
    await sink.put(record);
    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.headers['x-request-id']}`)).toEqual([
      `DELETE /api/delete ${record.idempotencyKey}`,
      `DELETE /api/gone ${record.idempotencyKey}/1`,
      `POST /api/purge ${record.idempotencyKey}/2`,
      `POST /api/purge ${record.idempotencyKey}/2`,
    ]);
  });

  it('retries a 409 only when configured to', async () => {
    server = await startScriptedServer((_req, res, index) =>
      index < 2 ? res.writeHead(409).end('locked') : res.writeHead(200).end(),
    );
    const refused = await plainSink(server.url)
      .sink.put(customer('K-4', 'four'))
      .catch((e: unknown) => e);
    expect((refused as HttpRefusedError).status).toBe(409);
    await plainSink(server.url, { retryConflicts: true }).sink.put(customer('K-4', 'four'));
    expect(server.requests).toHaveLength(3);
  });

  it('treats a refused connection as retriable and ends a put at once when the task stops', async () => {
    server = await startScriptedServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const { sink } = plainSink(url, { retry: { retries: 1, initialDelayMs: 5, maxDelayMs: 5 } });
    const refused = await sink.put(customer('K-5', 'five')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpUnavailableError);
    expect((refused as Error).message).toMatch(/failed to connect to .*: ECONNREFUSED/);

    server = await startScriptedServer((_req, res) => res.writeHead(503, { 'retry-after': '20' }).end());
    const stopping = plainSink(server.url);
    const started = Date.now();
    const pending = stopping.sink.put(customer('K-6', 'six')).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stopping.sink.stop();
    const error = await pending;
    expect(error).toBeInstanceOf(RetriableError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('HTTP sink against a target that answers failures with 200 and keeps no idempotency keys (JSON-RPC)', () => {
  let server: ScriptedServer;
  afterEach(() => server?.close());
  const sinkFor = (
    url: string,
    request: (record: SinkRecord) => Promise<{ method: string; path: string; body: unknown } | null>,
    requestPerAttempt: boolean,
  ) =>
    createHttpSink(
      {
        config: httpSinkConfig.parse({
          baseUrl: url,
          timeoutMs: 300,
          idempotencyHeader: null,
          retry: { retries: 3, initialDelayMs: 5, maxDelayMs: 10 },
        }),
        request,
        requestPerAttempt,
        checkAnswer: (body) => {
          const answer = JSON.parse(body) as { error?: { message: string; retry?: boolean } };
          if (answer.error?.retry) throw new RetriableError(answer.error.message);
          if (answer.error) throw new NonRetriableError(`fault: ${answer.error.message}`);
        },
      },
      testContext('jsonrpc-sink'),
    );

  it('dead-letters a fault answered with 200, with its message, sent once; retries a retriable one', async () => {
    server = await startScriptedServer((req, res, index) => {
      const retry = JSON.parse(req.body).retry === true && index === 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          retry
            ? { error: { message: 'busy', retry: true } }
            : JSON.parse(req.body).fault
              ? { error: { message: 'ValidationError: name required' } }
              : { result: 1 },
        ),
      );
    });
    const refused = sinkFor(
      server.url,
      async () => ({ method: 'POST', path: '/jsonrpc', body: { fault: true } }),
      false,
    );
    await expect(refused.put(customer('K-1', 'one'))).rejects.toThrow(
      /fault: ValidationError: name required/,
    );
    expect(server.requests).toHaveLength(1);
    const retried = sinkFor(
      server.url,
      async () => ({ method: 'POST', path: '/jsonrpc', body: { retry: true } }),
      false,
    );
    await retried.put(customer('K-2', 'two'));
    expect(server.requests).toHaveLength(3);
  });

  it('builds the request again before every attempt: a retry after a lost answer finds the write made and sends nothing', async () => {
    let applied = false;
    server = await startScriptedServer((_req, res) => {
      applied = true; // the write is made, and then the answer is lost
      res.destroy();
    });
    const built: boolean[] = [];
    const sink = sinkFor(
      server.url,
      async () => {
        built.push(applied);
        return applied ? null : { method: 'POST', path: '/jsonrpc', body: { create: true } };
      },
      true,
    );
    await sink.put(customer('K-3', 'three'));
    expect(server.requests).toHaveLength(1);
    expect(built).toEqual([false, true]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
