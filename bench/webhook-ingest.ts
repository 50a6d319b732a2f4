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
// t0 + i / rate, latency from its due time), with CPU ms per request of the server's process, its event loop's delay
// p99, the load average, and for the hub and the Kafka peer their transactions (count, documents each, duration).
// Each server runs in a process of its own (bench/webhook-server.ts), as each would be deployed, and so does the load
// generator (bench/load-client.ts). Method change (s31): until then the three servers shared this process and its
// heap, and the hub, measured last, took the major collections of a heap the two before it had filled.
// The fixed-rate runs go in turns (`--rounds`), so a shared machine's load falls on every contender alike; each
// contender's median round (by p99) counts.
// Method change (issue 14): the fixed-rate figures were autocannon's `overallRate` until s25, which sends each
// second's quota from every connection in one burst at the start of the second and adds synthetic samples (the bare
// express server showed p99 68 ms "at 1,000/s"); figures before then are not comparable to these. The max-rate phase
// is unchanged (autocannon, 50 connections), so its figures are.
// --mapping-threads N: the hub maps in N threads (HubOptions.mappingThreads) instead of on its event loop.
// Usage: npm run bench:webhooks [-- --seconds 10 --rate 1000 --connections 50 --rounds 3 --mapping-threads 0 --json]

import { execFile, fork } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createTransport } from '../bus/index.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { stackUp } from '../stack/stack.ts';
import { benchArgs } from './args.ts';
import type { Counts, Request, ServerKind, ServerOptions, Transactions } from './webhook-server.ts';

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench:webhooks --', {
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
  /** CPU of the server's process per request served, ms. */
  cpuMsPerRequest: number;
  /** The event loop's delay in the server's process during the run, p99, ms. */
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

/** A contender's server in a process of its own (bench/webhook-server.ts), and the messages it answers. */
interface Contender {
  url: string;
  ask(type: Request['type']): Promise<unknown>;
}

function startServer(kind: ServerKind, topic: string): Promise<Contender> {
  const options: ServerOptions = { kind, stack, run, topic, mappingThreads: MAPPING_THREADS };
  const child = fork(
    fileURLToPath(new URL('./webhook-server.ts', import.meta.url)),
    [JSON.stringify(options)],
    {
      env: { ...process.env, EAI_BENCH_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the ${kind} server exited (${code}) before it was ready`)),
    );
    child.on(
      'message',
      (message: { ready?: boolean; url?: string; id?: number; value?: unknown; error?: string }) => {
        if (message.ready) {
          resolve({
            url: message.url!,
            ask: (type) =>
              new Promise((resolveAnswer, rejectAnswer) => {
                const id = next++;
                waiting.set(id, { resolve: resolveAnswer, reject: rejectAnswer });
                child.send({ type, id } satisfies Request);
              }),
          });
          return;
        }
        const asked = waiting.get(message.id!);
        waiting.delete(message.id!);
        if (message.error) asked?.reject(new Error(`${kind} server: ${message.error}`));
        else asked?.resolve(message.value);
      },
    );
  });
}

/** A measured run: the load's figures with the server's CPU per request and loop delay, and the load average. */
async function measure(
  server: Contender,
  options: { rate?: number; connections: number },
): Promise<{ run: Run; transactions?: Transactions }> {
  const loadAtStart = Number(loadavg()[0]!.toFixed(2));
  await server.ask('begin');
  const result = await load(server.url, options);
  const counts = (await server.ask('end')) as Counts;
  const served = Math.max(1, result.requests);
  return {
    run: {
      ...result,
      cpuMsPerRequest: Number((counts.cpuMs / served).toFixed(3)),
      loopDelayP99Ms: counts.loopDelayP99Ms,
      load: [loadAtStart, Number(loadavg()[0]!.toFixed(2))],
    },
    transactions: counts.transactions,
  };
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

const allContenders = [
  { key: 'baseline', label: 'baseline (express, answers at once)', topic: '' },
  { key: 'peer', label: 'kafka peer (2xx after a txn, raw body)', topic: peerTopic },
  { key: 'hub', label: 'hub (2xx after Kafka, acks=all)', topic: hubTopic },
] as const;
type Key = (typeof allContenders)[number]['key'];
const only = args.only?.split(',');
const contenders = allContenders.filter((c) => !only || only.includes(c.key));
const servers = {} as Record<Key, Contender>;
for (const c of contenders) servers[c.key] = await startServer(c.key, c.topic);

say(`warming up (${SECONDS} s)…`);
await Promise.all(
  contenders.filter((c) => c.key !== 'baseline').map((c) => load(servers[c.key].url, { connections: 10 })),
);

const max = {} as Record<Key, Run>;
for (const c of contenders) {
  say(`${c.key}, max rate…`);
  max[c.key] = (await measure(servers[c.key], { connections: CONNECTIONS })).run;
  await servers[c.key].ask('settle');
}
const fixed = { baseline: [], peer: [], hub: [] } as Record<Key, Run[]>;
const hubTransactions: Array<Transactions | undefined> = [];
const peerTransactions: Array<Transactions | undefined> = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const c of contenders) {
    say(`round ${round}/${ROUNDS}: ${c.key} at ${RATE}/s…`);
    const { run: measured, transactions } = await measure(servers[c.key], {
      connections: CONNECTIONS,
      rate: RATE,
    });
    fixed[c.key].push(measured);
    // After a fixed-rate run that a server could not keep up with, the generator gives up on the requests still
    // queued on its side; the server may still work on the ones it had. That work is not charged to the next run.
    await servers[c.key].ask('settle');
    if (c.key === 'hub') hubTransactions.push(transactions);
    if (c.key === 'peer') peerTransactions.push(transactions);
  }
}
const status = servers.hub
  ? ((await servers.hub.ask('status')) as Record<string, number> | undefined)
  : undefined;

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
  connector: status,
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
      `  connector: in ${status?.recordsIn}, out ${status?.recordsOut}, failed ${status?.recordsFailed}`,
      '',
    ].join('\n'),
  );
}
for (const c of contenders) await servers[c.key].ask('close');
await admin.deleteTopics([hubTopic, peerTopic]).catch(() => undefined);
await admin.disconnect();
process.exit(0);
