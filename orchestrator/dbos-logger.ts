import type { DLogger } from '@dbos-inc/dbos-sdk';
import type { Logger } from '../lib/logger.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** A message longer than this is cut (a shutdown names every workflow still running: thousands of ids). */
export const MAX_DBOS_MESSAGE = 500;

/**
 * DBOS's own log lines as the hub's: JSON through pino (`engine: dbos`), at `level` and above (EAI_DBOS_LOG_LEVEL,
 * default warn), instead of DBOS's console logger, whose plain-text lines broke the JSON log stream. A key of its own,
 * not `component`: the hub's orchestrator logger has `component: orchestrator` bound already, and pino writes a key
 * bound again as a second copy (`"component":"orchestrator","component":"dbos"`), which most JSON readers reduce to
 * the last.
 */
export function dbosLogger(log: Logger, level: string = 'warn'): DLogger {
  const lowest = LEVELS.indexOf(LEVELS.includes(level as Level) ? (level as Level) : 'warn');
  const child = log.child({ engine: 'dbos' });
  const emit = (at: Level) => (entry: unknown) => {
    if (LEVELS.indexOf(at) < lowest) return;
    const text =
      entry instanceof Error ? entry.message : typeof entry === 'string' ? entry : JSON.stringify(entry);
    const message =
      text.length > MAX_DBOS_MESSAGE
        ? `${text.slice(0, MAX_DBOS_MESSAGE)}… (${text.length - MAX_DBOS_MESSAGE} more characters)`
        : text;
    child[at](entry instanceof Error ? { error: entry.name } : {}, message);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
