import { setFlagsFromString } from 'node:v8';
import { ConfigError } from './errors.ts';

/** The hub's default: after each full collection the old generation may grow to three times what survived. */
export const DEFAULT_HEAP_GROWING_PERCENT = 200;

/**
 * Sets how far V8 lets the old generation grow past what survived its last full collection before it starts the next
 * one (`--heap-growing-percent`: the limit is `(1 + percent / 100)` times the survivors, plus the young generation);
 * 0 leaves V8's own factor. V8 reads the flag each time it sets that limit, so it applies from the next collection on.
 *
 * Why the hub sets it: under a steady request load V8's own factor here was ~1.1-1.4, which leaves less room above the
 * survivors (~55 MB for a hub with its connectors, mappings and dedup ids) than the young generation may promote at
 * once (64 MB semispaces on Node 24 without pointer compression). V8 then starts incremental marking right after
 * each full collection ends: one every 0.5 s, each stopping the event loop 6-17 ms, which at 1,000 webhook requests/s
 * put p99 at 35-45 ms once the process had run a minute (bench:webhooks; docs/benchmarks.md). At 200 % a full collection
 * came every 10 s or more. The cost is memory: the heap may grow to about three times its live size.
 */
export function setHeapGrowingPercent(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000)
    throw new ConfigError(`heap growing percent must be a whole number from 0 to 1000, got ${percent}`);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
