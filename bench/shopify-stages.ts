// Benchmark: CPU µs per Shopify order line for each stage of the connectors benchmark's hub path (parse, mapping fields,
// defaults, Avro encoding, publisher prepare, and the mapping step as a whole, called as the source host calls it:
// prepareEagerly, without a promise when none is needed; a checkout without it, prepare), for this checkout and for
// another one (`--old`, e.g. main's worktree) in the same process, alternating rounds: the machine is shared and
// noisy, so the two are compared side by side. Each checkout's modules are imported from its own folder; the
// registry is a stub that answers id 1 (nothing is sent). Not a test: figures go in the closing note.
// Usage: npx node bench/shopify-stages.ts [--old /work/main] [--records 20000] [--rounds 5]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    old: { type: 'string' },
    records: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
  },
});
const records = Number(args.records);
const rounds = Number(args.rounds);

type Stage = (lines: Buffer[]) => Promise<Record<string, number>>;

async function stagesOf(root: string): Promise<Stage> {
  const at = (path: string) => import(resolve(root, path));
  const { findReader } = await at('formats/index.ts');
  const { shippedInboundMapping } = await at('mappings/index.ts');
  const { mapFast } = await at('mappings/engine/run-fast.ts');
  const { withDefaults } = await at('mappings/engine/values.ts');
  const { startBudget } = await at('mappings/engine/budget.ts');
  const { AvroSerde } = await at('bus/serde.ts');
  const { createPublisher } = await at('bus/publisher.ts');
  const { createMappingStep } = await at('connectors/runtime/mapping-step.ts');
  const mapping = shippedInboundMapping('shopify-order');
  const type = mapping.outputType;
  const serde = new AvroSerde({ register: async () => 1 });
  const publisher = createPublisher({ send: async () => undefined }, serde, 'bench');
  const encode = await publisher.encoder(mapping.schema.fullName);
  const step = createMappingStep({ publisher, owner: 'bench' });
  const reader = findReader('shopify-order');
  const receivedAt = new Date();
  return async (lines) => {
    const times: Record<string, number> = {};
    // CPU time of the process (this thread, and V8's GC helpers): less disturbed by other sessions than the clock.
    const cpu = () => {
      const { user, system } = process.cpuUsage();
      return user + system;
    };
    const time = <T>(stage: string, run: () => T): T => {
      const started = cpu();
      const out = run();
      times[stage] = (cpu() - started) / lines.length;
      return out;
    };
    const docs = time('parse', () => lines.map((line) => reader.parse(line)[0]));
    const built = time('fields', () =>
      docs.map((document) => {
        const { format, kind, id, source } = document;
        const doc = { format, kind, id, source, receivedAt: receivedAt.toISOString() };
        return mapFast(mapping, document.tree, doc, startBudget({}))[0].built;
      }),
    );
    const filled = time('defaults', () => built.map((value: unknown) => withDefaults(type, value)));
    const encoded = time('encode', () => filled.map((value: unknown) => encode(value)));
    await time('prepare', () =>
      publisher.prepare(
        filled.map((value: Record<string, unknown>, i: number) => ({
          schema: mapping.schema.fullName,
          value,
          key: mapping.schema.key(value),
          encoded: encoded[i],
          attributes: { id: docs[i].id, source: '/shopify-order/web', type: 'x', correlationId: docs[i].id },
        })),
      ),
    );
    const started = cpu();
    let published = 0;
    // As the source host calls it: without a promise when nothing needs one (a checkout without prepareEagerly: prepare).
    for (const bytes of lines) {
      const input = { format: 'shopify-order', bytes, receivedAt };
      let prepared = step.prepareEagerly ? step.prepareEagerly(input) : step.prepare(input);
      if (prepared instanceof Promise) prepared = await prepared;
      published += prepared.published;
    }
    times.step = (cpu() - started) / lines.length;
    if (published !== lines.length) throw new Error(`${root}: ${published} of ${lines.length} published`);
    return times;
  };
}

const { makeOrderLine, seededRandom } = await import('../formats/shopify-order/fixtures/large.ts');
const random = seededRandom(7);
const lines = Array.from({ length: records }, (_, i) => Buffer.from(makeOrderLine(random, i)));
const checkouts: Array<[string, Stage]> = [];
if (args.old) checkouts.push(['old', await stagesOf(args.old)]);
checkouts.push(['new', await stagesOf(resolve(import.meta.dirname, '..'))]);

const results = new Map<string, Array<Record<string, number>>>();
// One warm-up round each, not counted.
for (const [, run] of checkouts) await run(lines.slice(0, 5000));
for (let round = 0; round < rounds; round++)
  for (const [name, run] of round % 2 === 0 ? checkouts : [...checkouts].reverse()) {
    const times = await run(lines);
    results.set(name, [...(results.get(name) ?? []), times]);
  }

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const stages = Object.keys(results.values().next().value![0]!);
console.log(
  `CPU µs per record, median of ${rounds} rounds of ${records} orders (load ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
console.log(['stage', ...checkouts.map(([name]) => name)].join('\t'));
for (const stage of stages)
  console.log(
    [stage, ...checkouts.map(([name]) => median(results.get(name)!.map((t) => t[stage]!)).toFixed(1))].join(
      '\t',
    ),
  );
