// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRefusedError } from '../transports/http-errors.ts';
import { configScrubber, scrubbingTask, secretValues } from './secret-scrub.ts';

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
    expect((error as HttpRefusedError).message).toBe(
      'c: POST / refused with HTTP 400: {"got":"[redacted]","form":"client_secret=[redacted]","raw":"[redacted]"}',
    );
    expect((error as HttpRefusedError).responseBody).not.toContain('word');
    expect((error as Error).stack).not.toContain('p@ss');
  });
});
