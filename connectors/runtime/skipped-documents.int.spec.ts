import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../lib/metrics.ts';
import { unique } from '../../tests/stack.ts';
import { waitFor } from '../../tests/wait-for.ts';
import type { ConnectorRuntime } from '../index.ts';
import { startRuntime } from './test-support.ts';

const fixtures = 'formats/epcis-2/fixtures';

/**
 * A document its mapping selects nothing from (an EPCIS aggregation event: no shipment in it) is neither published
 * nor dead-lettered; it was counted nowhere, so a connector fed only such documents looked idle. It is counted as
 * skipped, in the status and in `eai_connector_records_skipped_total`, beside a document that maps.
 */
describe('a source document that maps to no record', () => {
  let runtime: ConnectorRuntime;

  beforeAll(async () => {
    ({ runtime } = await startRuntime('/eai/tests/skipped-documents'));
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('is counted as skipped in the status and the metrics, the other document published', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-drop-skipped-'));
    const name = unique('epcis-skip');
    await runtime.put(
      {
        name,
        type: 'file-source',
        format: 'epcis-2',
        mapping: 'logistics/epcis-2.to-canonical.yaml',
        config: { dir, stableMs: 50 },
      },
      'test',
    );
    copyFileSync(join(fixtures, 'aggregation-event-sscc.json'), join(dir, 'aggregation.json'));
    copyFileSync(join(fixtures, 'shipping-object-event-bare-words.json'), join(dir, 'shipping.json'));
    await waitFor(
      'both files done',
      () =>
        existsSync(join(dir, 'done', 'aggregation.json')) && existsSync(join(dir, 'done', 'shipping.json')),
    );
    const metrics = (await runtime.status(name))!.metrics;
    expect(metrics).toMatchObject({
      recordsIn: 2,
      recordsOut: 2,
      recordsSkipped: 1,
      skippedReasons: { 'mappings/logistics/epcis-2.to-canonical.yaml selects no record from it': 1 },
      recordsFailed: 0,
    });
    const skipped = (
      await metricsRegistry.getSingleMetric('eai_connector_records_skipped_total')!.get()
    ).values.find((v) => v.labels.connector === name);
    expect(skipped?.value).toBe(1);
  });
});
