import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSecretScrubber } from '../hub-secrets.ts';
import { startOpsServer } from '../server.ts';
import { errorHandler } from './fallbacks.ts';
import { createAdminApi, hashToken, newToken } from './index.ts';

const token = newToken();
const secret = 'sasl-password-4711-very-secret';
const logLines: string[] = [];

/** A failure whose object holds what no log may: a config with its secret, a customer record. */
function failure(): Error {
  return Object.assign(new Error(`broker refused user svc with password ${secret}`), {
    code: 'SASL_AUTHENTICATION_FAILED',
    config: { sasl: { mechanism: 'plain', username: 'svc', pass: secret } },
    record: { name: 'Jane Roe', mail: 'jane.roe@example.com' },
  });
}

describe("a 500's log line: the error's class, code and scrubbed message, never the whole object", () => {
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  let plain: ReturnType<ReturnType<typeof express>['listen']>;
  let plainUrl: string;
  beforeAll(async () => {
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    const scrub = hubSecretScrubber({ EAI_KAFKA_SASL_PASSWORD: secret });
    const api = createAdminApi({
      logger,
      scrub,
      tokens: [{ name: 'oncall', role: 'admin', sha256: hashToken(token) }],
    });
    api.route(
      { method: 'get', path: '/boom', summary: 'Fails', tag: 'test', role: 'viewer', responses: {} },
      async () => {
        throw failure();
      },
    );
    server = await startOpsServer({ checks: {}, api, logger, scrub });
    // A failure no route handled (a middleware's): the ops app's last handler.
    const app = express();
    app.get('/middleware-boom', () => {
      throw failure();
    });
    app.use(errorHandler(logger, scrub));
    plain = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => plain.once('listening', resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server?.close();
    plain?.close();
  });

  it.each([
    ['an admin route', () => `${server.url}/boom`, 'admin route failed'],
    ['a failure no route handled', () => `${plainUrl}/middleware-boom`, 'ops request failed'],
  ])('%s', async (_what, url, msg) => {
    logLines.length = 0;
    const answer = await fetch(url(), { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(500);
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === msg);
    expect(line.error).toEqual({
      class: 'Error',
      code: 'SASL_AUTHENTICATION_FAILED',
      message: 'broker refused user svc with password [redacted]',
    });
    const all = logLines.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain('Jane Roe');
  });
});
