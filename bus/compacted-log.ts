import { randomUUID } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import type { Transport, TransportConsumer, TransportProducer } from './transport/types.ts';

const MARKER_PREFIX = '__eai.sync/';

/**
 * A materialised view of a compacted topic (string keys, JSON text values, `null` = deleted), as Kafka Connect's
 * KafkaBasedLog keeps configs, statuses and offsets: every instance reads the whole topic and then follows it.
 * `sync()` gives read-your-writes: it writes a marker and waits until the view has read past it, which with a
 * `read_committed` consumer also waits for every transaction opened before it to end. One partition per topic,
 * so the marker orders after everything written before it.
 */
export class CompactedLog {
  private readonly values = new Map<string, string>();
  private readonly listeners: Array<(key: string, value: string | null) => void> = [];
  private readonly instance = randomUUID();
  private readonly waiting = new Map<string, () => void>();
  private consumer?: TransportConsumer;
  private producer?: TransportProducer;

  private readonly transport: Transport;
  readonly topic: string;
  private readonly logger: Logger;

  constructor(transport: Transport, topic: string, logger: Logger) {
    this.transport = transport;
    this.topic = topic;
    this.logger = logger;
  }

  /**
   * Reads the topic and follows it; resolves once the view has caught up (`sync`), or at once with `sync: false` for
   * a reader that syncs before it reads (a view a transaction may hold back, until its writer is fenced).
   */
  async start(options: { sync?: boolean } = {}): Promise<void> {
    this.producer = this.transport.producer();
    // A group of this view alone, which commits nothing and is deleted when the view stops.
    this.consumer = this.transport.consumer({
      groupId: `eai-log-${this.topic}-${this.instance}`,
      ephemeral: true,
    });
    await Promise.all([this.producer.connect(), this.consumer.connect()]);
    await this.consumer.run({
      topics: [this.topic],
      fromBeginning: true,
      commit: false,
      eachRecord: async (record) => {
        const key = record.key?.toString('utf8') ?? '';
        if (key.startsWith(MARKER_PREFIX)) {
          const token = record.value?.toString('utf8') ?? '';
          this.waiting.get(token)?.();
          return;
        }
        const value = record.value ? record.value.toString('utf8') : null;
        if (value === null) this.values.delete(key);
        else this.values.set(key, value);
        for (const listener of this.listeners) {
          try {
            listener(key, value);
          } catch (error) {
            this.logger.error(
              { topic: this.topic, key, error: (error as Error).message },
              'log listener failed',
            );
          }
        }
      },
    });
    if (options.sync !== false) await this.sync();
  }

  /** Resolves once everything written to the topic before this call is in the view. */
  async sync(timeoutMs = 30_000): Promise<void> {
    const token = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const seen = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new Error(`${this.topic}: view did not catch up within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(token, () => {
        clearTimeout(timer);
        this.waiting.delete(token);
        resolve();
      });
    });
    // The timeout may fire while the marker is still being sent (a slow broker): the rejection is the caller's,
    // through `await seen` below, never an unhandled one (which ends the process: a worker died of it in CI).
    seen.catch(() => undefined);
    try {
      await this.producer!.send([
        { topic: this.topic, key: `${MARKER_PREFIX}${this.instance}`, value: Buffer.from(token) },
      ]);
    } catch (error) {
      clearTimeout(timer);
      this.waiting.delete(token);
      throw error;
    }
    await seen;
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /** Writes a value (or `null` to delete it) and waits until the view holds it. */
  async put(key: string, value: string | null): Promise<void> {
    await this.producer!.send([
      { topic: this.topic, key, value: value === null ? null : Buffer.from(value) },
    ]);
    await this.sync();
  }

  onChange(listener: (key: string, value: string | null) => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
