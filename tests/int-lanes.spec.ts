import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lanesOf } from './int-lanes.ts';

describe('the lane of an int file', () => {
  it('is shared for a file that names a fixed topic', () => {
    expect(lanesOf("const from = await topicEnds('canonical.customer');")).toEqual(['shared']);
    expect(lanesOf('readRawMessages(`dlq.sink`, 1)')).toEqual(['shared']);
    expect(lanesOf('topics: ["mdm.customer-sync.hubspot"]')).toEqual(['shared']);
  });

  it('is shared for a file that runs the hub, eai, the demo, or lists every consumer group', () => {
    expect(lanesOf('const hub = await startHub({})')).toEqual(['shared']);
    expect(lanesOf("await runEai(['dlq', 'ls'])")).toEqual(['shared']);
    expect(lanesOf("import { groupsOf } from '../tests/consumer-groups.ts';")).toEqual(['shared']);
  });

  it('is none for a file that names its own topics, or only a mapping file that looks like one', () => {
    expect(lanesOf("const topic = unique('t-o2d'); load('sap/orders05.to-canonical.yaml')")).toEqual([]);
    expect(lanesOf("const file = 'canonical.yaml';")).toEqual([]);
    expect(lanesOf('const started = await startHubless()')).toEqual([]);
  });

  it('puts the specs that share the broker with the demo in the lane, and the orchestrator specs beside it', () => {
    const of = (file: string) => lanesOf(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));
    expect(of('cli/demo.int.spec.ts')).toEqual(['shared']);
    expect(of('connectors/runtime/runtime.int.spec.ts')).toEqual(['shared']);
    expect(of('orchestrator/workflows/order-to-delivery/order-to-delivery.int.spec.ts')).toEqual([]);
    expect(of('masterdata/store.int.spec.ts')).toEqual([]);
  });
});
