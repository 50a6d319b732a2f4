import { describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../lib/metrics.ts';
import { waitFor } from '../../tests/wait-for.ts';
import { sinkAgainstOutage } from './test-support.ts';

describe('a sink retrying a target that is down, paused and resumed by an operator', () => {
  it('is not shown retrying while paused, and counts each record in once across its tasks (in = out once caught up)', async () => {
    // The runtime as a hub runs it: sink retries unbounded.
    const o = await sinkAgainstOutage('/eai/tests/sink-retry-control', 'Paused');
    const { runtime, name } = o;
    try {
      const retrying = async () => (await runtime.status(name))?.metrics.retrying?.attempts ?? 0;
      await waitFor('the sink retrying', async () => (await retrying()) >= 2);
      // In /metrics too, for an alert on a sink stuck behind a record.
      const retryingSince = async () => {
        const text = await metricsRegistry.getSingleMetricAsString(
          'eai_connector_retrying_since_timestamp_seconds',
        );
        const line = text.split('\n').find((l) => l.includes(`connector="${name}"`));
        return line === undefined ? undefined : Number(line.split(' ').at(-1));
      };
      const since = Date.parse((await runtime.status(name))!.metrics.retrying!.since) / 1000;
      expect(await retryingSince()).toBe(since);

      await runtime.setTargetState(name, 'PAUSED');
      const paused = (await runtime.status(name))!;
      expect(paused.state).toBe('PAUSED');
      // Before: still "retrying" (since, attempts) while paused, and sync health said the changes go on by themselves.
      expect(paused.metrics.retrying).toBeNull();
      expect(await retryingSince()).toBe(0);

      // Resumed, and restarted, while the target is still down: the record in hand goes to each new task again.
      await runtime.setTargetState(name, 'RUNNING');
      await waitFor('the resumed sink retrying', async () => (await retrying()) >= 2);
      await runtime.restart(name);
      await waitFor('the restarted sink retrying', async () => (await retrying()) >= 1);

      o.target.down = false;
      await waitFor(
        'the sink caught up',
        async () => {
          const status = await runtime.status(name);
          return status?.metrics.recordsOut === 3 && status.metrics.lagRecords === 0;
        },
        30_000,
      );
      const applied = o.answered.filter((a) => a.status === 200).map((a) => a.version);
      expect(applied).toEqual(['Paused v1', 'Paused v2', 'Paused v3']);
      const { metrics } = (await runtime.status(name))!;
      // Before: 5 in for 3 records (each task counted the record it was handed again).
      expect(metrics.recordsIn).toBe(3);
      expect(metrics.recordsIn).toBe(metrics.recordsOut + metrics.recordsSkipped + metrics.recordsFailed);
      expect(metrics.retrying).toBeNull();
    } finally {
      await o.close();
    }
  }, 90_000);
});
