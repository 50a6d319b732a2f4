import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closedPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';
import { callHub, HubError, hubOnThisMachine, hubToken } from './hub-client.ts';

/** A server that is not the hub: a web page at one path, a simulator's JSON error (an object) at another. */
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.startsWith('/workflows/order-to-delivery')) {
      // The hub's own refusal of a signal: the instance has finished.
      response.writeHead(409, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: 'workflow order-to-delivery:sap:1 has finished (COMPLETED): no signal is read',
        }),
      );
    } else if (request.url === '/empty') {
      // A proxy's or load balancer's error in front of the hub: a status and no body.
      response.writeHead(503).end();
    } else if (request.url === '/workflows') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html></html>');
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { code: '/IWBEP/CM_MGW_RT/020', message: { value: 'Resource not found' } },
        }),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('callHub against something that is not the hub (a wrong --url or EAI_URL)', () => {
  it('a page that is not JSON: says the URL is not the admin API, not a JSON parse error', async () => {
    const call = callHub({ url, token: 't' }, 'GET', '/workflows');
    await expect(call).rejects.toThrow(
      `GET /workflows: 200 from ${url}, which is not the hub's admin API (it answered text/html, not JSON): set --url or EAI_URL to the hub's ops port`,
    );
  });

  it('an error answer with no body (a proxy in front): the status and the URL, not a TypeError', async () => {
    const refused = (await callHub({ url, token: 't' }, 'GET', '/empty').catch(
      (e: unknown) => e,
    )) as HubError;
    expect([refused.name, refused.status]).toEqual(['HubError', 503]);
    expect(refused.message).toBe(
      `GET /empty: 503 Service Unavailable from ${url}, which does not answer as the hub's admin API: set --url or EAI_URL to the hub's ops port`,
    );
  });

  it('its errors are HubErrors with the status, a retry said to help only for 429, 5xx and no answer', async () => {
    const refused = (await callHub({ url, token: 't' }, 'GET', '/connectors').catch(
      (e: unknown) => e,
    )) as HubError;
    expect(refused).toBeInstanceOf(HubError);
    expect([refused.name, refused.status, refused.retriable]).toEqual(['HubError', 404, false]);
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = (await callHub({ url: closed, token: 't' }, 'GET', '/connectors').catch(
      (e: unknown) => e,
    )) as HubError;
    expect([unreachable.name, unreachable.status, unreachable.retriable]).toEqual([
      'HubError',
      undefined,
      true,
    ]);
    vi.stubEnv('EAI_TOKEN', '');
    vi.stubEnv('EAI_ADMIN_TOKEN', '');
    try {
      const tokenless = (await callHub({ url }, 'GET', '/connectors').catch((e: unknown) => e)) as Error;
      expect([tokenless.name, tokenless.message]).toEqual([
        'ConfigError',
        'no admin token: set EAI_TOKEN (or pass --token-file, or --token) to one the hub accepts (eai demo prints its own; for eai up, npx eai admin-token makes one to start it with)',
      ]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("another server's JSON error: says so, never [object Object]", async () => {
    const call = callHub({ url, token: 't' }, 'GET', '/connectors');
    await expect(call).rejects.toThrow(
      `GET /connectors: 404 Not Found from ${url}, which does not answer as the hub's admin API: set --url or EAI_URL to the hub's ops port`,
    );
  });
});

describe('callHub against a hub that takes the connection and does not answer (waiting on a broker that is down)', () => {
  it('says the hub is up but waits on something, and where to look, not "is it up?"', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    // The CLI's 30 s deadline, cut short: fetch is aborted with the TimeoutError AbortSignal.timeout gives.
    const timeout = vi.spyOn(AbortSignal, 'timeout').mockImplementation(() => {
      const controller = new AbortController();
      setTimeout(
        () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        50,
      );
      return controller.signal;
    });
    try {
      const error = (await callHub({ url: base, token: 't' }, 'GET', '/sync/health').catch(
        (e: unknown) => e,
      )) as HubError;
      expect([error.name, error.status, error.retriable]).toEqual(['HubError', undefined, true]);
      expect(error.message).toBe(
        `the hub at ${base} did not answer GET /sync/health within 30 s: it is up but waits on something (Kafka, the registry, PostgreSQL); ${base}/health/ready and npx eai stack status say which`,
      );
    } finally {
      timeout.mockRestore();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('eai --json when the hub refuses', () => {
  it("the error line carries the hub's HTTP status and whether a retry can help, for scripts", async () => {
    const finished = await runEai([
      'workflows',
      'signal',
      'order-to-delivery:sap:1',
      'approve-credit',
      '--json',
      '--url',
      url,
      '--token',
      't',
    ]);
    expect(finished.code).toBe(1);
    expect(JSON.parse(finished.stderr)).toEqual({
      errors: [
        {
          error: 'HubError',
          message:
            'POST /workflows/order-to-delivery%3Asap%3A1/signals/approve-credit: 409 workflow order-to-delivery:sap:1 has finished (COMPLETED): no signal is read',
          status: 409,
          retriable: false,
        },
      ],
    });
    // No hub there at all: no status, and asking again may help.
    const away = await runEai([
      'workflows',
      'ls',
      '--json',
      '--url',
      `http://127.0.0.1:${await closedPort()}`,
      '--token',
      't',
    ]);
    expect(JSON.parse(away.stderr).errors[0]).toMatchObject({
      error: 'HubError',
      status: null,
      retriable: true,
    });
  });
});

describe('the hub URL itself (--url, EAI_URL)', () => {
  it('refuses user:password@ in one line naming where it came from, without echoing the password', async () => {
    const refused = await callHub(
      { url: 'http://ops:S3cret-pw@127.0.0.1:1', token: 't' },
      'GET',
      '/connectors',
    ).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/^--url: must not hold a user or password \(user:password@\)/);
    expect((refused as Error).message).not.toContain('S3cret-pw');
  });

  it('says a value that is no http(s) URL is one, naming EAI_URL, not "Invalid URL" or "is it up?"', async () => {
    vi.stubEnv('EAI_URL', 'hub.example.com:8080');
    try {
      for (const call of [
        () => callHub({ token: 't' }, 'GET', '/connectors'),
        async () => hubOnThisMachine({}),
      ])
        await expect(call()).rejects.toThrow(
          /^EAI_URL: is not an http\(s\) URL of the hub, e\.g\. http:\/\/127\.0\.0\.1:8080/,
        );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the admin token: kept out of the process list, and a warning when it would cross the network in clear', () => {
  it('reads --token-file (a mounted secret) without its newline; with --token too, or empty, says what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-token-'));
    try {
      writeFileSync(join(dir, 'token'), 'tok-from-file-123456789012345\n');
      writeFileSync(join(dir, 'empty'), '\n');
      expect(hubToken({ tokenFile: join(dir, 'token') })).toBe('tok-from-file-123456789012345');
      expect(() => hubToken({ tokenFile: join(dir, 'token'), token: 'x' })).toThrow(
        '--token-file: given together with --token: keep one of them',
      );
      expect(() => hubToken({ tokenFile: join(dir, 'empty') })).toThrow(/--token-file: .*empty is empty/);
      expect(() => hubToken({ tokenFile: join(dir, 'missing') })).toThrow(
        /--token-file: cannot read .*missing: no such file \(ENOENT\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('EAI_TOKEN is read when no flag names a token', () => {
    vi.stubEnv('EAI_TOKEN', 'tok-from-env');
    try {
      expect(hubToken({})).toBe('tok-from-env');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('warns once on stderr, not stdout, when the token goes over plain http to a host that is not this machine', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write');
    try {
      await callHub({ url, token: 't' }, 'GET', '/connectors').catch(() => undefined);
      expect(stderr).not.toHaveBeenCalled();
      const away = `http://0.0.0.0:${await closedPort()}`;
      await callHub({ url: away, token: 't' }, 'GET', '/connectors').catch(() => undefined);
      await callHub({ url: away, token: 't' }, 'GET', '/connectors').catch(() => undefined);
      expect(stderr.mock.calls.map(([line]) => String(line))).toEqual([
        `warning: the admin token goes to ${away} over plain http, readable on the way: use https (TLS in front of the hub)\n`,
      ]);
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });
});
