// Benchmark: CPU µs per Shopify order line for each stage of the connectors benchmark's hub path (parse, mapping fields,
// defaults, Avro encoding, publisher prepare, and the mapping step as a whole, called as the source host calls it:
// prepareEagerly, without a promise when none is needed; a checkout without it, prepare), and of the parts of the
// encoding (`avsc`: avsc's generic encoder; `write`: the checkout's compiled writer alone; `build`: copying the
// canonical objects as the mapping builds them; `fields-bus`: the fields as the bus's path maps them, a `$merge`
// field's entries kept for the writer; `encode` is the bus's, wire header and copy out included), for this checkout
// and for another one (`--old`, e.g. main's worktree) in the same process, alternating rounds: the machine is shared
// and noisy, so the two are compared side by side. Each checkout's modules are imported from its own folder; the
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
/** Orders a stage runs over before the next stage takes them. */
const CHUNK = 500;
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
  // The parts of the encoding, where the checkout has them: avsc's generic encoder into a reused buffer, the writer
  // compiled for the schema alone (no wire header, no copy out), and a copy of the canonical objects made as the
  // mapping's generated code makes them (what building them costs beyond evaluating the mapping's expressions).
  const scratch = Buffer.allocUnsafe(1 << 20);
  const compiled = await at('schemas/avro-writer.ts').catch(() => undefined);
  const write = compiled?.avroWriter(type);
  const copy = copierOf(type);
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
      times[stage] = (times[stage] ?? 0) + (cpu() - started) / lines.length;
      return out;
    };
    // The stages over a chunk of orders at a time: what one leaves for the next stays young, so a full collection
    // of everything a whole run's stages kept does not land in whichever stage happens to run then.
    for (let from = 0; from < lines.length; from += CHUNK) {
      const chunk = lines.slice(from, from + CHUNK);
      const docs = time('parse', () => chunk.map((line) => reader.parse(line)[0]));
      const fields = (entries: boolean) =>
        docs.map((document) => {
          const { format, kind, id, source } = document;
          const doc = { format, kind, id, source, receivedAt: receivedAt.toISOString() };
          return mapFast(mapping, document.tree, doc, startBudget({}), entries)[0].built;
        });
      const built = time('fields', () => fields(false));
      // As the bus's path maps them, where the checkout has it: a `$merge` field's entries not made an object.
      if (compiled?.MapEntries) time('fields-bus', () => fields(true));
      time('build', () => built.map(copy));
      const filled = time('defaults', () => built.map((value: unknown) => withDefaults(type, value)));
      time('avsc', () => filled.map((value: unknown) => type.encode(value, scratch, 5)));
      if (write) time('write', () => filled.map((value: unknown) => write(value, scratch, 5)));
      const encoded = time('encode', () => filled.map((value: unknown) => encode(value)));
      await time('prepare', () =>
        publisher.prepare(
          filled.map((value: Record<string, unknown>, i: number) => ({
            schema: mapping.schema.fullName,
            value,
            key: mapping.schema.key(value),
            encoded: encoded[i],
            attributes: {
              id: docs[i].id,
              source: '/shopify-order/web',
              type: 'x',
              correlationId: docs[i].id,
            },
          })),
        ),
      );
    }
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

/**
 * A copier of values of an avsc type: each record copied into `{}` one present field at a time, as the compiled
 * mapping's fields functions store them (mappings/engine/run-fast.ts), maps into prototype-less objects, arrays item
 * by item; text, numbers and the rest kept.
 */
function copierOf(type: { typeName: string }, known = new Map<object, (value: unknown) => unknown>()) {
  const found = known.get(type);
  if (found) return found;
  const t = type as {
    typeName: string;
    fields?: Array<{ name: string; type: { typeName: string } }>;
    itemsType?: { typeName: string };
    valuesType?: { typeName: string };
    types?: Array<{ typeName: string }>;
  };
  let copy: (value: unknown) => unknown = (value) => value;
  known.set(type, (value) => copy(value));
  if (t.fields) {
    const inner = t.fields.map((f) => copierOf(f.type, known));
    const body = t.fields
      .map(
        (f, i) =>
          `x = v[${JSON.stringify(f.name)}]; if (x !== undefined) out[${JSON.stringify(f.name)}] = c[${i}](x);`,
      )
      .join('\n');
    copy = new Function('c', `return function (v) { const out = {}; let x;\n${body}\nreturn out; }`)(inner);
  } else if (t.itemsType) {
    const item = copierOf(t.itemsType, known);
    copy = (value) => (Array.isArray(value) ? value.map(item) : value);
  } else if (t.valuesType) {
    copy = (value) => Object.assign(Object.create(null), value);
  } else if (t.types) {
    const branches = t.types.map((b) => copierOf(b, known));
    const record = t.types.findIndex((b) => b.typeName === 'record');
    const array = t.types.findIndex((b) => b.typeName === 'array');
    copy = (value) =>
      Array.isArray(value) && array >= 0
        ? branches[array]!(value)
        : value !== null && typeof value === 'object' && record >= 0
          ? branches[record]!(value)
          : value;
  }
  return known.get(type)!;
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
const stages = [...new Set([...results.values()].flatMap((runs) => Object.keys(runs[0]!)))];
console.log(
  `CPU µs per record, median of ${rounds} rounds of ${records} orders (load ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
console.log(['stage', ...checkouts.map(([name]) => name)].join('\t'));
for (const stage of stages)
  console.log(
    [
      stage,
      ...checkouts.map(([name]) =>
        results.get(name)![0]![stage] === undefined
          ? '-'
          : median(results.get(name)!.map((t) => t[stage]!)).toFixed(1),
      ),
    ].join('\t'),
  );
