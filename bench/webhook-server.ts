// One contender of bench/webhook-ingest.ts in a process of its own, as each would be deployed: the bare express
// server, the Kafka peer, or the hub with its webhook-source connector. Alone in its process, a contender's CPU,
// event-loop delay and garbage collection are its own: when the three shared the bench's process, the hub ran in a
// heap that the two before it had filled (11 major collections in its 10 s at 1,000/s, against 2 alone), and its
// p99 took their collections' pauses.
// Started by the bench with fork(); takes one argument (JSON: kind, stack, run id, topic, mapping threads; the
// webhook secret in EAI_BENCH_WEBHOOK_SECRET), sends `{ ready, url }`, then answers the bench's messages:
//   begin  → starts counting (CPU, event-loop delay, the hub's or the peer's transactions);
//   end    → the counts since `begin`;
//   settle → answers once the server stands still (requests the generator gave up on, finished);
//   status → the hub connector's metrics;
//   close  → removes what it made and exits.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import express from 'express';
import { pino } from 'pino';
import type { Histogram } from 'prom-client';
import { createTransport, type OutgoingRecord } from '../bus/index.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { hashToken } from '../ops/api/index.ts';
import { startHub } from '../ops/hub.ts';
import type { StackState } from '../stack/stack.ts';

quietKnownWarnings();

export type ServerKind = 'baseline' | 'peer' | 'hub';

export interface ServerOptions {
  kind: ServerKind;
  stack: StackState;
  run: string;
  /** The topic the peer or the hub writes to. */
  topic: string;
  mappingThreads: number;
}

export interface Transactions {
  count: number;
  documentsMean: number;
  meanMs: number;
  /** Upper bound of the histogram bucket holding the median / the 99th percentile (the hub's only). */
  p50AtMostMs?: number | null;
  p99AtMostMs?: number | null;
}

export interface Counts {
  /** CPU of this process since `begin`, ms (user + system, all its threads). */
  cpuMs: number;
  loopDelayP99Ms: number;
  transactions?: Transactions;
}

export type Request = { type: 'begin' | 'end' | 'settle' | 'status' | 'close'; id: number };

interface Contender {
  url: string;
  resetTransactions(): void;
  transactions(): Promise<Transactions | undefined>;
  /** A number that moves while the server still works (records out, documents waiting), and whether it is idle. */
  progress(): Promise<{ moved: number; idle: boolean }>;
  status(): Promise<unknown>;
  close(): Promise<void>;
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook` }),
    );
  });
}

async function baseline(): Promise<Contender> {
  const app = express();
  app.post('/hook', express.raw({ type: () => true }), (_req, res) => {
    res.json({ accepted: 1 });
  });
  const { server, url } = await listen(app);
  return {
    url,
    resetTransactions() {},
    transactions: async () => undefined,
    progress: async () => ({ moved: 0, idle: true }),
    status: async () => undefined,
    close: async () => void server.close(),
  };
}

/** Group commit of raw bodies, one transaction at a time, on the bus's transactional producer. */
async function peer(options: ServerOptions): Promise<Contender> {
  const transport = createTransport({
    brokers: options.stack.brokers.split(','),
    clientId: 'eai-bench-peer',
  });
  const producer = transport.transactionalProducer(`eai-bench-peer-${options.run}`);
  await producer.connect();
  let waiting: Array<{ record: OutgoingRecord; done: (error?: unknown) => void }> = [];
  let sending = false;
  const txn = { count: 0, documents: 0, ms: 0 };
  async function sendWaiting(): Promise<void> {
    if (sending) return;
    sending = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        const started = performance.now();
        await producer.sendTransaction(group.map((w) => w.record));
        txn.count += 1;
        txn.documents += group.length;
        txn.ms += performance.now() - started;
        for (const w of group) w.done();
      } catch (error) {
        for (const w of group) w.done(error);
      }
    }
    sending = false;
  }
  const app = express();
  app.post('/hook', express.raw({ type: () => true }), (req, res) => {
    const key = req.headers['x-request-id'];
    waiting.push({
      record: { topic: options.topic, key: typeof key === 'string' ? key : null, value: req.body as Buffer },
      done: (error) => {
        if (error) res.status(503).json({ error: 'not stored' });
        else res.json({ accepted: 1 });
      },
    });
    void sendWaiting();
  });
  const { server, url } = await listen(app);
  return {
    url,
    resetTransactions: () => void Object.assign(txn, { count: 0, documents: 0, ms: 0 }),
    transactions: async () => ({
      count: txn.count,
      documentsMean: Number((txn.documents / Math.max(1, txn.count)).toFixed(1)),
      meanMs: Number((txn.ms / Math.max(1, txn.count)).toFixed(1)),
    }),
    progress: async () => ({ moved: txn.documents, idle: waiting.length === 0 && !sending }),
    status: async () => undefined,
    async close() {
      server.close();
      await producer.disconnect();
    },
  };
}

async function hubContender(options: ServerOptions): Promise<Contender> {
  const hub = await startHub({
    ...options.stack,
    group: `eai-bench-${options.run}`,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    tokens: [{ name: 'bench', role: 'admin', sha256: hashToken(randomUUID()) }],
    port: 0,
    mappingThreads: options.mappingThreads,
  });
  const name = `bench-webhook-${options.run}`;
  await hub.runtime.put(
    {
      name,
      type: 'webhook-source',
      format: 'hubspot-contact',
      mapping: 'hubspot/contact.to-canonical.yaml',
      outputTopics: { 'eai.canonical.CustomerEvent': options.topic },
      config: {
        json: true,
        deliveryIdHeader: 'x-request-id',
        maxPendingDocuments: 100_000,
        signature: { scheme: 'hmac-sha256', secret: ['$', '{env:EAI_BENCH_WEBHOOK_SECRET}'].join('') },
      },
    },
    'bench',
  );
  const seconds = metricsRegistry.getSingleMetric('eai_connector_transaction_seconds') as
    | Histogram<'connector'>
    | undefined;
  const documents = metricsRegistry.getSingleMetric('eai_connector_transaction_documents') as
    | Histogram<'connector'>
    | undefined;
  const recordsOut = async () => (await hub.runtime.status(name))?.metrics.recordsOut ?? 0;
  return {
    url: `${hub.url}/webhooks/${name}`,
    resetTransactions() {
      seconds?.reset();
      documents?.reset();
    },
    async transactions() {
      if (!seconds || !documents) return undefined;
      type Value = { labels: Record<string, unknown>; metricName?: string; value: number };
      const mine = (values: Value[]) => values.filter((v) => v.labels.connector === name);
      const durations = mine((await seconds.get()).values);
      const sizes = mine((await documents.get()).values);
      const count = durations.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      const sum = durations.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
      const docSum = sizes.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
      const buckets = durations
        .filter((v) => v.metricName?.endsWith('_bucket') && v.labels.le !== '+Inf')
        .map((v) => ({ le: Number(v.labels.le), cumulative: v.value }))
        .sort((a, b) => a.le - b.le);
      const at = (q: number) => {
        const bucket = buckets.find((b) => b.cumulative >= q * count);
        return bucket ? bucket.le * 1000 : null;
      };
      return {
        count,
        documentsMean: count ? Number((docSum / count).toFixed(1)) : 0,
        meanMs: count ? Number(((sum / count) * 1000).toFixed(1)) : 0,
        p50AtMostMs: count ? at(0.5) : null,
        p99AtMostMs: count ? at(0.99) : null,
      };
    },
    progress: async () => ({ moved: await recordsOut(), idle: true }),
    status: async () => (await hub.runtime.status(name))?.metrics,
    async close() {
      await hub.runtime.remove(name);
      await hub.close();
    },
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as ServerOptions;
const contender =
  options.kind === 'baseline'
    ? await baseline()
    : options.kind === 'peer'
      ? await peer(options)
      : await hubContender(options);

const delay = monitorEventLoopDelay({ resolution: 5 });
let cpuAtBegin = process.cpuUsage();

/** Until the server's progress stands still for a second (60 s at most). */
async function settle(): Promise<void> {
  const until = Date.now() + 60_000;
  let last = -1;
  for (;;) {
    const { moved, idle } = await contender.progress();
    if ((moved === last && idle) || Date.now() > until) return;
    last = moved;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function answer(request: Request): Promise<unknown> {
  switch (request.type) {
    case 'begin':
      contender.resetTransactions();
      delay.reset();
      delay.enable();
      cpuAtBegin = process.cpuUsage();
      return undefined;
    case 'end': {
      const cpu = process.cpuUsage(cpuAtBegin);
      delay.disable();
      const counts: Counts = {
        cpuMs: (cpu.user + cpu.system) / 1000,
        loopDelayP99Ms: Number((delay.percentile(99) / 1e6).toFixed(1)),
        transactions: await contender.transactions(),
      };
      return counts;
    }
    case 'settle':
      return settle();
    case 'status':
      return contender.status();
    case 'close':
      await contender.close();
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

process.on('message', (request: Request) => {
  answer(request).then(
    (value) => process.send?.({ id: request.id, value }),
    (error: Error) => process.send?.({ id: request.id, error: error.message }),
  );
});
process.send?.({ ready: true, url: contender.url });
