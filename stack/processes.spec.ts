import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, readyOrStopped, spawnDaemon, stopProcess } from './processes.ts';

describe('a server that does not become ready', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eai-proc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is stopped instead of being left running with its port taken', async () => {
    const pid = spawnDaemon('sleep', ['60'], { logFile: join(dir, 'sleep.log') });
    expect(isAlive(pid)).toBe(true);
    await expect(
      readyOrStopped(pid, async () => {
        throw new Error('not ready');
      }),
    ).rejects.toThrow('not ready');
    // The detached child is reaped asynchronously; give the kernel a moment.
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(pid)).toBe(false);
  });

  it('is left running when it becomes ready', async () => {
    const pid = spawnDaemon('sleep', ['60'], { logFile: join(dir, 'sleep2.log') });
    await readyOrStopped(pid, async () => undefined);
    expect(isAlive(pid)).toBe(true);
    await stopProcess(pid);
  });
});
