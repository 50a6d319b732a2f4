import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { busChecks } from './checks.ts';
import { startOpsServer } from './server.ts';

describe('health and metrics endpoints', () => {
  const stack = testStack();
  let up: Awaited<ReturnType<typeof startOpsServer>>;
  let broken: Awaited<ReturnType<typeof startOpsServer>>;

  beforeAll(async () => {
    up = await startOpsServer({ checks: busChecks(stack.brokers, stack.registryUrl) });
    // Nothing listens on port 1: readiness must say which dependency is down, liveness must stay up.
    broken = await startOpsServer({ checks: busChecks('127.0.0.1:1', 'http://127.0.0.1:1/apis/ccompat/v7') });
  });
  afterAll(async () => {
    await up.close();
    await broken.close();
  });

  it('is ready when the real broker and registry answer', async () => {
    const response = await fetch(`${up.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'UP',
      checks: { kafka: { status: 'UP' }, schemaRegistry: { status: 'UP' } },
    });
  });

  it('is live but not ready when its dependencies are down', async () => {
    expect((await fetch(`${broken.url}/health/live`)).status).toBe(200);
    const response = await fetch(`${broken.url}/health/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { checks: Record<string, { status: string; error?: string }> };
    expect(body.checks.kafka!.status).toBe('DOWN');
    expect(body.checks.schemaRegistry!.status).toBe('DOWN');
  });

  it('serves Prometheus text with one prefix and base units', async () => {
    await fetch(`${up.url}/health/ready`);
    const response = await fetch(`${up.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^eai_readiness_check_duration_seconds_count\{dependency="kafka"\} [1-9]/m);
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(5);
    expect(names.every((n) => n.startsWith('eai_'))).toBe(true);
  });
});
