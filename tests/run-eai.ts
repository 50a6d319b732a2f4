import { spawn } from 'node:child_process';

export interface EaiRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole process, start-up included. */
  seconds: number;
}

/**
 * Runs the real `eai` command (cli/eai.js) in a child process, as a user would, and returns what it printed.
 * `stdin`: text piped to it (else stdin is closed at once, as for `cmd < /dev/null`). The process is killed after
 * `timeoutMs`, so a command that hangs fails its test instead of stalling the run.
 */
export function runEai(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<EaiRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'cli/eai.js', ...args], {
      env: { ...process.env, EAI_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
