// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written as plain strings
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../bus/index.ts';
import { exampleJson } from '../../schemas/examples.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { ConnectorRuntime } from '../index.ts';
import { startRuntime } from './test-support.ts';

const TOKEN = 'echoed-sink-token-7f3a9c1e';

/** A target that quotes the request's Authorization header in its error answers: 400 on /refuse, 503 on /down. */
async function startEchoingTarget() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const refuse = request.url!.startsWith('/refuse');
      response.writeHead(refuse ? 400 : 503, { 'content-type': 'application/json', 'retry-after': '0' });
      response.end(JSON.stringify({ error: 'not allowed', authorization: request.headers.authorization }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('a target that echoes the credential in its error answer', () => {
  let bus: Awaited<ReturnType<typeof startRuntime>>['bus'];
  let runtime: ConnectorRuntime;
  let target: Awaited<ReturnType<typeof startEchoingTarget>>;
  const variable = unique('EAI_TEST_ECHO_TOKEN').replace(/[^A-Za-z0-9]/g, '_');

  beforeAll(async () => {
    process.env[variable] = TOKEN;
    ({ bus, runtime } = await startRuntime('/eai/tests/secret-echo'));
    target = await startEchoingTarget();
  });
  afterAll(async () => {
    await runtime?.stop();
    await target?.close();
    delete process.env[variable];
  });

  async function sinkTo(path: string, on = runtime) {
    const topic = unique(`echo${path.replace('/', '-')}`);
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    await publisher.publish([{ schema: 'CustomerEvent', topic, value: exampleJson('CustomerEvent') }]);
    await publisher.close();
    const name = unique(`echo${path.replace('/', '-')}`);
    await on.put(
      {
        name,
        type: 'http-sink',
        topics: [topic],
        config: {
          baseUrl: target.url,
          path,
          authHeader: { name: 'Authorization', value: `Bearer \${env:${variable}}` },
          retry: { retries: 0, initialDelayMs: 10 },
        },
      },
      'test',
    );
    return { name, topic };
  }

  it('dead-letters a refusal and shows it in the status with the token [redacted]', async () => {
    const { name, topic } = await sinkTo('/refuse');
    await waitFor(
      'the refusal dead-lettered',
      async () => (await runtime.status(name))?.metrics.recordsFailed === 1,
    );
    const status = await runtime.status(name);
    expect(status?.metrics.lastError).toContain('refused with HTTP 400');
    expect(status?.metrics.lastError).toContain('"authorization":"[redacted]"');
    expect(status?.metrics.lastError).not.toContain(TOKEN);
    const letters = await listDeadLetters(bus.transport, {
      topic: 'dlq.sink',
      filter: { originalTopic: topic },
    });
    expect(letters.entries).toHaveLength(1);
    expect(letters.entries[0]!.message).toContain('"authorization":"[redacted]"');
    expect(JSON.stringify(letters.entries[0])).not.toContain(TOKEN);
  });

  it('shows a retried failure in the status with the token [redacted]', async () => {
    // Retried until applied, as a hub runs its sinks: the status says `retrying` with the last failure.
    const unbounded = await startRuntime('/eai/tests/secret-echo-retrying', {
      initialDelayMs: 100,
      maxDelayMs: 500,
    });
    try {
      const { name } = await sinkTo('/down', unbounded.runtime);
      await waitFor('the status saying the sink retries', async () =>
        Boolean((await unbounded.runtime.status(name))?.metrics.retrying?.error.includes('HTTP 503')),
      );
      const status = await unbounded.runtime.status(name);
      expect(status?.metrics.retrying?.error).toContain('"authorization":"[redacted]"');
      expect(JSON.stringify(status)).not.toContain(TOKEN);
    } finally {
      await unbounded.runtime.stop();
    }
  });
});
