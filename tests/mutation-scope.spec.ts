import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm run test:mutation` mutates parts of files by line range (stryker.config.json). Code added above a part moves
// it out of its range unseen: the decimal functions grew by 40 lines and `$timestamp`, its DST pass included, was no
// longer mutated. Each range must still hold the code issue 16 §3 asks to mutate, from its first line to its last.
const scope: Record<string, { from: string; to: string }> = {
  'mappings/engine/functions.ts': { from: 'export function decimal(', to: 'export function parseTime(' },
  'formats/text-input/calendar.ts': { from: 'export function isoMillis(', to: 'export function isoMillis(' },
  'formats/x12-856/hierarchy.ts': {
    from: "if (id === '') check.fail(hl.$loc, 'HL01",
    to: "if (levelCode === '') check.fail(hl.$loc, 'HL03",
  },
  'formats/sap-idoc-orders05/values.ts': { from: 'export function sapTime(', to: 'export function sapTime(' },
};

/** 1-based lines of the statement or function that starts with `marker`: through its closing `}` at column 0. */
function linesOf(lines: string[], marker: string): { first: number; last: number } {
  const start = lines.findIndex((l) => l.trim().startsWith(marker));
  expect(start, marker).toBeGreaterThanOrEqual(0);
  if (!lines[start]!.startsWith('export function') && !lines[start]!.startsWith('function'))
    return { first: start + 1, last: start + 1 };
  const end = lines.findIndex((l, i) => i > start && l === '}');
  return { first: start + 1, last: end + 1 };
}

describe('test:mutation scope', () => {
  const config = JSON.parse(readFileSync('stryker.config.json', 'utf8')) as { mutate: string[] };
  const ranges = new Map(
    config.mutate.map((entry) => {
      const [file, range] = entry.split(':');
      const [from, to] = (range ?? '').split('-').map(Number);
      return [file!, range ? { from: from!, to: to! } : undefined];
    }),
  );

  it.each(Object.entries(scope))(
    '%s: the range holds the code it is meant to mutate',
    (file, { from, to }) => {
      expect(ranges.has(file), `${file} in stryker.config.json`).toBe(true);
      const range = ranges.get(file);
      if (!range) return; // the whole file
      const lines = readFileSync(file, 'utf8').split('\n');
      const first = linesOf(lines, from).first;
      const last = linesOf(lines, to).last;
      expect(range.from, `${file}: range starts at or before line ${first}`).toBeLessThanOrEqual(first);
      expect(range.to, `${file}: range ends at or after line ${last}`).toBeGreaterThanOrEqual(last);
    },
  );
});
