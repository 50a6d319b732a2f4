import type { DLogger } from '@dbos-inc/dbos-sdk';
import { isOutage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { type RepeatedFailureOptions, RepeatedFailures } from '../lib/repeated-failure.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** A message longer than this is cut (a shutdown names every workflow still running: thousands of ids). */
export const MAX_DBOS_MESSAGE = 500;

/**
 * Words of a connection to PostgreSQL refused, lost or not opened in time (node's codes, node-postgres's messages,
 * PostgreSQL shutting down or starting): DBOS passes its loops' errors to its logger as text, not as errors.
 */
const OUTAGE_WORDS =
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|EAI_AGAIN)\b|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection due to administrator command/;

/**
 * What kind of DBOS warning a line is: its words before the first `: ` (`Error listing database-backed queues`),
 * digits as #, so that the same loop failing with another error or another attempt number is the same kind.
 */
export function dbosWarningKind(text: string): string {
  const colon = text.indexOf(': ');
  return (colon > 0 ? text.slice(0, colon) : text).replace(/\d+/g, '#');
}

export interface DbosLogger extends DLogger {
  /** PostgreSQL answers again (a heartbeat was written): each kind of outage warning says once it no longer fails. */
  databaseAnswers(): void;
}

/**
 * DBOS's own log lines as the hub's: JSON through pino (`engine: dbos`), at `level` and above (EAI_DBOS_LOG_LEVEL,
 * default warn), instead of DBOS's console logger, whose plain-text lines broke the JSON log stream. A key of its own,
 * not `component`: the hub's orchestrator logger has `component: orchestrator` bound already, and pino writes a key
 * bound again as a second copy (`"component":"orchestrator","component":"dbos"`), which most JSON readers reduce to
 * the last.
 *
 * While PostgreSQL is away each of DBOS's loops (queue polls, the scheduler, the notifications listener, timeouts)
 * warns about once a second, about six lines a second in all: its config has no filter (a custom logger gets every
 * line, `logLevel` does not apply to it), so this logger takes them as RepeatedFailures, one per kind of warning:
 * the first line of each, then at most one a minute with the count, and one at info once the database answers
 * again (`databaseAnswers`, called on each heartbeat the orchestrator writes).
 */
export function dbosLogger(
  log: Logger,
  level: string = 'warn',
  repeats: Pick<RepeatedFailureOptions, 'everyMs' | 'now'> = {},
): DbosLogger {
  const lowest = LEVELS.indexOf(LEVELS.includes(level as Level) ? (level as Level) : 'warn');
  const child = log.child({ engine: 'dbos' });
  const outages = new RepeatedFailures(child, repeats);
  const emit = (at: Level) => (entry: unknown) => {
    if (LEVELS.indexOf(at) < lowest) return;
    const text =
      entry instanceof Error ? entry.message : typeof entry === 'string' ? entry : JSON.stringify(entry);
    if ((at === 'warn' || at === 'error') && (isOutage(entry) || OUTAGE_WORDS.test(text))) {
      // The kind is the line's message, the words after it its error.
      const colon = text.indexOf(': ');
      const error = colon > 0 ? text.slice(colon + 2) : text;
      outages.failed(dbosWarningKind(text), error.slice(0, MAX_DBOS_MESSAGE));
      return;
    }
    const message =
      text.length > MAX_DBOS_MESSAGE
        ? `${text.slice(0, MAX_DBOS_MESSAGE)}… (${text.length - MAX_DBOS_MESSAGE} more characters)`
        : text;
    child[at](entry instanceof Error ? { error: entry.name } : {}, message);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    databaseAnswers: () => outages.healed(),
  };
}
