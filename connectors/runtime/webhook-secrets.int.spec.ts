// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testBus, unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { builtinPlugins, type ConnectorPlugin, ConnectorRuntime } from '../index.ts';

/**
 * A webhook source's handler errors and the plugin's own log lines are scrubbed of its config's secrets, as its task's
 * errors are: a handler that calls its system with the token and fails on an answer quoting it, or a plugin that logs
 * what it sent, would otherwise put the token in the hub's log.
 */
const TOKEN = 'hook-t0ken-5f2a9c81d4';

const hookPlugin: ConnectorPlugin<{ token: string }> = {
  type: 'test-secret-hook',
  kind: 'source',
  description: 'a webhook source that quotes its token (test)',
  config: z.object({ token: z.string() }),
  createSource(config, context) {
    context.logger.warn(
      { sent: { authorization: `Bearer ${config.token}` } },
      `connecting with ${config.token}`,
    );
    context.serveWebhook(async () => {
      throw new Error(`system refused: token ${config.token} expired`);
    });
    return {
      start: async () => undefined,
      poll: () => new Promise((done) => setTimeout(() => done([]), 100)),
      commit: async () => undefined,
      stop: async () => undefined,
    };
  },
};

describe("a webhook source's errors and log lines", () => {
  const bus = testBus('/eai/tests/webhook-secrets');
  const lines: string[] = [];
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    process.env.EAI_TEST_HOOK_TOKEN = TOKEN;
    await bus.provisionTopics();
    runtime = new ConnectorRuntime({
      bus,
      plugins: [...builtinPlugins, hookPlugin as ConnectorPlugin],
      logger: pino(
        { level: 'info' },
        new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      ),
      group: unique('connect-webhook-secrets'),
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
    delete process.env.EAI_TEST_HOOK_TOKEN;
  });

  it('keep the token out: the handler error says [redacted], the plugin logs [redacted]', async () => {
    const name = unique('hook-secret');
    await runtime.put(
      {
        name,
        type: 'test-secret-hook',
        format: 'sap-idoc-orders05',
        mapping: 'sap/idoc-orders05.to-canonical.yaml',
        config: { token: '${env:EAI_TEST_HOOK_TOKEN}' },
      },
      'test',
    );
    await waitFor('the source running', async () => (await runtime.status(name))?.state === 'RUNNING');
    const failed = await runtime
      .webhook(name, {
        method: 'POST',
        path: '/',
        url: `http://127.0.0.1/webhooks/${name}`,
        headers: {},
        rawBody: Buffer.from('{}'),
      })
      .catch((error: unknown) => error);
    expect((failed as Error).message).toBe('system refused: token [redacted] expired');
    expect((failed as Error).stack).not.toContain(TOKEN);
    const connecting = lines
      .map((l) => JSON.parse(l))
      .find((l) => l.connector === name && String(l.msg).startsWith('connecting'));
    expect(connecting).toMatchObject({
      msg: 'connecting with [redacted]',
      sent: { authorization: 'Bearer [redacted]' },
    });
    expect(lines.join('')).not.toContain(TOKEN);
  }, 60_000);
});
