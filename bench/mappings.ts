// Benchmark: documents/s and records/s per format (parse + map + schema validation), against a baseline measured in
// the same run on the same records: JSON.parse + JSON.stringify of the canonical output. Also the peak memory of
// `eai map` on a 50 MB document per format, each in its own process. And the time per line of one document of
// 10, 100, 1,000 and 10,000 lines per format (flat = linear; `makeDocumentWithLines` in each format's fixtures).
// Not a test: figures go in the closing note.
// Usage: npm run bench:mappings [-- --seconds 2 --json --skip-large --skip-rates --lines 10,100,1000,10000
//        --formats x12-856,salesforce-cdc]
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { findReader, readers } from '../formats/index.ts';
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import { fixtureInputs } from '../mappings/engine/fixtures.ts';
import { mapBytes, shippedInboundMapping } from '../mappings/index.ts';
import { benchArgs } from './args.ts';

/** Each format with its shipped mapping (named for a format no mapping reads by default, as csv). */
const mappingOf = (format: string) => shippedInboundMapping(format);

quietKnownWarnings();

const { values: args } = benchArgs('npm run bench:mappings --', {
  options: {
    seconds: { type: 'string', default: '2' },
    json: { type: 'boolean' },
    'skip-large': { type: 'boolean' },
    'large-child': { type: 'string' },
    formats: { type: 'string' },
    lines: { type: 'string', default: '10,100,1000,10000' },
    'skip-rates': { type: 'boolean' },
  },
});

type Generator = (bytes: number) => Buffer;
const generator = async (format: string): Promise<Generator> =>
  ((await import(`../formats/${format}/fixtures/large.ts`)) as { makeLargeDocument: Generator })
    .makeLargeDocument;

// Child mode: map one 50 MB document and report this process's peak memory.
if (args['large-child']) {
  const format = args['large-child'];
  const input = (await generator(format))(50_000_000);
  const started = performance.now();
  let outcome: string;
  try {
    const mapped = await mapBytes(format, input, { mapping: mappingOf(format) });
    outcome = `mapped ${mapped.reduce((n, d) => n + d.records.length, 0)} records`;
  } catch (error) {
    outcome = `refused: ${(error as Error).message.slice(0, 100)}`;
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    JSON.stringify({ format, seconds, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), outcome }),
  );
  process.exit(0);
}

/** The realistic documents the issue names; other formats use their largest fixture. */
const realistic: Record<string, { describe: string; enough: (input: Buffer) => boolean }> = {
  'sap-idoc-orders05': {
    describe: 'IDoc with 50 items',
    enough: (b) =>
      (findReader('sap-idoc-orders05').parse(b)[0]!.tree as { items: unknown[] }).items.length >= 50,
  },
  'x12-856': { describe: '856 with 20 packs', enough: (b) => findReader('x12-856').parse(b).length >= 1 },
  'salesforce-cdc': {
    describe: '100-record CDC batch',
    enough: (b) => findReader('salesforce-cdc').parse(b).length >= 100,
  },
};

async function documentFor(format: string): Promise<{ bytes: Buffer; describe: string }> {
  const spec = realistic[format];
  if (spec) {
    const make = await generator(format);
    for (let size = 1000; ; size = Math.ceil(size * 1.1)) {
      const bytes = make(size);
      if (spec.enough(bytes)) return { bytes, describe: spec.describe };
    }
  }
  const files = fixtureInputs(mappingOf(format).fixturesDir);
  const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  return { bytes: readFileSync(largest), describe: `largest fixture (${largest.split('/').pop()})` };
}

/** Runs `fn` repeatedly for about `seconds`, returns runs per second. */
async function rate(seconds: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await fn();
    runs++;
  }
  return runs / ((performance.now() - started) / 1000);
}

const seconds = Number(args.seconds);
const wanted = args.formats?.split(',');
const selected = readers.filter((r) => !wanted || wanted.includes(r.name));
const rows = [];
for (const [i, reader] of args['skip-rates'] ? [] : selected.entries()) {
  process.stderr.write(`[${i + 1}/${selected.length}] ${reader.name}\n`);
  const { bytes, describe } = await documentFor(reader.name);
  const sample = await mapBytes(reader.name, bytes, { mapping: mappingOf(reader.name) });
  const records = sample.flatMap((d) => d.records);
  const json = JSON.stringify(records);
  const docsPerSecond = await rate(seconds, () =>
    mapBytes(reader.name, bytes, { mapping: mappingOf(reader.name) }),
  );
  const baselinePerSecond = await rate(seconds, () => JSON.stringify(JSON.parse(json)));
  rows.push({
    format: reader.name,
    document: describe,
    bytes: bytes.length,
    records: records.length,
    documentsPerSecond: Math.round(docsPerSecond * 10) / 10,
    recordsPerSecond: Math.round(docsPerSecond * records.length),
    baselineDocumentsPerSecond: Math.round(baselinePerSecond),
    ratioToJsonBaseline: Number((docsPerSecond / baselinePerSecond).toFixed(4)),
  });
}

const large = [];
if (!args['skip-large']) {
  for (const [i, reader] of selected.entries()) {
    process.stderr.write(`[50 MB ${i + 1}/${selected.length}] ${reader.name}\n`);
    const out = execFileSync(process.execPath, [import.meta.filename, '--large-child', reader.name], {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    });
    large.push(JSON.parse(out) as { format: string; seconds: number; maxRssMb: number; outcome: string });
  }
}

/** One document of n lines per format, mapped once per size after a warm-up: microseconds per line. */
type LinesGenerator = (lines: number) => Buffer;
const lineCounts = args.lines === '' ? [] : (args.lines ?? '').split(',').map(Number);
const scaling = [];
for (const [i, reader] of lineCounts.length === 0 ? [] : selected.entries()) {
  process.stderr.write(`[lines ${i + 1}/${selected.length}] ${reader.name}\n`);
  const make = (
    (await import(`../formats/${reader.name}/fixtures/large.ts`)) as { makeDocumentWithLines: LinesGenerator }
  ).makeDocumentWithLines;
  await mapBytes(reader.name, make(10), { mapping: mappingOf(reader.name) });
  const points = [];
  for (const lines of lineCounts) {
    const bytes = make(lines);
    const started = performance.now();
    // The cost itself is measured here, past the per-document deadline and memory budget that would refuse it.
    const mapped = await mapBytes(reader.name, bytes, {
      mapping: mappingOf(reader.name),
      deadlineMs: Number.POSITIVE_INFINITY,
      memoryBudgetBytes: Number.POSITIVE_INFINITY,
    });
    const ms = performance.now() - started;
    points.push({
      lines,
      bytes: bytes.length,
      records: mapped.reduce((n, d) => n + d.records.length, 0),
      ms: Math.round(ms),
      microsecondsPerLine: Math.round((ms * 1000) / lines),
    });
  }
  // Flat = linear: the largest document's time per line over the smallest's above 10 lines (fixed costs).
  const base = points.find((p) => p.lines >= 100) ?? points[0];
  const last = points[points.length - 1];
  scaling.push({
    format: reader.name,
    points,
    growth: base && last ? Number((last.microsecondsPerLine / base.microsecondsPerLine).toFixed(2)) : null,
  });
}

if (args.json) process.stdout.write(`${JSON.stringify({ rows, large, scaling })}\n`);
else {
  const lines = rows.map(
    (r) =>
      `${r.format.padEnd(21)} ${r.document.padEnd(44)} ${String(r.records).padStart(4)} rec  ${String(r.documentsPerSecond).padStart(8)} docs/s  ${String(r.recordsPerSecond).padStart(7)} rec/s  JSON baseline ${String(r.baselineDocumentsPerSecond).padStart(7)}/s  ratio ${r.ratioToJsonBaseline}`,
  );
  const largeLines = large.map(
    (l) => `${l.format.padEnd(21)} 50 MB: ${l.seconds.toFixed(2)} s, peak RSS ${l.maxRssMb} MB, ${l.outcome}`,
  );
  const scalingLines = scaling.map(
    (s) =>
      `${s.format.padEnd(21)} µs/line ${s.points.map((p) => `${p.lines}: ${p.microsecondsPerLine}`).join('  ')}  (growth ${s.growth}x)`,
  );
  process.stdout.write(`${[...lines, '', ...largeLines, '', ...scalingLines].join('\n')}\n`);
}
