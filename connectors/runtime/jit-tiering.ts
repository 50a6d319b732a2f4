import { setFlagsFromString } from 'node:v8';

/**
 * V8's tier-up thresholds for a process that maps documents in bulk: a function optimized by Maglev after 100 calls
 * (V8's default 400) and by TurboFan after 1,000 (default 3,000). A mapping's generated code (mappings/engine/
 * write-fast.ts, fast-codegen.ts) is a few dozen large functions, each called once or a few times per document, whose
 * type feedback keeps changing over the first thousands of documents (an order with a discount, a refund, duties),
 * and each change waits V8's count out again: a fresh mapping thread spent its first ~20,000 Shopify orders at about
 * twice its warm CPU per order (bench/shopify-stages.ts, docs/benchmarks.md), which on a 100,000-order run of two
 * threads was a fifth of the hub's CPU. With these counts the same thread is warm after ~5,000 orders and spends
 * ~10 % less CPU over its first 40,000 (thread and compiler threads together).
 */
export const TIERING_FLAGS = [
  '--invocation-count-for-maglev=100',
  '--invocation-count-for-turbofan=1000',
] as const;

let applied = false;

/**
 * Sets TIERING_FLAGS, once. V8's flags are the process's (every thread's isolate reads them when it decides what to
 * optimize), so this is called where mapping is the process's main work: when a mapping thread starts
 * (mapping-worker.ts).
 */
export function tierUpForMapping(): void {
  if (applied) return;
  applied = true;
  for (const flag of TIERING_FLAGS) setFlagsFromString(flag);
}
