import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * A mapping thread optimizes its hot code sooner (jit-tiering.ts): a function called 3,000 times is TurboFan's with
 * the thread's flags, and not with V8's defaults (3,000 calls, and each new type feedback waits more out). Each in a
 * process of its own, V8's flags being the process's; compiled on the main thread (--no-concurrent-recompilation), so
 * the call at which it is optimized does not depend on the machine's load.
 */
const PROBE = `
import { tierUpForMapping } from ${JSON.stringify(new URL('./jit-tiering.ts', import.meta.url).pathname)};
if (process.argv[1] === 'tiered') tierUpForMapping();
const f = new Function('o', 'let s = 0; for (const k in o) s += o[k]; return s;');
const status = new Function('f', 'return %GetOptimizationStatus(f);');
let turbofan = null;
for (let i = 1; i <= 3000 && turbofan === null; i++) {
  f({ a: i, b: 2 });
  // V8's OptimizationStatus: bit 6, TurboFanned.
  if (status(f) & 64) turbofan = i;
}
console.log(JSON.stringify({ turbofan }));
`;

function turbofanAt(mode: 'tiered' | 'default'): number | null {
  const child = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', PROBE, mode],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`probe failed: ${child.stderr}`);
  return (JSON.parse(child.stdout.trim()) as { turbofan: number | null }).turbofan;
}

describe('mapping threads tier up sooner', () => {
  it('optimizes a hot function with TurboFan within 3,000 calls, where V8 by default does not', () => {
    const tiered = turbofanAt('tiered');
    expect(tiered).not.toBeNull();
    expect(tiered!).toBeLessThan(3000);
    expect(turbofanAt('default')).toBeNull();
  });
});
