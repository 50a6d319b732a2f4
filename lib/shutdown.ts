import type { Logger } from './logger.ts';

/**
 * Graceful shutdown on SIGTERM / SIGINT: run the closers in order (stop consuming, flush producers, close
 * servers), then exit. A second signal exits at once.
 */
export function onShutdown(log: Logger, closers: Array<() => Promise<void>>): void {
  let closing = false;
  const handler = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'shutting down');
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        log.error({ error: (error as Error).message }, 'error while shutting down');
      }
    }
    process.exit(0);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
