import { main } from '../cli/main.ts';
import type { EaiRun } from './run-eai.ts';

/** What `process.exit(code)` throws here instead of ending the test process. */
class ExitCalled extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`process.exit(${code})`);
    this.code = code;
  }
}

type Write = typeof process.stdout.write;

/** The signals a command may listen to while it runs (`eai bus tail`'s Ctrl-C); a process would end with them. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A stand-in for a stream's `write` that appends the text to `sink`. */
function capture(sink: { text: string }): Write {
  return ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    sink.text +=
      typeof chunk === 'string'
        ? chunk
        : Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }) as Write;
}

/**
 * Runs an `eai` command as `runEai` does (tests/run-eai.ts: same arguments, same answer), but in this process,
 * through the CLI's own entry (`main` of cli/main.ts: commander, the command, its one-line error and exit status):
 * a child process costs 1–2 s of Node start and module loading per command, which a spec of what a command does,
 * not of the process, need not pay. What it cannot see, so keep `runEai` (at least one test per command) for it:
 * the process's start and exit (cli/eai.js, a handle left open), stdin, signals (the listeners a command adds are
 * removed when it returns), and pino's logs (written on file descriptor 2, not through process.stderr).
 * `timeoutMs` is taken as `runEai` takes it, but a command that hangs here is ended by the test's own timeout, not
 * killed. One command at a time: it swaps process-wide state (stdout and stderr writes, process.exit,
 * process.exitCode, the environment variables given).
 */
export async function runEaiInProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<EaiRun> {
  const started = performance.now();
  const stdout = { text: '' };
  const stderr = { text: '' };
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    exit: process.exit,
    exitCode: process.exitCode,
    env: Object.fromEntries(Object.keys(options.env ?? {}).map((k) => [k, process.env[k]])),
    listeners: new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))])),
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  process.exitCode = undefined;
  process.stdout.write = capture(stdout);
  process.stderr.write = capture(stderr);
  // The process would end at the first exit: what came after it (main's catch seeing the throw, for one) is cut.
  let exited: { code: number; stdout: number; stderr: number } | undefined;
  process.exit = ((code?: number | string | null) => {
    exited ??= {
      code: Number(code ?? process.exitCode ?? 0),
      stdout: stdout.text.length,
      stderr: stderr.text.length,
    };
    throw new ExitCalled(exited.code);
  }) as typeof process.exit;
  let code: number;
  try {
    await main([process.execPath, 'cli/eai.js', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    if (!(error instanceof ExitCalled)) throw error;
    code = error.code;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exit = saved.exit;
    process.exitCode = saved.exitCode;
    // A listener the command left (the test worker would no longer end on SIGTERM), removed as its process would be.
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal)) {
        if (!saved.listeners.get(signal)?.has(listener)) process.off(signal, listener);
      }
    }
    for (const [key, value] of Object.entries(saved.env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  if (exited) {
    code = exited.code;
    stdout.text = stdout.text.slice(0, exited.stdout);
    stderr.text = stderr.text.slice(0, exited.stderr);
  }
  return { code, stdout: stdout.text, stderr: stderr.text, seconds: (performance.now() - started) / 1000 };
}
