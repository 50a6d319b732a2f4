import type { TransactionalProducer } from '../../bus/index.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';

/**
 * How long a source's spare transactional producer (the second id of a task that polls ahead) stays connected with no
 * transaction on it, by default. Then its connections close: an idle source holds one producer, not two (the scale
 * trial: 70 connections for 35 idle sources, times the brokers of a cluster, against managed clusters' limits).
 */
export const SPARE_PRODUCER_IDLE_MS = 10_000;

/**
 * A transaction that begins within this of the previous one's commit is back to back: only then is the spare worth
 * reconnecting (the id that just committed answers CONCURRENT_TRANSACTIONS until its commit markers are written, a few
 * ms on loopback, more with replicas). A source whose transactions come further apart uses one id and one connection.
 */
export const BACK_TO_BACK_MS = 250;

type SpareState = 'connected' | 'connecting' | 'disconnecting' | 'disconnected';

interface Slot {
  producer: TransactionalProducer;
  state: SpareState;
  idle?: NodeJS.Timeout;
  /** The reconnection or disconnection under way. */
  changing?: Promise<void>;
}

export interface ProducerTurnsOptions {
  logger: Logger;
  /** How long a spare stays connected without a transaction; default SPARE_PRODUCER_IDLE_MS. */
  idleMs?: number;
}

/**
 * The transactional producers of one source, one per transactional id, taken in turn one transaction at a time. The
 * first (the primary) stays connected while the source runs; the others (spares) close their connections after
 * `idleMs` without a transaction and connect again when transactions come back to back, the primary taking the turns
 * meanwhile. A spare connected again keeps its producer id and epoch (the transport's producer connects its broker
 * connections again, with no InitProducerId): a newer instance that took the connector over while it was idle has
 * fenced that epoch, so the zombie's next transaction on it fails as before, and it never fences the newer one.
 */
export class ProducerTurns {
  private readonly slots: Slot[];
  private readonly options: ProducerTurnsOptions;
  /** The slot of the last transaction taken, and when it ended (performance.now()). */
  private last: number;
  private lastEnded = Number.NEGATIVE_INFINITY;
  private inUse: number | undefined;
  private stopped = false;

  constructor(producers: TransactionalProducer[], options: ProducerTurnsOptions) {
    if (producers.length === 0) throw new Error('ProducerTurns: at least one producer');
    this.slots = producers.map((producer) => ({ producer, state: 'disconnected' }));
    this.options = options;
    this.last = producers.length - 1;
  }

  /**
   * Connects every producer at once: each takes its transactional id over (fencing an earlier instance's producer and
   * aborting a transaction it left open). The spares then wait `idleMs` for a transaction before they disconnect.
   */
  async connect(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.producer.connect()));
    for (const slot of this.slots) slot.state = 'connected';
    for (let i = 1; i < this.slots.length; i++) this.scheduleIdle(i);
  }

  /** How many of the producers are connected now (or connecting). */
  connected(): number {
    return this.slots.filter((slot) => slot.state === 'connected' || slot.state === 'connecting').length;
  }

  /**
   * The producer for the next transaction: the next in turn when it is connected, else the primary; a spare not
   * connected is connected again in the background when this transaction comes back to back.
   */
  take(): TransactionalProducer {
    if (this.inUse !== undefined) throw new Error('ProducerTurns: one transaction at a time');
    let next = (this.last + 1) % this.slots.length;
    const spare = this.slots[next]!;
    if (next !== 0 && spare.state !== 'connected') {
      if (performance.now() - this.lastEnded < BACK_TO_BACK_MS) this.reconnect(next);
      next = 0;
    }
    const slot = this.slots[next]!;
    clearTimeout(slot.idle);
    this.inUse = next;
    return slot.producer;
  }

  /** The transaction on the producer `take` gave ended (committed or not). */
  ended(): void {
    const index = this.inUse;
    if (index === undefined) return;
    this.inUse = undefined;
    this.last = index;
    this.lastEnded = performance.now();
    if (index !== 0) this.scheduleIdle(index);
  }

  /** Disconnects every producer (the source stops). */
  async disconnect(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots) clearTimeout(slot.idle);
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.changing?.catch(() => undefined);
        await slot.producer.disconnect().catch(() => undefined);
        slot.state = 'disconnected';
      }),
    );
  }

  private scheduleIdle(index: number): void {
    const slot = this.slots[index]!;
    clearTimeout(slot.idle);
    slot.idle = setTimeout(() => this.disconnectIdle(index), this.options.idleMs ?? SPARE_PRODUCER_IDLE_MS);
    slot.idle.unref();
  }

  private disconnectIdle(index: number): void {
    const slot = this.slots[index]!;
    if (this.stopped || this.inUse === index || slot.state !== 'connected') return;
    slot.state = 'disconnecting';
    slot.changing = slot.producer
      .disconnect()
      .catch((error) =>
        this.options.logger.warn(
          { error: errorMessage(error) },
          'idle spare transactional producer did not disconnect cleanly',
        ),
      )
      .finally(() => {
        slot.state = 'disconnected';
        slot.changing = undefined;
      });
  }

  private reconnect(index: number): void {
    const slot = this.slots[index]!;
    if (this.stopped || slot.state !== 'disconnected') return;
    slot.state = 'connecting';
    slot.changing = slot.producer.connect().then(
      () => {
        slot.changing = undefined;
        if (this.stopped) return;
        slot.state = 'connected';
        this.scheduleIdle(index);
      },
      (error) => {
        slot.changing = undefined;
        slot.state = 'disconnected';
        this.options.logger.warn(
          { error: errorMessage(error) },
          'spare transactional producer did not connect: the primary takes its turns',
        );
      },
    );
  }
}
