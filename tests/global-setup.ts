import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { errorMessage } from '../lib/errors.ts';
import { stackDown, stackStatus, stackUp } from '../stack/stack.ts';
import type { StackEndpoints, StackStart } from './stack.ts';

const endpointsOf = (found: StackEndpoints): StackEndpoints => ({
  brokers: found.brokers,
  registryUrl: found.registryUrl,
  databaseUrl: found.databaseUrl,
});

/**
 * The real stack (Kafka, schema registry, PostgreSQL) for the integration tests: a running one is reused and left as
 * it was; else one is started and stopped at the end. It starts in the background: the unit files, which need none
 * of it, run meanwhile (the int files run after them, vitest.config.ts), and the int files' setup waits for it
 * (tests/int-setup.ts), reading its endpoints, or why it did not start, from the file this setup writes.
 */
export default async function setup(project: TestProject) {
  const status = await stackStatus();
  if (status.running) {
    project.provide('stack', { endpoints: endpointsOf(status) });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'eai-test-stack-'));
  const file = join(dir, 'stack.json');
  const settle = (start: StackStart) => {
    // Whole or not at all: a waiting reader never sees half a file.
    writeFileSync(`${file}.part`, JSON.stringify(start));
    renameSync(`${file}.part`, file);
  };
  let started = false;
  const starting = stackUp((line) => process.stderr.write(`[stack] ${line}\n`)).then(
    (state) => {
      started = true;
      settle({ endpoints: endpointsOf(state) });
    },
    (error: unknown) => settle({ error: errorMessage(error) }),
  );
  project.provide('stack', { file });
  return async () => {
    await starting;
    // A start that failed stopped what it had started (stack/stack.ts).
    if (started && !process.env.EAI_KEEP_STACK) await stackDown();
    rmSync(dir, { recursive: true, force: true });
  };
}
