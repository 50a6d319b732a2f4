import { logSafeMessage } from './errors.ts';
import type { Logger } from './logger.ts';

/** How often a failure that goes on is logged again, at most (with how many times it failed meanwhile). */
export const REPEAT_LOG_MS = 60_000;

export interface RepeatedFailureOptions {
  /** The failure's line, logged at warn when it starts (`golden sync pass failed; retrying`). */
  failed: string;
  /** The line when it heals, logged at info with ` after 73 s (36 failures)` (`golden sync passes again`). */
  healed: string;
  /** At most one line per this while it goes on (default REPEAT_LOG_MS). */
  everyMs?: number;
  /** The failure lines' level (default warn; error for what stops work someone waits for, a source's polls). */
  level?: 'warn' | 'error';
  now?: () => number;
}

const took = (ms: number) => {
  const s = ms / 1000;
  return s < 120
    ? `${Math.round(s)} s`
    : s < 7200
      ? `${Math.round(s / 60)} min`
      : `${Math.round(s / 3600)} h`;
};
const times = (n: number) => `${n} failure${n === 1 ? '' : 's'}`;

/**
 * The log of something retried in a loop (a poll, a heartbeat) while what it needs is away: one warning when it
 * starts failing, with its error; while it goes on, at most one line every `everyMs` with the count and the first
 * error's words beside the latest; one info line when it works again, saying after how long. A loop that logged every
 * failure wrote a line a second for as long as PostgreSQL was away, burying the one that said why.
 */
export class RepeatedFailure {
  readonly #log: Logger;
  readonly #options: Required<Omit<RepeatedFailureOptions, 'now'>> & { now: () => number };
  #since: number | null = null;
  #failures = 0;
  #firstError = '';
  #loggedAt = 0;

  constructor(log: Logger, options: RepeatedFailureOptions) {
    this.#log = log;
    this.#options = { everyMs: REPEAT_LOG_MS, level: 'warn', now: Date.now, ...options };
  }

  /** Whether it is failing (failed since it last worked). */
  get failing(): boolean {
    return this.#since !== null;
  }

  /** One more failure: logged if it is the first, or if the last line is `everyMs` old. */
  failed(error: unknown): void {
    const now = this.#options.now();
    // Without the answer body a message quotes: a target's error answer may echo a customer's record.
    const message = logSafeMessage(error);
    this.#failures += 1;
    if (this.#since === null) {
      this.#since = now;
      this.#firstError = message;
      this.#loggedAt = now;
      this.#log[this.#options.level]({ error: message }, this.#options.failed);
      return;
    }
    if (now - this.#loggedAt < this.#options.everyMs) return;
    this.#loggedAt = now;
    this.#log[this.#options.level](
      {
        error: message,
        firstError: this.#firstError,
        failures: this.#failures,
        since: new Date(this.#since).toISOString(),
      },
      `${this.#options.failed}: still failing after ${took(now - this.#since)}, ${times(this.#failures)}`,
    );
  }

  /** It worked: logs once that it works again, if it was failing. True if it was. */
  healed(): boolean {
    if (this.#since === null) return false;
    const now = this.#options.now();
    this.#log.info(
      { failures: this.#failures, firstError: this.#firstError, since: new Date(this.#since).toISOString() },
      `${this.#options.healed} after ${took(now - this.#since)} (${times(this.#failures)})`,
    );
    this.#since = null;
    this.#failures = 0;
    this.#firstError = '';
    return true;
  }
}

/**
 * RepeatedFailure per kind of failure, told apart by a key (a library's own warnings, one kind per message), all
 * healed at once by one signal that what they need answers again.
 */
export class RepeatedFailures {
  readonly #log: Logger;
  readonly #options: Pick<RepeatedFailureOptions, 'everyMs' | 'now'>;
  readonly #byKey = new Map<string, RepeatedFailure>();

  constructor(log: Logger, options: Pick<RepeatedFailureOptions, 'everyMs' | 'now'> = {}) {
    this.#log = log;
    this.#options = options;
  }

  failed(key: string, error: unknown): void {
    let failure = this.#byKey.get(key);
    if (!failure) {
      failure = new RepeatedFailure(this.#log, {
        ...this.#options,
        failed: key,
        healed: `${key}: no longer failing`,
      });
      this.#byKey.set(key, failure);
    }
    failure.failed(error);
  }

  /** Each that was failing logs once that it no longer does. */
  healed(): void {
    for (const failure of this.#byKey.values()) failure.healed();
    this.#byKey.clear();
  }
}
