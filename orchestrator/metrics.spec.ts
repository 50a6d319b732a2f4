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

  it('exports 0 for each type the engine runs with none parked, not nothing (a dashboard\'s "no data")', async () => {
    // Seen in the ops trial: with nothing parked the gauge had no series at all, so the dashboard's parked panel said
    // "no data" and a query for 0 found nothing.
    const types = ['complaint-return', 'order-to-delivery'];
    setParkedSource(async () => [], types);
    expect(await parkedLines()).toEqual([
      'eai_workflows_parked{type="complaint-return"} 0',
      'eai_workflows_parked{type="order-to-delivery"} 0',
    ]);
    // A type parked, one no longer defined too: counted; the others stay 0.
    setParkedSource(
      async () => [
        { type: 'order-to-delivery', parked: 3 },
        { type: 'retired', parked: 1 },
      ],
      types,
    );
    expect(await parkedLines()).toEqual([
      'eai_workflows_parked{type="complaint-return"} 0',
      'eai_workflows_parked{type="order-to-delivery"} 3',
      'eai_workflows_parked{type="retired"} 1',
    ]);
  });

  it('exports no 0 before it has counted once (the database not answering is not "none parked")', async () => {
    setParkedSource(undefined);
    expect(await parkedLines()).toEqual([]);
    setParkedSource(async () => undefined, ['order-to-delivery']);
    expect(await parkedLines()).toEqual([]);
  });
});
