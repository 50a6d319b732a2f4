// Signed webhook ingest: a webhook-source connector on the hub, each request acknowledged only after its records
// are on Kafka (acks=all, one transaction per group of requests), driven by autocannon on loopback. Beside it in the
// same run, two peers on the same HTTP stack (express, loopback, the same body):
//   - baseline: answers a plain POST at once (the HTTP ceiling);
//   - kafka peer: answers after a Kafka transaction holding the raw body as one record is committed, requests
//     arriving while one transaction is under way sharing the next (group commit, as the hub's source host does),
//     on the bus's transport: what "2xx only once on Kafka" costs before any signature check, parsing, mapping,
//     Avro encoding or dedup.
// Reports max requests/s (autocannon, fixed connections, a closed loop) and p50 / p99 latency at a fixed rate
// (default 1,000 requests/s) from an open-model generator (bench/constant-rate.ts, wrk2's method: each request due at
// t0 + i / rate, latency from its due time), with CPU ms per request of this process (the servers; the load
// generator runs in its own, bench/load-client.ts), the
// event loop's delay p99, the load average, and for the hub and the Kafka peer their transactions (count, documents
// each, duration).
// The fixed-rate runs go in turns (`--rounds`), so a shared machine's load falls on every contender alike; each
// contender's median round (by p99) counts.
// Method change (issue 14): the fixed-rate figures were autocannon's `overallRate` until s25, which sends each
// second's quota from every connection in one burst at the start of the second and adds synthetic samples (the bare
// express server showed p99 68 ms "at 1,000/s"); figures before then are not comparable to these. The max-rate phase
// is unchanged (autocannon, 50 connections), so its figures are.
// --mapping-threads N: the hub maps in N threads (HubOptions.mappingThreads) instead of on its event loop.
// Usage: npm run bench:webhooks [-- --seconds 10 --rate 1000 --connections 50 --rounds 3 --mapping-threads 0 --json]

import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import express from 'express';
import { pino } from 'pino';
import type { Histogram } from 'prom-client';
import { createTransport, type OutgoingRecord } from '../bus/index.ts';
import { metricsRegistry } from '../lib/metrics.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { hashToken } from '../ops/api/index.ts';
import { startHub } from '../ops/hub.ts';
import { stackUp } from '../stack/stack.ts';

quietKnownWarnings();

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'mapping-threads': { type: 'string', default: '0' },
    /** Comma-separated contenders to run (baseline, peer, hub), e.g. `--only hub` under --cpu-prof; default all. */
    only: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const CONNECTIONS = Number(args.connections);
const ROUNDS = Math.max(1, Number(args.rounds));
const MAPPING_THREADS = Number(args['mapping-threads']);
if (!Number.isInteger(MAPPING_THREADS) || MAPPING_THREADS < 0 || MAPPING_THREADS > 16)
  throw new Error('--mapping-threads: 0 to 16');
const say = (line: string) => process.stderr.write(`${line}\n`);
const run = randomUUID().slice(0, 8);

const secret = `bench-${randomUUID()}`;
const body = readFileSync('formats/hubspot-contact/fixtures/creation-batch.json');
const signature = createHmac('sha256', secret).update(body).digest('hex');

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** At a fixed rate only (bench/constant-rate.ts). */
  p999Ms?: number;
  sendLagP99Ms?: number;
  unfinished?: number;
  /** Answers of the whole run (a fixed-rate run's warm-up second included). */
  requests: number;
}

interface Run extends LoadResult {
  /** CPU of this process (the server under test) per request served, ms. */
  cpuMsPerRequest: number;
  /** The event loop's delay in this process during the run, p99, ms. */
  loopDelayP99Ms: number;
  /** One-minute load average at the start and at the end of the run. */
  load: [number, number];
}

/** One autocannon run in a child process (bench/load-client.ts); every request carries a fresh delivery id. */
function load(url: string, options: { rate?: number; connections: number; seconds?: number }) {
  const input = JSON.stringify({
    url,
    seconds: options.seconds ?? SECONDS,
    connections: options.connections,
    rate: options.rate,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: body.toString('utf8'),
  });
  return new Promise<LoadResult>((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(new URL('./load-client.ts', import.meta.url)), input],
      (error, stdout) => {
        if (error) reject(error);
        else resolve(JSON.parse(stdout) as LoadResult);
      },
    );
  });
}

/** A measured run: the load's figures with this process's CPU per request, loop delay and the load average. */
async function measure(url: string, options: { rate?: number; connections: number }): Promise<Run> {
  const loadAtStart = Number(loadavg()[0]!.toFixed(2));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpuAtStart = process.cpuUsage();
  const result = await load(url, options);
  const cpu = process.cpuUsage(cpuAtStart);
  delay.disable();
  const served = Math.max(1, result.requests);
  return {
    ...result,
    cpuMsPerRequest: Number(((cpu.user + cpu.system) / 1000 / served).toFixed(3)),
    loopDelayP99Ms: Number((delay.percentile(99) / 1e6).toFixed(1)),
    load: [loadAtStart, Number(loadavg()[0]!.toFixed(2))],
  };
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook` }),
    );
  });
}

const stack = await stackUp(say);
const transport = createTransport({ brokers: stack.brokers.split(','), clientId: 'eai-bench-webhooks' });
const admin = transport.admin();
await admin.connect();
// Topics of this run's own (6 partitions, as canonical topics have), so the bench's records never land where specs
// read from the beginning.
const hubTopic = `bench.webhook-hub.${run}`;
const peerTopic = `bench.webhook-peer.${run}`;
await admin.createTopics(
  [hubTopic, peerTopic].map((topic) => ({ topic, partitions: 6, replicationFactor: 1 })),
);

process.env.EAI_BENCH_WEBHOOK_SECRET = secret;
const hub = await startHub({
  ...stack,
  group: `eai-bench-${run}`,
  logger: pino({ level: 'warn' }, pino.destination(2)),
  tokens: [{ name: 'bench', role: 'admin', sha256: hashToken(randomUUID()) }],
  port: 0,
  mappingThreads: MAPPING_THREADS,
});
const name = `bench-webhook-${run}`;
await hub.runtime.put(
  {
    name,
    type: 'webhook-source',
    format: 'hubspot-contact',
    mapping: 'hubspot/contact.to-canonical.yaml',
    outputTopics: { 'eai.canonical.CustomerEvent': hubTopic },
    config: {
      json: true,
      deliveryIdHeader: 'x-request-id',
      maxPendingDocuments: 100_000,
      signature: { scheme: 'hmac-sha256', secret: ['$', '{env:EAI_BENCH_WEBHOOK_SECRET}'].join('') },
    },
  },
  'bench',
);
const hubUrl = `${hub.url}/webhooks/${name}`;

const baselineApp = express();
baselineApp.post('/hook', express.raw({ type: () => true }), (_req, res) => {
  res.json({ accepted: 1 });
});
const baseline = await listen(baselineApp);

// The Kafka peer: group commit of raw bodies, one transaction at a time, on the bus's transactional producer.
const peerProducer = transport.transactionalProducer(`eai-bench-peer-${run}`);
await peerProducer.connect();
let waiting: Array<{ record: OutgoingRecord; done: (error?: unknown) => void }> = [];
let sending = false;
/** The peer's transactions since the last reset: count, documents, milliseconds (to set beside the hub's). */
const peerTxn = { count: 0, documents: 0, ms: 0 };
async function sendWaiting(): Promise<void> {
  if (sending) return;
  sending = true;
  while (waiting.length > 0) {
    const group = waiting;
    waiting = [];
    try {
      const started = performance.now();
      await peerProducer.sendTransaction(group.map((w) => w.record));
      peerTxn.count += 1;
      peerTxn.documents += group.length;
      peerTxn.ms += performance.now() - started;
      for (const w of group) w.done();
    } catch (error) {
      for (const w of group) w.done(error);
    }
  }
  sending = false;
}
const peerApp = express();
peerApp.post('/hook', express.raw({ type: () => true }), (req, res) => {
  const key = req.headers['x-request-id'];
  waiting.push({
    record: { topic: peerTopic, key: typeof key === 'string' ? key : null, value: req.body as Buffer },
    done: (error) => {
      if (error) res.status(503).json({ error: 'not stored' });
      else res.json({ accepted: 1 });
    },
  });
  void sendWaiting();
});
const peer = await listen(peerApp);

const transactionSeconds = metricsRegistry.getSingleMetric('eai_connector_transaction_seconds') as
  | Histogram<'connector'>
  | undefined;
const transactionDocuments = metricsRegistry.getSingleMetric('eai_connector_transaction_documents') as
  | Histogram<'connector'>
  | undefined;

interface Transactions {
  count: number;
  documentsMean: number;
  meanMs: number;
  /** Upper bound of the histogram bucket holding the median / the 99th percentile. */
  p50AtMostMs: number | null;
  p99AtMostMs: number | null;
}

/** The hub connector's transactions since the histograms were last reset. */
async function transactions(): Promise<Transactions | undefined> {
  if (!transactionSeconds || !transactionDocuments) return undefined;
  const mine = (values: Array<{ labels: Record<string, unknown>; metricName?: string; value: number }>) =>
    values.filter((v) => v.labels.connector === name);
  const seconds = mine((await transactionSeconds.get()).values);
  const documents = mine((await transactionDocuments.get()).values);
  const count = seconds.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const sum = seconds.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const docSum = documents.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  const buckets = seconds
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
}

const allContenders = [
  { key: 'baseline', label: 'baseline (express, answers at once)', url: baseline.url },
  { key: 'peer', label: 'kafka peer (2xx after a txn, raw body)', url: peer.url },
  { key: 'hub', label: 'hub (2xx after Kafka, acks=all)', url: hubUrl },
] as const;
type Key = (typeof allContenders)[number]['key'];
const only = args.only?.split(',');
const contenders = allContenders.filter((c) => !only || only.includes(c.key));

/**
 * After a fixed-rate run that a server could not keep up with, the generator gives up on the requests still queued
 * (on its side: one request at a time a connection) and closes its connections; the server may still work on the
 * ones it had (the hub's source queue, the peer's next group). Wait until the hub's records out and the peer's queue
 * stand still (a second at least, 60 s at most), so that work is not charged to the next run.
 */
async function settle(): Promise<void> {
  const until = Date.now() + 60_000;
  let last = -1;
  for (;;) {
    const out = (await hub.runtime.status(name))?.metrics.recordsOut ?? 0;
    if ((out === last && waiting.length === 0 && !sending) || Date.now() > until) return;
    if (last >= 0) say('  settling (the server still works on requests the generator gave up on)…');
    last = out;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

say(`warming up (${SECONDS} s)…`);
await Promise.all(
  contenders.filter((c) => c.key !== 'baseline').map((c) => load(c.url, { connections: 10 })),
);

const max = {} as Record<Key, Run>;
for (const c of contenders) {
  say(`${c.key}, max rate…`);
  max[c.key] = await measure(c.url, { connections: CONNECTIONS });
}
const fixed = { baseline: [], peer: [], hub: [] } as Record<Key, Run[]>;
const hubTransactions: Array<Transactions | undefined> = [];
const peerTransactions: Array<{ count: number; documentsMean: number; meanMs: number }> = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const c of contenders) {
    say(`round ${round}/${ROUNDS}: ${c.key} at ${RATE}/s…`);
    if (c.key === 'hub') {
      transactionSeconds?.reset();
      transactionDocuments?.reset();
    }
    Object.assign(peerTxn, { count: 0, documents: 0, ms: 0 });
    fixed[c.key].push(await measure(c.url, { connections: CONNECTIONS, rate: RATE }));
    await settle();
    if (c.key === 'hub') hubTransactions.push(await transactions());
    if (c.key === 'peer')
      peerTransactions.push({
        count: peerTxn.count,
        documentsMean: Number((peerTxn.documents / Math.max(1, peerTxn.count)).toFixed(1)),
        meanMs: Number((peerTxn.ms / Math.max(1, peerTxn.count)).toFixed(1)),
      });
  }
}
const status = await hub.runtime.status(name);

/** The median round by p99 (the upper one of two middles). */
const medianIndex = (runs: Run[]) =>
  runs.map((r, i) => [r.p99Ms, i] as const).sort((a, b) => a[0] - b[0])[Math.floor(runs.length / 2)]?.[1] ??
  -1;
const median = (key: Key): Run | undefined => fixed[key][medianIndex(fixed[key])];
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? null : Number((a / b).toFixed(3));
const hubFixed = median('hub');

const report = {
  mappingThreads: MAPPING_THREADS,
  seconds: SECONDS,
  connections: CONNECTIONS,
  rounds: ROUNDS,
  bodyBytes: body.length,
  machine: { cpus: cpus().length, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
  max: {
    ...max,
    ratio: {
      hubToBaseline: ratio(max.hub?.requestsPerSecond, max.baseline?.requestsPerSecond),
      hubToPeer: ratio(max.hub?.requestsPerSecond, max.peer?.requestsPerSecond),
    },
  },
  fixedRate: {
    rate: RATE,
    baseline: median('baseline'),
    peer: median('peer'),
    hub: hubFixed,
    hubTransactions: hubTransactions[medianIndex(fixed.hub)],
    peerTransactions: peerTransactions[medianIndex(fixed.peer)],
    p99Ratio: { hubToPeer: ratio(hubFixed?.p99Ms, median('peer')?.p99Ms) },
    rounds: fixed,
  },
  target: {
    p99MsAtFixedRate: 25,
    met: hubFixed
      ? hubFixed.p99Ms <= 25 && hubFixed.requestsPerSecond >= RATE * 0.98 && !hubFixed.unfinished
      : null,
  },
  connector: status?.metrics,
};
if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const row = (label: string, r: Run) =>
    `${label.padEnd(40)} ${String(r.requestsPerSecond).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(4)} ms${r.p999Ms === undefined ? '' : `  p99.9 ${String(r.p999Ms).padStart(4)} ms`}  cpu ${r.cpuMsPerRequest.toFixed(2)} ms/req  loop p99 ${String(r.loopDelayP99Ms).padStart(5)} ms${r.sendLagP99Ms === undefined ? '' : `  generator lag p99 ${r.sendLagP99Ms} ms`}  load ${r.load.join('→')}${r.non2xx || r.errors || r.unfinished ? `  non-2xx ${r.non2xx} errors ${r.errors} unfinished ${r.unfinished ?? 0}` : ''}`;
  const t = report.fixedRate.hubTransactions;
  const pt = report.fixedRate.peerTransactions;
  process.stdout.write(
    [
      `signed webhook ingest, ${body.length}-byte HubSpot event batch, ${SECONDS} s per run, ${CONNECTIONS} connections, ${cpus().length} cores, ${MAPPING_THREADS} mapping threads`,
      'max rate:',
      ...contenders.map((c) => row(`  ${c.label}`, max[c.key])),
      `  hub / baseline ${report.max.ratio.hubToBaseline}, hub / kafka peer ${report.max.ratio.hubToPeer}`,
      `at ${RATE}/s offered, open model, latency from each request's due time (median of ${ROUNDS} rounds by p99):`,
      ...contenders.map((c) => row(`  ${c.label}`, median(c.key)!)),
      ...(t
        ? [
            `  hub transactions: ${t.count}, ${t.documentsMean} documents each, mean ${t.meanMs} ms, p50 <= ${t.p50AtMostMs} ms, p99 <= ${t.p99AtMostMs} ms`,
          ]
        : []),
      ...(pt
        ? [`  kafka peer transactions: ${pt.count}, ${pt.documentsMean} documents each, mean ${pt.meanMs} ms`]
        : []),
      `  hub p99 / kafka peer p99: ${report.fixedRate.p99Ratio.hubToPeer}`,
      `  target p99 <= 25 ms at ${RATE}/s: ${report.target.met ? 'met' : 'NOT met'}`,
      `  rounds (req/s, p99): ${contenders.map((c) => `${c.key} ${fixed[c.key].map((r) => `${r.requestsPerSecond}/${r.p99Ms}`).join(' ')}`).join('; ')}`,
      `  connector: in ${status?.metrics.recordsIn}, out ${status?.metrics.recordsOut}, failed ${status?.metrics.recordsFailed}`,
      '',
    ].join('\n'),
  );
}
await hub.runtime.remove(name);
await hub.close();
await peerProducer.disconnect();
baseline.server.close();
peer.server.close();
await admin.deleteTopics([hubTopic, peerTopic]).catch(() => undefined);
await admin.disconnect();
process.exit(0);
