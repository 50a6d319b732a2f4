import { describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../lib/metrics.ts';
import { exampleJson } from '../../schemas/examples.ts';
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
      const attemptsBefore = await retrying();

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
      // The same record failing since the same moment, its attempts counted on (before: since started again, and
      // the attempts from 1, at each resume and restart).
      const resumed = (await runtime.status(name))!.metrics.retrying!;
      expect(Date.parse(resumed.since) / 1000).toBe(since);
      expect(resumed.attempts).toBeGreaterThan(attemptsBefore);

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

  it("says the backlog's age as the age of the record in hand, not the time since the last one applied was produced", async () => {
    // The breaker half-opens after a second (its default, 30 s, would hold the catch-up at the end).
    const o = await sinkAgainstOutage('/eai/tests/sink-retry-control', 'Quiet', {
      breaker: { consecutiveFailures: 5, halfOpenAfterMs: 1_000 },
    });
    const { runtime, name } = o;
    const status = async () => (await runtime.status(name))!.metrics;
    try {
      o.target.down = false;
      await waitFor('the first three applied', async () => (await status()).recordsOut === 3, 30_000);
      // The topic stays quiet; then a record comes while the target is down.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      o.target.down = true;
      const publisher = await o.bus.publisher();
      const base = exampleJson('CustomerEvent') as { customer: Record<string, unknown> };
      const producedAt = Date.now();
      await publisher.publish([
        {
          schema: 'CustomerEvent',
          topic: o.topic,
          value: {
            ...base,
            customer: { ...base.customer, customerId: 'C-Quiet', organizationName: 'Quiet v4' },
          },
        },
      ]);
      await publisher.close();
      await waitFor(
        'the sink retrying the fourth',
        async () => ((await status()).retrying?.attempts ?? 0) >= 1,
      );
      const lag = await status();
      const age = (Date.now() - producedAt) / 1000;
      // Before: 5 s and more (the time since the third, produced before the quiet spell), sync health's 300 s
      // reason tripped by a record seconds old.
      expect(lag.lagRecords).toBe(1);
      expect(lag.lagSeconds).toBeLessThanOrEqual(age + 0.5);
      expect(lag.lagSeconds).toBeLessThan(4.5);
      // It grows while the record waits.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await status()).lagSeconds).toBeGreaterThanOrEqual(1.4);
      o.target.down = false;
      await waitFor('caught up', async () => (await status()).lagRecords === 0, 30_000);
      expect((await status()).lagSeconds).toBe(0);
    } finally {
      await o.close();
    }
  }, 90_000);
});
