import { errorMessage } from '../lib/errors.ts';
import { withDeadline } from '../lib/retry.ts';
import { KafkaProbe, kafkaReachable } from './probes.ts';

/** The Kafka cluster has not answered since `since` (ISO 8601); `error` is what the last probe got. */
export interface KafkaOutage {
  since: string;
  error: string;
}

export interface KafkaWatchOptions {
  /** How often it probes in the background (default 2 s). */
  everyMs?: number;
  /** How long a probe may take before the cluster counts as not answering (default 2 s). */
  timeoutMs?: number;
  /**
   * Probe over one connection kept between probes (default), or connect to `brokers` anew each time. A kept client
   * talks to the brokers at the addresses they advertise after its first request, so a relay in front of the
   * bootstrap address (a test's gate) only sees, and can only cut, probes that connect anew.
   */
  keepConnection?: boolean;
}

/**
 * Whether the Kafka cluster answers, by the readiness probe's own request (probes.ts `KafkaProbe`: one metadata
 * request, no retries, over a connection kept between probes), every `everyMs` and on `check`. A connector's task keeps its state RUNNING while the broker is
 * down, as Kafka Connect's does, and its client retries for about two minutes before a transaction fails: the status
 * says from this, at once, that it waits for Kafka and since when. One probe at a time; the timer holds no exit up.
 */
export class KafkaWatch {
  readonly brokers: string;
  private readonly everyMs: number;
  private readonly timeoutMs: number;
  private current: KafkaOutage | null = null;
  private probing: Promise<KafkaOutage | null> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly probe: KafkaProbe | undefined;

  constructor(brokers: string, options: KafkaWatchOptions = {}) {
    this.brokers = brokers;
    this.probe = options.keepConnection === false ? undefined : new KafkaProbe(brokers);
    this.everyMs = options.everyMs ?? 2_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** Probes now and every `everyMs` until `stop`. */
  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  /** Stops probing and closes the probe's connection. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    void this.probe?.close();
  }

  /** What the last probe found: null while the cluster answers. */
  outage(): KafkaOutage | null {
    return this.current;
  }

  /** A fresh answer, as readiness gives one: the probe under way, or a new one (at most `timeoutMs`). */
  check(): Promise<KafkaOutage | null> {
    this.probing ??= (async () => {
      const started = new Date().toISOString();
      let error: string | undefined;
      try {
        const ok = await withDeadline(
          this.probe ? this.probe.reachable() : kafkaReachable(this.brokers),
          this.timeoutMs,
          `Kafka at ${this.brokers}`,
        );
        if (!ok) error = 'not reachable';
      } catch (failure) {
        error = errorMessage(failure);
        // A probe past its deadline may still hang on the kept connection: the next one starts on a new one.
        void this.probe?.close();
      }
      // An outage goes on from its first failed probe: it began when that probe was sent, at the latest.
      this.current = error === undefined ? null : { since: this.current?.since ?? started, error };
      return this.current;
    })().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }
}

/**
 * The readiness check of a process that keeps a watch: the watch's fresh answer (one probe shared by both) as a
 * DependencyCheck, failing with what the probe met.
 */
export function kafkaWatchCheck(watch: KafkaWatch): () => Promise<boolean> {
  return async () => {
    const outage = await watch.check();
    if (outage) throw new Error(outage.error);
    return true;
  };
}
