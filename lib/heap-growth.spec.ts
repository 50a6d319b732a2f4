import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { setHeapGrowingPercent } from './heap-growth.ts';

const run = promisify(execFile);

/**
 * In a process of its own: 60 MB that stays, then ~200 MB of objects that outlive two scavenges (a 1 MB young
 * generation) and die in the old one; prints how many full collections that took.
 */
const WORKLOAD = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
const { setHeapGrowingPercent } = await import(${JSON.stringify(new URL('./heap-growth.ts', import.meta.url).href)});
setHeapGrowingPercent(Number(process.argv[1]));
let full = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
}).observe({ entryTypes: ['gc'] });
const live = Array.from({ length: 500_000 }, (_, i) => ({ id: 'id-' + i + '-'.repeat(40), n: i }));
globalThis.gc();
await new Promise((resolve) => setTimeout(resolve, 20));
full = 0;
const window = new Array(50_000);
for (let i = 0; i < 2_000_000; i++) window[i % window.length] = { i, s: 'v' + i, a: [i] };
await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(JSON.stringify({ full, live: live.length }));
`;

async function fullCollections(percent: number): Promise<number> {
  const { stdout } = await run(process.execPath, [
    '--expose-gc',
    '--max-semi-space-size=1',
    '--input-type=module',
    '-e',
    WORKLOAD,
    String(percent),
  ]);
  return (JSON.parse(stdout) as { full: number }).full;
}

describe('heap growing percent', () => {
  it('sets how far the old generation grows between full collections, from the next one on', async () => {
    const [tight, roomy] = await Promise.all([fullCollections(10), fullCollections(200)]);
    // At 10 % a full collection comes every few MB of promoted garbage; at 200 % every ~120 MB.
    expect(roomy).toBeLessThanOrEqual(4);
    expect(tight).toBeGreaterThan(4 * Math.max(roomy, 1));
  }, 60_000);

  it('refuses what is not a whole percent from 0 to 1000', () => {
    for (const wrong of [-1, 1.5, 1001, Number.NaN])
      expect(() => setHeapGrowingPercent(wrong)).toThrow(ConfigError);
  });
});
