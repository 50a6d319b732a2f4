import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The independent X12 validator: pyx12 from PyPI, pinned, in a venv the spec makes (never installed by hand). */
const PYX12 = '4.0.0';
const VENV = join(tmpdir(), `eai-pyx12-${PYX12}`);

export type Pyx12 =
  | { validate(path: string): Promise<{ ok: boolean; output: string }> }
  | { skipped: string };

/**
 * pyx12's `x12valid` in a venv under the temporary folder, made (python3 -m venv, pip install pyx12==4.0.0) on first
 * use. `skipped` says why when it cannot be made here (no python3 with venv, no PyPI): the spec fails with it.
 */
export async function pyx12(): Promise<Pyx12> {
  const bin = join(VENV, 'bin', 'x12valid');
  if (!existsSync(bin)) {
    try {
      await run('python3', ['-m', 'venv', VENV], { timeout: 60_000 });
      await run(
        join(VENV, 'bin', 'pip'),
        ['install', '-q', '--disable-pip-version-check', `pyx12==${PYX12}`],
        {
          timeout: 120_000,
        },
      );
    } catch (error) {
      return { skipped: `pyx12 ${PYX12} could not be installed into ${VENV}: ${(error as Error).message}` };
    }
  }
  return {
    async validate(path: string) {
      // x12valid says `<file>: OK` or `<file>: Failure` on stderr and logs each error it found; it exits 0 either way.
      const { stdout, stderr } = await run(bin, [path], { timeout: 60_000 }).catch(
        (error: { stdout?: string; stderr?: string }) => ({
          stdout: error.stdout ?? '',
          stderr: error.stderr ?? '',
        }),
      );
      const output = `${stdout}${stderr}`;
      return { ok: output.includes(`${path}: OK`), output };
    },
  };
}
