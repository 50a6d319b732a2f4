// Sinks benchmark: canonical CustomerEvents from a Kafka topic into the HubSpot simulator through the hub's
// hubspot-upsert-sink, once per batch size, side by side in one run (default 1, as before batching, and 100,
// HubSpot's batch limit), each its own topic of the same events. Reported per batch size: records/s from the sink's
// first record written to its last, the write requests made (one per idempotency key the simulator applied), and
// the ceiling HubSpot's API limit would put on that (a private app's 100 requests per 10 s on Free and Starter,
// 190 on Professional and Enterprise: requests per record × those). The simulator answers at once and has no rate
// limit, so the measured rate is the hub's and the round trips'; the ceiling is what a real portal allows.
// Progress on stderr once a second; --json prints one JSON object.
// Usage: npm run bench:sinks [-- --records 5000 --batch-sizes 1,100 --json]
import { pino } from 'pino';
import { createBus } from '../bus/index.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { hashToken } from '../ops/api/index.ts';
import { startHub } from '../ops/hub.ts';
import { exampleJson } from '../schemas/examples.ts';
import { hubspotSimulator } from '../simulators/hubspot/simulator.ts';
import { stackUp } from '../stack/stack.ts';
import { benchArgs } from './args.ts';

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench:sinks --', {
  options: {
    records: { type: 'string', default: '5000' },
    'batch-sizes': { type: 'string', default: '1,100' },
    json: { type: 'boolean' },
  },
});
const RECORDS = Number(args.records);
const SIZES = String(args['batch-sizes']).split(',').map(Number);
if (!Number.isSafeInteger(RECORDS) || RECORDS < 1 || RECORDS > 1_000_000)
  throw new Error('--records: a whole number from 1 to 1000000');
if (SIZES.some((size) => !Number.isSafeInteger(size) || size < 1 || size > 100))
  throw new Error('--batch-sizes: whole numbers from 1 to 100, comma-separated');
const say = (line: string) => process.stderr.write(`${line}\n`);
const run = Math.random().toString(36).slice(2, 10);

/** HubSpot's request limits per 10 s of a private app: Free / Starter, and Professional / Enterprise. */
const LIMITS = { starter: 100, professional: 190 };

interface Result {
  batchSize: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  requests: number;
  /** records/s a real portal's limit allows at this many requests a record. */
  ceiling: { starter: number; professional: number };
}

const stack = await stackUp(say);
const hubspot = await hubspotSimulator.start({ port: 0 });
const app = (await (await fetch(`${hubspot.url}/sim/app`)).json()) as { accessTokens: string[] };
// A secret as a deployment gives it: a reference, resolved by the hub from its environment (this process).
process.env.EAI_BENCH_HUBSPOT_TOKEN = app.accessTokens[0]!;
const hub = await startHub({
  ...stack,
  group: `eai-bench-sinks-${run}`,
  logger: pino({ level: 'warn' }),
  tokens: [{ name: 'bench', role: 'admin', sha256: hashToken(run) }],
  port: 0,
});
const bus = createBus({
  brokers: stack.brokers,
  registryUrl: stack.registryUrl,
  clientId: 'eai-bench-sinks',
});
const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };

/** The write requests the simulator applied for golden ids of `prefix`: one idempotency key a request. */
async function requestsOf(prefix: string): Promise<number> {
  const answer = await fetch(`${hubspot.url}/sim/effects?entityType=contact`);
  const { effects } = (await answer.json()) as {
    effects: Array<{ idempotencyKey?: string; detail?: { id?: string } }>;
  };
  return new Set(effects.filter((e) => e.detail?.id?.startsWith(prefix)).map((e) => e.idempotencyKey)).size;
}

async function measure(batchSize: number): Promise<Result> {
  const topic = `bench.customer.${run}.${batchSize}`;
  const prefix = `G-${run}-${batchSize}-`;
  await bus.provisionTopics([{ topic, partitions: 3 }]);
  const publisher = await bus.publisher();
  try {
    for (let from = 0; from < RECORDS; from += 1000)
      await publisher.publish(
        Array.from({ length: Math.min(1000, RECORDS - from) }, (_, i) => ({
          schema: 'CustomerEvent',
          topic,
          value: {
            ...base,
            changeType: 'UPDATED',
            changedFields: ['person.familyName'],
            origin: { system: 'mdm', documentId: null, changeOrigin: null, changedBy: null },
            customer: {
              ...base.customer,
              customerId: `${prefix}${from + i}`,
              sourceIds: [],
              emails: [],
              phones: [],
              partyType: 'PERSON',
              organizationName: null,
              person: { title: null, givenName: 'Bench', middleName: null, familyName: `Family ${from + i}` },
            },
          },
        })),
      );
  } finally {
    await publisher.close();
  }
  const name = `bench-hubspot-${run}-${batchSize}`;
  say(`hubspot-upsert-sink, batchSize ${batchSize}: ${RECORDS.toLocaleString('en')} records from ${topic}…`);
  const started = performance.now();
  await hub.runtime.put(
    {
      name,
      type: 'hubspot-upsert-sink',
      topics: [topic],
      mapping: 'hubspot/batch-upsert.from-canonical.yaml',
      config: {
        baseUrl: hubspot.url,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, resolved by the hub
        accessToken: '${env:EAI_BENCH_HUBSPOT_TOKEN}',
        batchSize,
      },
    },
    'bench',
  );
  let handled = 0;
  let last = performance.now();
  // The rate runs from the first record written: the sink's start (its consumer group's join) is the same for each.
  let firstAt: number | undefined;
  while (handled < RECORDS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const metrics = (await hub.runtime.status(name))?.metrics;
    if (metrics && metrics.recordsFailed > 0)
      throw new Error(
        `${name}: ${metrics.recordsFailed} records failed (${metrics.lastError ?? 'no reason'})`,
      );
    handled = metrics?.recordsOut ?? 0;
    if (handled > 0) firstAt ??= performance.now();
    if (performance.now() - last >= 1000) {
      say(`  ${handled.toLocaleString('en')} of ${RECORDS.toLocaleString('en')} written`);
      last = performance.now();
    }
    if (performance.now() - started > 600_000) throw new Error(`${name}: ${handled} of ${RECORDS} in 600 s`);
  }
  const seconds = (performance.now() - (firstAt ?? started)) / 1000;
  await hub.runtime.remove(name);
  const requests = await requestsOf(prefix);
  const perRecord = requests / RECORDS;
  return {
    batchSize,
    records: RECORDS,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(RECORDS / seconds),
    requests,
    ceiling: {
      starter: Math.round(LIMITS.starter / 10 / perRecord),
      professional: Math.round(LIMITS.professional / 10 / perRecord),
    },
  };
}

const results: Result[] = [];
try {
  for (const size of SIZES) results.push(await measure(size));
} finally {
  await hub.close();
  await hubspot.close();
}
const first = results[0]!;
if (args.json) {
  console.log(JSON.stringify({ records: RECORDS, results }));
} else {
  console.log(
    `HubSpot upsert sink, ${RECORDS.toLocaleString('en')} CustomerEvents into the HubSpot simulator`,
  );
  for (const r of results)
    console.log(
      `batchSize ${String(r.batchSize).padStart(3)}: ${String(r.recordsPerSecond).padStart(6)} records/s (${(r.recordsPerSecond / first.recordsPerSecond).toFixed(1)}× batchSize ${first.batchSize}), ${r.requests} requests; HubSpot's limit allows ${r.ceiling.starter} records/s (Starter) / ${r.ceiling.professional} (Professional)`,
    );
}
process.exit(0);
