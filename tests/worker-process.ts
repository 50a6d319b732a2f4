import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerSpec } from './connect-worker.ts';

export interface WorkerProcess {
  child: ChildProcess;
  /** The `{ready:true}` line it printed. */
  ready: { workerId: string; pid: number; url?: string; startMs: number };
  exited: Promise<number | string | null>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
}

/** Starts tests/connect-worker.ts on this Node (24) and waits (at most `timeoutMs`) for its ready line. */
export function startWorker(spec: WorkerSpec, timeoutMs = 45_000): Promise<WorkerProcess> {
  return startScript(new URL('./connect-worker.ts', import.meta.url), spec, spec.workerId, timeoutMs);
}

/**
 * Starts a script that takes one JSON argument and prints a `{"ready":true,"workerId",...}` line when ready, on
 * this Node (24), and waits (at most `timeoutMs`) for that line.
 */
export async function startScript(
  scriptUrl: URL,
  spec: unknown,
  workerId: string,
  timeoutMs = 45_000,
): Promise<WorkerProcess> {
  const script = fileURLToPath(scriptUrl);
  const child = spawn(process.execPath, [script, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its stderr goes on to ours, and the last few KB are kept to say why it died if it dies before it is ready.
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const ready = await new Promise<WorkerProcess['ready']>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${workerId} not ready in ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{"ready":true')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
    // 'close' comes after the last of its stderr, so the message holds why it died.
    child.on('close', (code, signal) => {
      const how = signal ?? code;
      clearTimeout(timer);
      reject(
        new Error(
          `worker ${workerId} exited (${how}) before it was ready; its stderr ended with:\n${stderrTail}`,
        ),
      );
    });
  });
  return {
    child,
    ready,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
