import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackHomeOnPort } from '../stack/preflight.ts';
import { runEai } from '../tests/run-eai.ts';
import { testStack } from '../tests/stack.ts';

describe('eai stack status', () => {
  it('--json masks the database password, as the other outputs do, and gives the live process ids', async () => {
    const stack = testStack();
    const password = decodeURIComponent(new URL(stack.databaseUrl).password);
    expect(password.length).toBeGreaterThan(3);
    // A stack home whose state file says where the real stack is and which processes run it.
    const home = mkdtempSync(join(tmpdir(), 'eai-status-'));
    const gone = 2 ** 22 + 1; // above Linux's pid_max: no such process
    writeFileSync(
      join(home, 'stack.json'),
      JSON.stringify({
        brokers: stack.brokers,
        registryUrl: stack.registryUrl,
        databaseUrl: stack.databaseUrl,
        pids: { kafka: process.pid, registry: gone, postgres: process.ppid },
        startedAt: new Date().toISOString(),
      }),
    );
    const env = {
      EAI_HOME: home,
      KAFKA_BROKERS: undefined,
      SCHEMA_REGISTRY_URL: undefined,
      DATABASE_URL: undefined,
    };
    const result = await runEai(['stack', 'status', '--json'], { env });
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain(password);
    const status = JSON.parse(result.stdout) as {
      databaseUrl: string;
      running: boolean;
      pids: Record<string, number | null>;
    };
    expect(status.databaseUrl).toBe(stack.databaseUrl.replace(`:${encodeURIComponent(password)}@`, ':***@'));
    expect(status.running).toBe(true);
    expect(status.pids).toEqual({ kafka: process.pid, registry: null, postgres: process.ppid });

    const human = await runEai(['stack', 'status'], { env });
    expect(human.stdout).not.toContain(password);
    expect(human.stdout).toContain(`(pid ${process.pid})`);

    // The hub's settings for a company's secured Kafka and registry do not make the stack's own (plaintext, open)
    // broker and registry read as down.
    const secured = await runEai(['stack', 'status', '--json'], {
      env: {
        ...env,
        EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        EAI_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        EAI_KAFKA_SASL_USERNAME: 'eai',
        EAI_KAFKA_SASL_PASSWORD: 'not-the-stacks',
        EAI_REGISTRY_BASIC_AUTH: 'key:secret',
      },
    });
    expect(JSON.parse(secured.stdout)).toMatchObject({
      running: true,
      parts: { kafka: true, registry: true },
    });
  });

  it("says that a stack answering on the ports is another clone's when this stack home started none", async () => {
    // Seen in the ops trial: in a second clone `eai stack status` said "kafka: up", "registry: up" and
    // "database: (none) down", exit 3, and nothing of why or what to do.
    const stack = testStack();
    const home = mkdtempSync(join(tmpdir(), 'eai-status-none-'));
    const env = {
      EAI_HOME: home,
      KAFKA_BROKERS: undefined,
      SCHEMA_REGISTRY_URL: undefined,
      DATABASE_URL: undefined,
      EAI_KAFKA_PORT: new URL(`kafka://${stack.brokers.split(',')[0]}`).port,
      EAI_REGISTRY_PORT: new URL(stack.registryUrl).port,
    };
    const result = await runEai(['stack', 'status'], { env });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('database: (none) down');
    // The test stack's folder is named where a stack started it (its stack.json names the broker's process).
    const owner = stackHomeOnPort(Number(env.EAI_KAFKA_PORT));
    expect(result.stdout.trim().split('\n').at(-1)).toBe(
      owner
        ? `no stack started from ${home}: what answers on these ports is the stack of ${owner}: set EAI_HOME=${owner}, or KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL`
        : `no stack started from ${home}: what answers on these ports is another's (another clone's): set EAI_HOME to its .eai folder, or KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL`,
    );
  });

  it('`stack up --json` masks the database password too', async () => {
    const stack = testStack();
    const password = decodeURIComponent(new URL(stack.databaseUrl).password);
    const home = mkdtempSync(join(tmpdir(), 'eai-up-json-'));
    // Every endpoint given by environment: `up` starts nothing, checks them and prints them.
    const env = {
      EAI_HOME: home,
      KAFKA_BROKERS: stack.brokers,
      SCHEMA_REGISTRY_URL: stack.registryUrl,
      DATABASE_URL: stack.databaseUrl,
    };
    const result = await runEai(['stack', 'up', '--json'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(password);
    const shown = JSON.parse(result.stdout) as { brokers: string; databaseUrl: string };
    expect(shown.brokers).toBe(stack.brokers);
    expect(shown.databaseUrl).toBe(stack.databaseUrl.replace(`:${encodeURIComponent(password)}@`, ':***@'));
  });
});
