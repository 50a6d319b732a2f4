import { kafkajsRetriable } from '../../bus/transport/kafkajs.ts';
import { EaiError, isOutage } from '../../lib/errors.ts';

/**
 * How a connector that failed with a transient error is restarted by itself (its definition's `restart`): after
 * `initialDelayMs`, doubling with each restart up to `maxDelayMs`; the count starts again once the connector has run
 * `resetAfterMs` without failing.
 */
export interface RestartPolicy {
  enabled: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  resetAfterMs: number;
}

/** 1 s doubling to 5 min, the count reset after 10 min of running: Strimzi's and Confluent Cloud's order of magnitude. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  enabled: true,
  initialDelayMs: 1_000,
  maxDelayMs: 300_000,
  resetAfterMs: 600_000,
};

/**
 * Whether a connector that failed with `error` may be restarted by itself: only when the error says a retry can help
 * — an error of the hub's hierarchy by its `retriable` (a RetriableError: yes; a ConfigError or NonRetriableError:
 * no), a Kafka client error kafkajs calls retriable (a broker not in the cached metadata, a closed connection, no
 * leader for a partition; also when wrapped in its retriers' "retries exceeded"), or a peer away (a connection
 * refused or reset, `isOutage`) — along the error's causes. An error that says nothing (a plain Error, a TypeError) is
 * no reason to restart: most are a bug or a wrong input, which a restart repeats; the connector stays FAILED.
 * kafkajs's "Failed to find group coordinator" is the one it calls final that is not: it throws it when the lookup
 * failed on every broker once (a broker restarting, the offsets topic's leader moving), and a consumer that met it
 * while rejoining its group stopped for good (kafkajs issue 1445); a new consumer finds the coordinator again.
 */
export function restartable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof EaiError) return e.retriable;
    const { name, retriable } = e as { name?: unknown; retriable?: unknown };
    if (typeof name === 'string' && name.startsWith('KafkaJS') && typeof retriable === 'boolean')
      return coordinatorNotFound(e) || kafkajsRetriable(e);
    if (isOutage(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** kafkajs's "Failed to find group coordinator", or its retriers' wrappers around it. */
function coordinatorNotFound(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { name?: unknown }).name === 'KafkaJSGroupCoordinatorNotFound') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The wait before the next restart, after `restarts` restarts already made: `initialDelayMs` doubled each time, at
 * most `maxDelayMs`, up to a fifth shorter (`random`) so that connectors failing together (a broker restarting) do not
 * all restart at once; never shorter than a `retryAfterMs` the error carries (a target's Retry-After).
 */
export function restartDelay(
  restarts: number,
  policy: RestartPolicy,
  error?: unknown,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(restarts, 40));
  const jittered = Math.round(base * (1 - 0.2 * random()));
  const retryAfter = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof retryAfter === 'number' && retryAfter > jittered ? retryAfter : jittered;
}

/**
 * A FAILED connector's pending restart in words, as sync health and readiness say it: `<name> restarting in 12 s
 * after: <error>` (`now` once due); null when none is pending (it stays FAILED until an operator acts).
 */
export function pendingRestart(
  name: string,
  autoRestart: AutoRestartStatus | null | undefined,
  now = Date.now(),
): string | null {
  if (!autoRestart?.nextRestartAt) return null;
  const seconds = Math.ceil((Date.parse(autoRestart.nextRestartAt) - now) / 1000);
  const when = seconds > 0 ? `in ${seconds} s` : 'now';
  return `${name} restarting ${when} after: ${autoRestart.error ?? 'a transient failure'}`;
}

/** What a connector's status says of its automatic restarts (`autoRestart`). */
export interface AutoRestartStatus {
  /** Restarts made by itself since it last ran `resetAfterMs` without failing (or an operator acted on it). */
  restarts: number;
  /** When the next one is due (ISO 8601), or null when none is pending. */
  nextRestartAt: string | null;
  /** When the last one was made (ISO 8601). */
  lastRestartAt: string | null;
  /** The failure that called for the pending or the last restart. */
  error: string | null;
}

/**
 * One connector's automatic restarts on this instance: the count, the restart pending (its timer), when its current
 * task started. The runtime keeps one per connector it runs and drops it when the connector leaves this instance.
 */
export class ConnectorRecovery {
  restarts = 0;
  nextRestartAt: number | null = null;
  lastRestartAt: number | null = null;
  error: string | null = null;
  /** The pending restart's timer fired: the next reconciliation restarts the connector. */
  due = false;
  /** When the task now running started, for the reset after `resetAfterMs`. */
  runningSince: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Told when the pending restart changes: its time (ms since the epoch), or null when none is pending. */
  private readonly onPending: (at: number | null) => void;

  constructor(onPending: (at: number | null) => void = () => {}) {
    this.onPending = onPending;
  }

  /** Schedules a restart in `delayMs`; `fire` is called then (it reconciles). */
  schedule(delayMs: number, error: string, fire: () => void): void {
    this.cancel();
    this.error = error;
    this.nextRestartAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      fire();
    }, delayMs);
    // A pending restart holds no shutdown up.
    this.timer.unref();
    this.onPending(this.nextRestartAt);
  }

  /** No restart pending any more (an operator's pause, stop, restart, new definition, or the connector gone). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = false;
    if (this.nextRestartAt === null) return;
    this.nextRestartAt = null;
    this.onPending(null);
  }

  /** The restart is being made now. */
  restarting(): void {
    this.cancel();
    this.restarts += 1;
    this.lastRestartAt = Date.now();
  }

  /** An operator acted (or the connector ran well long enough): the count starts again. */
  reset(): void {
    this.cancel();
    this.restarts = 0;
    this.lastRestartAt = null;
    this.error = null;
  }

  /** The count starts again once the task now running has run `resetAfterMs` without failing. */
  settle(policy: RestartPolicy, now = Date.now()): void {
    if (this.runningSince !== null && now - this.runningSince >= policy.resetAfterMs && this.restarts > 0)
      this.reset();
  }

  status(): AutoRestartStatus | null {
    if (this.restarts === 0 && this.nextRestartAt === null) return null;
    return {
      restarts: this.restarts,
      nextRestartAt: this.nextRestartAt === null ? null : new Date(this.nextRestartAt).toISOString(),
      lastRestartAt: this.lastRestartAt === null ? null : new Date(this.lastRestartAt).toISOString(),
      error: this.error,
    };
  }
}
