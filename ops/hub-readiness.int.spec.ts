import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../tests/ports.ts';
import { testStack, unique } from '../tests/stack.ts';
import { type Hub, startHub } from './hub.ts';

describe('readiness of a hub of connectors alone', () => {
  let hub: Hub | undefined;
  afterAll(async () => {
    await hub?.close();
  });

  it('does not depend on PostgreSQL, which no role of it uses', async () => {
    // Seen in the ops trial: `eai up` without --orchestrator or --masterdata answered /health/ready 503 while
    // PostgreSQL was down, so a load balancer would have taken its webhooks out of service for a database it never
    // reads.
    const stack = testStack();
    hub = await startHub({
      ...stack,
      databaseUrl: `postgres://postgres:unused@127.0.0.1:${await closedPort()}/eai`,
      group: unique('connect'),
      logger: pino({ level: 'silent' }),
      tokens: [],
      // Its checks to anyone: this spec reads which dependencies it has.
      healthDetails: 'always',
      port: 0,
    });
    const response = await fetch(`${hub.url}/health/ready`);
    const body = (await response.json()) as { status: string; checks: Record<string, unknown> };
    expect(response.status).toBe(200);
    expect(body.status).toBe('UP');
    expect(Object.keys(body.checks).sort()).toEqual(['kafka', 'schemaRegistry']);
  });
});
