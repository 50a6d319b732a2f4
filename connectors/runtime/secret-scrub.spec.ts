// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { withoutValueMarks } from '../../lib/errors.ts';
import { HttpRefusedError } from '../transports/http-errors.ts';
import {
  configScrubber,
  scrubbingHandler,
  scrubbingLogger,
  scrubbingTask,
  secretValues,
} from './secret-scrub.ts';

describe('secrets kept out of what a task says', () => {
  afterEach(() => {
    delete process.env.EAI_SCRUB_TEST_TOKEN;
  });

  it('takes the secret fields, whole and each reference in them, and nothing else', () => {
    process.env.EAI_SCRUB_TEST_TOKEN = 's3cr3t-t0ken';
    const config = {
      baseUrl: 'https://wms.example.com',
      dir: '${env:EAI_SCRUB_TEST_TOKEN}', // not a secret field: a folder named by a variable stays readable
      authHeader: { name: 'Authorization', value: 'Bearer ${env:EAI_SCRUB_TEST_TOKEN}' },
      password: 'written out',
      token: 'abc', // too short to scrub without blanking words
    };
    expect(secretValues(config, '/')).toEqual(['Bearer s3cr3t-t0ken', 's3cr3t-t0ken', 'written out']);
  });

  it("keeps an error whose message is a prototype's getter (fetch's TimeoutError), scrubbing it where it quotes a secret", async () => {
    process.env.EAI_SCRUB_TEST_TOKEN = 's3cr3t-t0ken';
    const scrub = configScrubber({ token: '${env:EAI_SCRUB_TEST_TOKEN}' }, '/');
    const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const quoting = new DOMException('refused s3cr3t-t0ken', 'AbortError');
    const task = scrubbingTask(
      {
        put: async (which: number) => {
          throw which === 0 ? timedOut : quoting;
        },
      },
      scrub,
    );
    // Before, assigning the message threw "Cannot set property message of … which has only a getter" instead.
    const first = await task.put(0).catch((e: unknown) => e);
    expect(first).toBe(timedOut);
    expect((first as DOMException).name).toBe('TimeoutError');
    expect((first as DOMException).message).toBe('The operation was aborted due to timeout');
    const second = await task.put(1).catch((e: unknown) => e);
    expect((second as DOMException).message).toBe('refused [redacted]');
  });

  it('scrubs a quoted secret as written, JSON-escaped and form-encoded, keeping the error class', async () => {
    process.env.EAI_SCRUB_TEST_TOKEN = 'p@ss "word"';
    const scrub = configScrubber({ clientSecret: '${env:EAI_SCRUB_TEST_TOKEN}' }, '/');
    const echo = `{"got":${JSON.stringify('p@ss "word"')},"form":"client_secret=p%40ss+%22word%22","raw":"p@ss "word""}`;
    const task = scrubbingTask(
      {
        put: async () => {
          throw new HttpRefusedError({ connector: 'c', method: 'POST', path: '/' }, 400, echo);
        },
      },
      scrub,
    );
    const error = await task.put().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRefusedError);
    expect(withoutValueMarks((error as HttpRefusedError).message)).toBe(
      'c: POST / refused with HTTP 400: {"got":"[redacted]","form":"client_secret=[redacted]","raw":"[redacted]"}',
    );
    expect((error as HttpRefusedError).responseBody).not.toContain('word');
    expect((error as Error).stack).not.toContain('p@ss');
  });

  it("scrubs a webhook handler's errors and the plugin's own log lines: message, fields, errors, a child's bindings", async () => {
    process.env.EAI_SCRUB_TEST_TOKEN = 'pat-eu1-0123456789';
    const scrub = configScrubber({ accessToken: '${env:EAI_SCRUB_TEST_TOKEN}' }, '/');
    const handler = scrubbingHandler(
      async (_request: { headers: Record<string, string | undefined> }): Promise<{ status: number }> => {
        throw new HttpRefusedError(
          { connector: 'hs', method: 'GET', path: '/crm' },
          401,
          'token pat-eu1-0123456789 is expired',
        );
      },
      scrub,
    );
    const error = await handler({ headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRefusedError);
    expect(withoutValueMarks((error as Error).message)).toBe(
      'hs: GET /crm refused with HTTP 401: token [redacted] is expired',
    );

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = scrubbingLogger(pino(sink), scrub);
    log.warn('retrying with pat-eu1-0123456789');
    log.error(
      { err: new Error('refused pat-eu1-0123456789'), request: { headers: ['Bearer pat-eu1-0123456789'] } },
      'call failed',
    );
    log.child({ url: 'https://api.example.com/?hapikey=pat-eu1-0123456789' }).info('polled');
    expect(lines).toHaveLength(3);
    expect(lines.join('')).not.toContain('0123456789');
    expect(JSON.parse(lines[0]!).msg).toBe('retrying with [redacted]');
    expect(JSON.parse(lines[1]!)).toMatchObject({
      msg: 'call failed',
      err: { message: 'refused [redacted]' },
      request: { headers: ['Bearer [redacted]'] },
    });
    expect(JSON.parse(lines[2]!).url).toBe('https://api.example.com/?hapikey=[redacted]');
    // Levels and the rest of the logger are the plugin's as before.
    expect(log.isLevelEnabled('info')).toBe(true);
  });
});

describe("a webhook source's answer: never a secret of its config or the request's own credentials", () => {
  it('scrubs every string of a 2xx or 4xx answer of the config secrets and the signature and authorization sent', async () => {
    process.env.EAI_SCRUB_TEST_SECRET = 'whsec-0123456789abcdef';
    const scrub = configScrubber({ signature: { secret: '${env:EAI_SCRUB_TEST_SECRET}' } }, '/');
    const signature = 'sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
    const echo = scrubbingHandler(
      async (request: { headers: Record<string, string | undefined> }) => ({
        status: 401,
        body: {
          error: `expected whsec-0123456789abcdef to sign it, got ${request.headers['x-hub-signature-256']}`,
          seen: [request.headers.authorization, 3],
        },
      }),
      scrub,
    );
    const answer = await echo({
      headers: { 'x-hub-signature-256': signature, authorization: 'Bearer tok-abcdefghijklmnopqrstuvwxyz' },
    });
    expect(answer).toEqual({
      status: 401,
      body: { error: 'expected [redacted] to sign it, got [redacted]', seen: ['[redacted]', 3] },
    });
    expect(JSON.stringify(answer)).not.toContain('9f86d081884c7d659a2f');
  });
});
