import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../tests/ports.ts';
import { testStack } from '../tests/stack.ts';
import { busChecks, hubChecks } from './checks.ts';
import { startOpsServer } from './server.ts';

/** These servers have no admin API (no tokens): their checks shown to anyone, as EAI_HEALTH_DETAILS=always does. */
const healthDetails = 'always';

describe('health and metrics endpoints', () => {
  const stack = testStack();
  let up: Awaited<ReturnType<typeof startOpsServer>>;
  let broken: Awaited<ReturnType<typeof startOpsServer>>;

  beforeAll(async () => {
    up = await startOpsServer({ checks: busChecks(stack.brokers, stack.registryUrl), healthDetails });
    // Nothing listens on port 1: readiness must say which dependency is down, liveness must stay up.
    broken = await startOpsServer({
      checks: busChecks('127.0.0.1:1', 'http://127.0.0.1:1/apis/ccompat/v7'),
      healthDetails,
    });
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

  it('checks PostgreSQL when a database URL is configured: UP with the real one, 503 naming it on a closed port', async () => {
    const withDb = await startOpsServer({ checks: hubChecks(stack), healthDetails });
    const port = await closedPort();
    const password = new URL(stack.databaseUrl).password;
    const dbDown = await startOpsServer({
      checks: hubChecks({ ...stack, databaseUrl: `postgres://postgres:${password}@127.0.0.1:${port}/eai` }),
      healthDetails,
    });
    try {
      const ready = await fetch(`${withDb.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: object }).checks).toEqual({
        kafka: { status: 'UP' },
        schemaRegistry: { status: 'UP' },
        postgres: { status: 'UP' },
      });
      const started = Date.now();
      const down = await fetch(`${dbDown.url}/health/ready`);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(down.status).toBe(503);
      const body = (await down.json()) as {
        status: string;
        checks: Record<string, { status: string; error?: string }>;
      };
      expect(body.status).toBe('DOWN');
      expect(body.checks.kafka!.status).toBe('UP');
      expect(body.checks.postgres!.status).toBe('DOWN');
      expect(body.checks.postgres!.error).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(body)).not.toContain(password);
    } finally {
      await withDb.close();
      await dbDown.close();
    }
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

  it('says in /metrics, checked at the scrape, which dependency answers (eai_dependency_up, for the alert on readiness)', async () => {
    const scrape = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^eai_dependency_up\{dependency="(\w+)"\} (\d)$/gm)].map(
        (m) => `${m[1]} ${m[2]}`,
      );
    };
    // No /health/ready first: the scrape itself checks.
    expect(await scrape(broken.url)).toEqual(['kafka 0', 'schemaRegistry 0']);
    expect(await scrape(up.url)).toEqual(['kafka 1', 'schemaRegistry 1']);
  });
});
