import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { adminTokensFromEnv, hashToken } from '../ops/api/index.ts';

const run = promisify(execFile);
const eai = (args: string[]) => run(process.execPath, ['cli/eai.js', ...args], { timeout: 30_000 });

describe('eai admin-token', { timeout: 60_000 }, () => {
  it('prints a new token and an EAI_ADMIN_TOKENS entry that holds only its hash', async () => {
    const { stdout } = await eai(['admin-token', '--name', 'ci', '--role', 'operator', '--json']);
    const { token, entry } = JSON.parse(stdout) as { token: string; entry: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(entry).toBe(`ci:operator:${hashToken(token)}`);
    expect(adminTokensFromEnv({ EAI_ADMIN_TOKENS: entry })).toEqual([
      { name: 'ci', role: 'operator', sha256: hashToken(token) },
    ]);
  });

  it('refuses an unknown role, naming the option', async () => {
    await expect(eai(['admin-token', '--role', 'root'])).rejects.toMatchObject({
      stderr: 'eai: --role: must be viewer, operator or admin\n',
    });
    // With --json, the kind every refused option has (it said `Error`).
    await expect(eai(['admin-token', '--role', 'root', '--json'])).rejects.toMatchObject({
      stderr: `${JSON.stringify({ errors: [{ error: 'ConfigError', message: '--role: must be viewer, operator or admin' }] })}\n`,
    });
  });
});
