import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../stack/processes.ts';
import { closedPort } from '../tests/ports.ts';
import { runEai } from '../tests/run-eai.ts';
import { waitFor } from '../tests/wait-for.ts';

/**
 * `eai stack up` after PostgreSQL restarted under the stack's registry: the registry process still holds its port
 * but answers 500 to everything. Kafka and the database are "given" at closed ports, so nothing heavy starts.
 */
describe('eai stack up with its own registry alive but not answering', () => {
  it('restarts it instead of refusing its own port as taken', async () => {
    const port = await closedPort();
    const registry = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((q, s) => { s.statusCode = 500; s.end(); }).listen(${port}, '127.0.0.1')`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const pid = registry.pid!;
      await waitFor('the stand-in registry to listen', async () => {
        const answer = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        return answer?.status === 500;
      });
      const home = mkdtempSync(join(tmpdir(), 'eai-up-registry-'));
      const closed = await closedPort();
      writeFileSync(
        join(home, 'stack.json'),
        JSON.stringify({
          brokers: `127.0.0.1:${closed}`,
          registryUrl: `http://127.0.0.1:${port}/apis/ccompat/v7`,
          databaseUrl: `postgres://postgres@127.0.0.1:${closed}/eai`,
          pids: { registry: pid },
          startedAt: new Date().toISOString(),
        }),
      );
      const result = await runEai(['stack', 'up'], {
        env: {
          EAI_HOME: home,
          EAI_REGISTRY_PORT: String(port),
          EAI_REGISTRY_MANAGEMENT_PORT: String(await closedPort()),
          KAFKA_BROKERS: `127.0.0.1:${closed}`,
          DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/eai`,
          SCHEMA_REGISTRY_URL: undefined,
        },
      });
      // Its port was not refused: the old registry was stopped, and the start went on to what this setup lacks (a
      // local registry needs the local PostgreSQL).
      expect(result.stderr).not.toMatch(/is taken by pid/);
      expect(result.stderr).toMatch(/the local schema registry keeps its schemas in the local PostgreSQL/);
      expect(isAlive(pid)).toBe(false);
    } finally {
      registry.kill('SIGKILL');
    }
  });
});
