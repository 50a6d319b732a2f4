import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaWatch } from '../bus/index.ts';
import { builtinPlugins, ConnectorRuntime } from '../connectors/index.ts';
import { assertConformsToOpenApi } from '../tests/openapi-conformance.ts';
import { listeningPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';
import { testBus, testStack, unique } from '../tests/stack.ts';
import { type TcpGate, tcpGate } from '../tests/tcp-gate.ts';
import { waitFor } from '../tests/wait-for.ts';
import { createAdminApi, hashToken, newToken } from './api/index.ts';
import { registerConnectorRoutes } from './routes/connectors.ts';
import { startOpsServer } from './server.ts';

/**
 * A source connector's status while Kafka does not answer: RUNNING still (as Kafka Connect keeps it), and at once
 * `waiting` says Kafka is unreachable and since when, instead of nothing until the transaction fails minutes later.
 * The runtime's watch reaches the broker through a gate (tests/tcp-gate.ts) that the test shuts: the broker the other
 * specs share keeps running, and the runtime's own clients with it, so this proves what the status says of the watch
 * (the hub's watch probes the hub's brokers themselves; stopping the real broker under a hub shows the same answer).
 */
const silent = pino({ level: 'silent' });
const token = newToken();
const bus = testBus('/eai/tests/status-kafka-down');
const name = unique('hook-kafka-down');
let gate: TcpGate;
let watch: KafkaWatch;
let runtime: ConnectorRuntime;
let server: Awaited<ReturnType<typeof startOpsServer>>;
let openapi: object;

beforeAll(async () => {
  const [host, port] = testStack().brokers.split(',')[0]!.split(':');
  gate = await tcpGate({ host: host!, port: Number(port) });
  // Each probe through the gate (a kept connection goes to the address the broker advertises, past the gate).
  watch = new KafkaWatch(gate.address, { everyMs: 500, keepConnection: false });
  watch.start();
  runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger: silent,
    group: unique('connect-kafka-down'),
    kafka: watch,
  });
  await runtime.start();
  await runtime.put(
    {
      name,
      type: 'webhook-source',
      format: 'sap-idoc-orders05',
      mapping: 'sap/idoc-orders05.to-canonical.yaml',
      config: { signature: { scheme: 'none' } },
    },
    'test',
  );
  const api = createAdminApi({
    logger: silent,
    tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(token) }],
  });
  registerConnectorRoutes(api, runtime);
  server = await startOpsServer({ checks: {}, api });
  openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
});

afterAll(async () => {
  watch?.stop();
  await server?.close();
  await runtime?.stop();
  await gate?.close();
});

interface Status {
  state: string;
  waiting?: { on: string; since: string; reason: string } | null;
}

async function status(): Promise<Status> {
  const response = await fetch(`${server.url}/connectors/${name}/status`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as Status;
  assertConformsToOpenApi(openapi, {
    method: 'get',
    path: '/connectors/{name}/status',
    status: response.status,
    body,
  });
  return body;
}

describe("a source connector's status while Kafka does not answer", () => {
  it('stays RUNNING and says at once that it waits for Kafka, since when; the wait ends when Kafka answers', async () => {
    await waitFor('the source running', async () => (await status()).state === 'RUNNING');
    expect((await status()).waiting).toBeNull();

    const shut = Date.now();
    await gate.shut();
    // At once: the first status asked after a probe under way at the shut has ended (the watch's probes take ms).
    let down: Status = { state: '' };
    await waitFor(
      'the status to say it waits for Kafka',
      async () => {
        down = await status();
        return !!down.waiting;
      },
      3_000,
    );
    expect(down.state).toBe('RUNNING');
    expect(down.waiting).toMatchObject({ on: 'kafka' });
    expect(down.waiting!.reason).toMatch(
      new RegExp(
        `^Kafka at ${gate.address} is unreachable \\(.*ECONNREFUSED.*\\): nothing it reads is committed to Kafka until it answers`,
      ),
    );
    const since = Date.parse(down.waiting!.since);
    expect(since).toBeGreaterThanOrEqual(shut - 1_000);
    expect(since).toBeLessThanOrEqual(Date.now());
    // The outage keeps the time it began; the CLI's status line says it.
    const line = await runEai(['connectors', 'status', name, '--url', server.url, '--token', token]);
    // Under the table's header line (NAME KIND STATE INSTANCE RECORDS).
    expect(line.stdout.split('\n')[0]).toMatch(/^NAME +KIND +STATE +INSTANCE +RECORDS$/);
    expect(line.stdout.split('\n')[1]).toMatch(
      new RegExp(
        `^${name} +source RUNNING +\\S+ .* waiting since ${down.waiting!.since}: Kafka at ${gate.address} is unreachable`,
      ),
    );
    expect((await status()).waiting!.since).toBe(down.waiting!.since);
    // Its webhook answers a delivery 503 at once, not after its responseTimeoutMs (30 s) that senders do not wait.
    const delivery = () =>
      runtime.webhook(name, {
        method: 'POST',
        path: '/',
        url: `http://127.0.0.1/webhooks/${name}`,
        headers: { 'content-type': 'application/xml' },
        rawBody: Buffer.from('<ORDERS05/>'),
      });
    const asked = Date.now();
    const refused = await delivery();
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(refused).toMatchObject({ status: 503, headers: { 'Retry-After': '10' } });
    expect(refused.body).toEqual({
      error: `connector ${name} cannot store deliveries now: Kafka does not answer; send it again later`,
    });

    await gate.open();
    await waitFor('the wait over', async () => (await status()).waiting === null, 10_000);
    expect((await status()).state).toBe('RUNNING');
    // Once Kafka answers, deliveries reach the source again (its answer, whatever it is, is not that refusal).
    const after = await Promise.race([
      delivery(),
      new Promise((resolve) => setTimeout(resolve, 2_000, 'pending')),
    ]);
    expect(JSON.stringify(after)).not.toContain('cannot store deliveries now');
  });
});

describe('the Kafka watch', () => {
  it('counts a broker that takes the connection and never answers as unreachable, after its timeout', async () => {
    const hung = await listeningPort(true);
    const hungWatch = new KafkaWatch(`127.0.0.1:${hung.port}`, { timeoutMs: 500 });
    try {
      const started = Date.now();
      const outage = await hungWatch.check();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(outage?.error).toMatch(/no answer within 500 ms/);
      expect(hungWatch.outage()).toEqual(outage);
    } finally {
      await hung.close();
    }
  });
});
