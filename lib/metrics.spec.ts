import { describe, expect, it } from 'vitest';
import { counter, gauge, metricsRegistry } from './metrics.ts';

/** The families of a Prometheus text exposition: name → type, from its `# TYPE` lines. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(match[1]!, match[2]!);
  return out;
}

describe('metrics registry: names as Prometheus (and promtool check metrics) want them', () => {
  it('prefixes every family with eai_, ends counters and only counters in _total, and gives each a HELP', async () => {
    // Two of the hub's own declarations beside the defaults, as the layers declare theirs.
    counter({ name: 'eai_spec_things_total', help: 'things counted by this spec' }).inc();
    gauge({ name: 'eai_spec_level', help: 'a level set by this spec' }).set(1);
    const text = await metricsRegistry.metrics();
    const declared = families(text);
    expect(declared.size).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const [name, type] of declared) {
      if (!name.startsWith('eai_')) wrong.push(`${name}: no eai_ prefix`);
      if (type === 'counter' && !name.endsWith('_total')) wrong.push(`${name}: a counter without _total`);
      if (type !== 'counter' && name.endsWith('_total')) wrong.push(`${name}: a ${type} named _total`);
      if (!new RegExp(`^# HELP ${name} \\S`, 'm').test(text)) wrong.push(`${name}: no HELP`);
    }
    expect(wrong).toEqual([]);
    // The per-type twins of the removed `_total` gauges stay.
    expect(declared.get('eai_nodejs_active_handles')).toBe('gauge');
  });
});
