import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaDataState, kafkaStartTimeout } from './kafka.ts';

describe('kafkaDataState', () => {
  it('counts the partition folders and sees a clean stop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-kafka-data-'));
    try {
      for (const name of ['__consumer_offsets-0', 'canonical.customer-5', 'test.x-1a2b-0'])
        mkdirSync(join(dir, name));
      mkdirSync(join(dir, 'not-a-partition'));
      writeFileSync(join(dir, 'meta.properties-1'), '');
      expect(kafkaDataState(dir)).toEqual({ partitions: 3, cleanShutdown: false });
      writeFileSync(join(dir, '.kafka_cleanshutdown'), '');
      expect(kafkaDataState(dir)).toEqual({ partitions: 3, cleanShutdown: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a fresh broker without a data folder', () => {
    expect(kafkaDataState(join(tmpdir(), 'eai-no-such-kafka-data'))).toEqual({
      partitions: 0,
      cleanShutdown: false,
    });
  });
});

describe('kafkaStartTimeout', () => {
  it('gives a fresh broker a minute', () => {
    expect(kafkaStartTimeout({ partitions: 0, cleanShutdown: false }).timeoutMs).toBe(60_000);
  });

  it('waits longer for a broker that recovers thousands of partitions after an unclean stop, and says why', () => {
    // A development broker killed with 5,000 partition folders was still recovering them after 60 s; stopped then,
    // it began again at each `eai stack up` and never came up (waited for, it took 2 min 50 s).
    const recovering = kafkaStartTimeout({ partitions: 5_000, cleanShutdown: false });
    expect(recovering.timeoutMs).toBeGreaterThanOrEqual(5 * 60_000);
    expect(recovering.why).toBe('5000 partition folders to recover after an unclean stop');
    const clean = kafkaStartTimeout({ partitions: 5_000, cleanShutdown: true });
    expect(clean.timeoutMs).toBeGreaterThan(60_000);
    expect(clean.timeoutMs).toBeLessThan(recovering.timeoutMs);
    expect(clean.why).toBe('5000 partition folders to load');
  });

  it('is bounded', () => {
    expect(kafkaStartTimeout({ partitions: 40_000, cleanShutdown: false }).timeoutMs).toBe(15 * 60_000);
  });
});
