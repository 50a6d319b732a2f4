import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import { exampleJson } from '../../schemas/examples.ts';
import { testBus, testStack, unique } from '../../tests/stack.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';
import { definePlugin } from '../sdk/index.ts';

/**
 * A connector runtime on the real broker, with every built-in plugin, a connect group of its own and quick sink
 * retries (bounded unless `sinkRetry` says otherwise).
 */
export async function startRuntime(
  source: string,
  sinkRetry: ConstructorParameters<typeof ConnectorRuntime>[0]['sinkRetry'] = {
    retries: 1,
    initialDelayMs: 10,
    maxDelayMs: 20,
  },
) {
  const bus = testBus(source);
  await bus.provisionTopics();
  const runtime = new ConnectorRuntime({
    bus,
    plugins: builtinPlugins,
    logger: pino({ level: 'silent' }),
    group: unique('connect'),
    sinkRetry,
  });
  await runtime.start();
  return { bus, runtime };
}

/**
 * A sink against a target that is down: an HTTP endpoint answering 503 while `down` (then 200), and an http-sink
 * (unbounded retries, as a hub runs it) on a topic of its own holding three versions of one customer, `<label> v1`
 * to `v3`. `answered` lists each request: the version it carried and the status it got.
 */
export async function sinkAgainstOutage(source: string, label: string, config: Record<string, unknown> = {}) {
  const { runtime, bus } = await startRuntime(source, { initialDelayMs: 100, maxDelayMs: 1_000 });
  const target = { down: true };
  const answered: Array<{ status: number; version: string }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        data: { customer: { organizationName: string } };
      };
      const status = target.down ? 503 : 200;
      answered.push({ status, version: body.data.customer.organizationName });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const topic = unique('outage');
  await bus.provisionTopics([{ topic, partitions: 1 }]);
  const publisher = await bus.publisher();
  const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
  await publisher.publish(
    ['v1', 'v2', 'v3'].map((v) => ({
      schema: 'CustomerEvent',
      topic,
      value: {
        ...base,
        customer: { ...base.customer, customerId: `C-${label}`, organizationName: `${label} ${v}` },
      },
    })),
  );
  await publisher.close();
  const name = unique(label.toLowerCase());
  await runtime.put(
    {
      name,
      type: 'http-sink',
      topics: [topic],
      config: {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        path: '/api/customers/{key}',
        retry: { retries: 0 },
        ...config,
      },
    },
    'test',
  );
  return {
    runtime,
    bus,
    topic,
    name,
    target,
    answered,
    close: async () => {
      await runtime.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A test sink (`recording-sink`) that keeps, per connector name, the customer id of each record it applies, in order. */
export function customerIdSink(applied: Map<string, string[]>) {
  return definePlugin({
    type: 'recording-sink',
    kind: 'sink',
    description: 'test sink: records the customer id of each record it applies',
    config: z.object({}),
    createSink: (_config, context) => ({
      async put(record) {
        const id = (record.value as { customer: { customerId: string } }).customer.customerId;
        applied.set(context.name, [...(applied.get(context.name) ?? []), id]);
      },
      async stop() {},
    }),
  });
}

/**
 * The TCP connections this process holds to the test broker, as the kernel lists them (Linux: the sockets among
 * /proc/self/fd that /proc/self/net/tcp{,6} shows ESTABLISHED to the broker's port): what the broker sees of it.
 */
export function brokerConnections(): number {
  const port = Number(testStack().brokers.split(',')[0]!.split(':').pop());
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) mine.add(inode);
    } catch {
      // Closed while listed.
    }
  }
  let count = 0;
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = Number.parseInt(fields[2]!.split(':')[1]!, 16);
      const established = fields[3] === '01';
      if (established && remotePort === port && mine.has(fields[9]!)) count++;
    }
  }
  return count;
}
