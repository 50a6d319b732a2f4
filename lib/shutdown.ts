import type { Logger } from './logger.ts';

/** How long one closer may take before shutdown goes on without it. */
const CLOSER_TIMEOUT_MS = 30_000;

/**
 * Runs the closers in order; one that fails or does not finish in time is logged and skipped, so a hung
 * dependency cannot keep the process from exiting. Resolves false if any did not close cleanly.
 */
export async function runClosers(
  log: Logger,
  closers: Array<() => Promise<void>>,
  timeoutMs = CLOSER_TIMEOUT_MS,
): Promise<boolean> {
  let clean = true;
  for (const [index, close] of closers.entries()) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      if ((await Promise.race([close(), timedOut])) === 'timeout') {
        clean = false;
        log.error({ closer: index, timeoutMs }, 'a closer did not finish in time; shutting down without it');
      }
    } catch (error) {
      clean = false;
      log.error({ closer: index, error: (error as Error).message }, 'error while shutting down');
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

/**
 * Graceful shutdown on SIGTERM / SIGINT: run the closers in order (stop consuming, flush producers, close
 * servers), then exit, with status 1 if one of them failed or hung. A second signal exits at once.
 */
export function onShutdown(log: Logger, closers: Array<() => Promise<void>>): void {
  let closing = false;
  const handler = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'shutting down');
    process.exit((await runClosers(log, closers)) ? 0 : 1);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
