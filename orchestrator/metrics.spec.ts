import { afterEach, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../lib/metrics.ts';
import { setParkedSource } from './metrics.ts';

const parkedLines = async () =>
  (await metricsRegistry.getSingleMetricAsString('eai_workflows_parked'))
    .split('\n')
    .filter((line) => line.startsWith('eai_workflows_parked{'));

afterEach(() => setParkedSource(undefined));

describe('the parked workflows gauge', () => {
  it('reads the figures at each scrape, keeps the last ones while they are not known, and is empty without an engine', async () => {
    setParkedSource(async () => [{ type: 'order-to-delivery', parked: 2 }]);
    expect(await parkedLines()).toEqual(['eai_workflows_parked{type="order-to-delivery"} 2']);
    // The database did not answer in time: not 0 parked, but what was last read.
    setParkedSource(async () => undefined);
    expect(await parkedLines()).toEqual(['eai_workflows_parked{type="order-to-delivery"} 2']);
    setParkedSource(async () => [{ type: 'complaint-return', parked: 1 }]);
    expect(await parkedLines()).toEqual(['eai_workflows_parked{type="complaint-return"} 1']);
    setParkedSource(undefined);
    expect(await parkedLines()).toEqual([]);
  });
});
