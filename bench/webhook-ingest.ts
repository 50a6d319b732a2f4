// Signed webhook ingest: a webhook-source connector on the hub, each request acknowledged only after its records
// are on Kafka (acks=all, one transaction per batch), driven by autocannon on loopback. Beside it in the same run,
// the baseline: the same HTTP server stack (express on the hub's ops server) answering a plain POST at once.
// Reports max requests/s (fixed connections) and p50 / p99 latency at a fixed 1,000 requests/s.
// The load generator runs in its own process (bench/load-client.ts).
// Usage: npm run bench:webhooks [-- --seconds 10 --rate 1000 --connections 50 --json]

import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import express from 'express';
import { pino } from 'pino';
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
    json: { type: 'boolean' },
  },
});
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const CONNECTIONS = Number(args.connections);
const say = (line: string) => process.stderr.write(`${line}\n`);

const secret = `bench-${randomUUID()}`;
const body = readFileSync('formats/hubspot-contact/fixtures/creation-batch.json');
const signature = createHmac('sha256', secret).update(body).digest('hex');

interface Run {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** One autocannon run in a child process (bench/load-client.ts); every request carries a fresh delivery id. */
function load(url: string, options: { rate?: number; connections: number }): Promise<Run> {
  const input = JSON.stringify({
    url,
    seconds: SECONDS,
    connections: options.connections,
    rate: options.rate,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: body.toString('utf8'),
  });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(new URL('./load-client.ts', import.meta.url)), input],
      (error, stdout) => {
        if (error) reject(error);
        else resolve(JSON.parse(stdout) as Run);
      },
    );
  });
}

const stack = await stackUp(say);
process.env.EAI_BENCH_WEBHOOK_SECRET = secret;
const hub = await startHub({
  ...stack,
  group: `eai-bench-${randomUUID().slice(0, 8)}`,
  logger: pino({ level: 'warn' }),
  tokens: [{ name: 'bench', role: 'admin', sha256: hashToken(randomUUID()) }],
  port: 0,
});
const name = `bench-webhook-${randomUUID().slice(0, 8)}`;
await hub.runtime.put(
  {
    name,
    type: 'webhook-source',
    format: 'hubspot-contact',
    mapping: 'hubspot/contact.to-canonical.yaml',
    config: {
      json: true,
      deliveryIdHeader: 'x-request-id',
      maxPendingDocuments: 100_000,
      signature: { scheme: 'hmac-sha256', secret: ['$', '{env:EAI_BENCH_WEBHOOK_SECRET}'].join('') },
    },
  },
  'bench',
);

const baselineApp = express();
baselineApp.post('/hook', express.raw({ type: () => true }), (_req, res) => {
  res.json({ accepted: 1 });
});
const baseline = await new Promise<import('node:http').Server>((resolve) => {
  const server = baselineApp.listen(0, '127.0.0.1', () => resolve(server));
});
const baselineUrl = `http://127.0.0.1:${(baseline.address() as { port: number }).port}/hook`;
const hubUrl = `${hub.url}/webhooks/${name}`;

say(`warming up (${SECONDS} s)…`);
await load(hubUrl, { connections: 10 });
say('baseline, max rate…');
const baselineMax = await load(baselineUrl, { connections: CONNECTIONS });
say('hub, max rate…');
const hubMax = await load(hubUrl, { connections: CONNECTIONS });
say(`baseline at ${RATE}/s…`);
const baselineFixed = await load(baselineUrl, { connections: CONNECTIONS, rate: RATE });
say(`hub at ${RATE}/s…`);
const hubFixed = await load(hubUrl, { connections: CONNECTIONS, rate: RATE });
const status = await hub.runtime.status(name);

const report = {
  seconds: SECONDS,
  connections: CONNECTIONS,
  bodyBytes: body.length,
  max: {
    baseline: baselineMax,
    hub: hubMax,
    ratio: Number((hubMax.requestsPerSecond / baselineMax.requestsPerSecond).toFixed(3)),
  },
  fixedRate: { rate: RATE, baseline: baselineFixed, hub: hubFixed },
  target: { p99MsAtFixedRate: 25, met: hubFixed.p99Ms <= 25 },
  connector: status?.metrics,
};
if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const row = (label: string, r: Run) =>
    `${label.padEnd(34)} ${String(r.requestsPerSecond).padStart(7)} req/s   p50 ${String(r.p50Ms).padStart(4)} ms   p99 ${String(r.p99Ms).padStart(4)} ms   non-2xx ${r.non2xx}  errors ${r.errors}`;
  process.stdout.write(
    [
      `signed webhook ingest, ${body.length}-byte HubSpot event batch, ${SECONDS} s per run, ${CONNECTIONS} connections`,
      row('baseline (express, answers at once)', baselineMax),
      row('hub (2xx after Kafka, acks=all)', hubMax),
      `  ratio hub / baseline: ${report.max.ratio}`,
      row(`baseline at ${RATE}/s`, baselineFixed),
      row(`hub at ${RATE}/s`, hubFixed),
      `  target p99 <= 25 ms at ${RATE}/s: ${report.target.met ? 'met' : 'NOT met'}`,
      `  connector: in ${status?.metrics.recordsIn}, out ${status?.metrics.recordsOut}, failed ${status?.metrics.recordsFailed}`,
      '',
    ].join('\n'),
  );
}
await hub.runtime.remove(name);
await hub.close();
baseline.close();
process.exit(0);
