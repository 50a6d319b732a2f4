import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, listeningPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';

/**
 * `eai stack up` in a stack home of its own, with Kafka and the registry "given" at closed ports so that nothing
 * heavy could start: each case must fail in its check, before PostgreSQL is started.
 */
describe('eai stack up fails before starting anything, in one line', () => {
  const homes: string[] = [];
  let held: Awaited<ReturnType<typeof listeningPort>>;
  let external: Record<string, string | undefined>;

  function home(mode: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'eai-up-'));
    chmodSync(dir, mode);
    homes.push(dir);
    return dir;
  }

  beforeAll(async () => {
    held = await listeningPort();
    const closed = await closedPort();
    external = {
      KAFKA_BROKERS: `127.0.0.1:${closed}`,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${closed}/apis/ccompat/v7`,
      DATABASE_URL: undefined,
    };
  });
  afterAll(async () => {
    await held.close();
    // Should a check ever let the start through, stop what it started.
    for (const dir of homes) {
      if (existsSync(join(dir, 'stack.json'))) await runEai(['stack', 'down'], { env: { EAI_HOME: dir } });
    }
  });

  it('a taken PostgreSQL port: names the port, postgres and the pid that holds it', async () => {
    const result = await runEai(['stack', 'up'], {
      env: { ...external, EAI_HOME: home(0o755), EAI_POSTGRES_PORT: String(held.port) },
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(`^eai: port ${held.port} for postgres is taken by pid ${process.pid}\\b.*EAI_POSTGRES_PORT`),
    );
  });

  it('a stack home the postgres user cannot enter (run as root, as the tests are): says why and what to do', async () => {
    expect(process.getuid?.(), 'PostgreSQL runs as another user only when root starts it').toBe(0);
    const closed = home(0o700);
    const result = await runEai(['stack', 'up'], {
      env: { ...external, EAI_HOME: join(closed, 'eai'), EAI_POSTGRES_PORT: String(await closedPort()) },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `eai: PostgreSQL runs as the postgres user, who cannot enter ${closed} (mode 0700): set EAI_HOME to a folder others can enter, e.g. EAI_HOME=/var/tmp/eai\n`,
    );
  });
});
