import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../lib/errors.ts';
import type { FaultRegistry } from './faults.ts';

export interface RetryPolicy {
  /** Attempts per event before giving up on it and moving to the next (bounded retries). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt timeout of the POST. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  timeoutMs: 5000,
};

export interface Subscriber {
  id: string;
  url: string;
  /** Receives events published on this channel; all events when absent. */
  channel?: string;
  /**
   * Sent as `Authorization: Bearer <token>` with every delivery, as a sending system's callout carries a credential
   * (Salesforce's named credentials, a HubSpot app's private token). Kept in the state file; never listed.
   */
  token?: string;
  createdAt: string;
}

/** A subscriber as `GET /sim/subscriptions` lists it: the token only as `authenticated`. */
export type ListedSubscriber = Omit<Subscriber, 'token'> & { authenticated?: true };

export interface DeliveryAttempt {
  seq: number;
  at: string;
  subscriberId: string;
  url: string;
  eventId: string;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'gave_up' | 'lost';
  status?: number;
  error?: string;
  duplicate?: boolean;
  reordered?: boolean;
}

/** Per-event options: extra headers computed from the exact body sent (signatures). */
export interface PublishOptions {
  headers?: (body: string, url: string) => Record<string, string>;
}

interface QueuedEvent {
  eventId: string;
  body: string;
  options: PublishOptions;
  reordered: boolean;
}

interface SubscriberQueue {
  subscriber: Subscriber;
  items: QueuedEvent[];
  running: boolean;
  wake?: () => void;
}

/**
 * Delivers events by POST, in order per subscriber, one at a time, retrying with exponential backoff
 * while the subscriber is down, subject to the webhook faults (lose, duplicate, reorder).
 */
export class WebhookDispatcher {
  private subscribers: Subscriber[] = [];
  private readonly queues = new Map<string, SubscriberQueue>();
  private attempts: DeliveryAttempt[] = [];
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly retry: RetryPolicy;
  private readonly faults: FaultRegistry;

  constructor(faults: FaultRegistry, retry: Partial<RetryPolicy> = {}) {
    this.faults = faults;
    this.retry = { ...DEFAULT_RETRY, ...retry };
  }

  subscribe(url: string, channel?: string, token?: string): Subscriber {
    const subscriber: Subscriber = {
      id: randomUUID(),
      url,
      ...(channel ? { channel } : {}),
      ...(token ? { token } : {}),
      createdAt: new Date().toISOString(),
    };
    this.subscribers.push(subscriber);
    return subscriber;
  }

  unsubscribe(id: string): boolean {
    const before = this.subscribers.length;
    this.subscribers = this.subscribers.filter((s) => s.id !== id);
    this.queues.delete(id);
    return this.subscribers.length < before;
  }

  /** The subscribers as the state file keeps them (tokens included). */
  list(): Subscriber[] {
    return [...this.subscribers];
  }

  /** The subscribers as answers show them: no token. */
  listed(): ListedSubscriber[] {
    return this.subscribers.map(listedSubscriber);
  }

  /** Restores subscribers from a state file. */
  restore(subscribers: Subscriber[]): void {
    this.subscribers = [...subscribers];
  }

  deliveries(): DeliveryAttempt[] {
    return [...this.attempts];
  }

  /** Forgets subscribers, queues and the delivery log (`POST /sim/reset`). */
  reset(): void {
    this.subscribers = [];
    this.queues.clear();
    this.attempts = [];
  }

  /** Queues `body` for every subscriber of one of `channels`; returns the event id. */
  publish(channels: string[], body: unknown, options: PublishOptions = {}): string {
    const eventId = randomUUID();
    const text = JSON.stringify(body);
    for (const subscriber of this.subscribers) {
      if (subscriber.channel && !channels.includes(subscriber.channel)) continue;
      const queue = this.queueOf(subscriber);
      queue.items.push({ eventId, body: text, options, reordered: false });
      queue.wake?.();
      void this.run(queue);
    }
    return eventId;
  }

  /** Resolves once every queued event was delivered, lost or given up (tests wait on it). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) queue.wake?.();
  }

  private isIdle(): boolean {
    return [...this.queues.values()].every((q) => !q.running && q.items.length === 0);
  }

  private queueOf(subscriber: Subscriber): SubscriberQueue {
    let queue = this.queues.get(subscriber.id);
    if (!queue) {
      queue = { subscriber, items: [], running: false };
      this.queues.set(subscriber.id, queue);
    }
    return queue;
  }

  private async run(queue: SubscriberQueue): Promise<void> {
    if (queue.running) return;
    queue.running = true;
    try {
      while (queue.items.length > 0 && !this.closed) {
        await this.maybeReorder(queue);
        const item = queue.items.shift();
        if (!item) break;
        const url = queue.subscriber.url;
        if (this.faults.takeWebhook('webhook_lose', url)) {
          this.log(queue.subscriber, item, 0, { outcome: 'lost' });
          continue;
        }
        const delivered = await this.deliver(queue.subscriber, item, false);
        if (delivered && this.faults.takeWebhook('webhook_duplicate', url)) {
          await this.deliver(queue.subscriber, item, true);
        }
      }
    } finally {
      queue.running = false;
      if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Lets the next event overtake the head of the queue, waiting a while for one to arrive. */
  private async maybeReorder(queue: SubscriberQueue): Promise<void> {
    const head = queue.items[0];
    if (!head || head.reordered) return;
    const fault = this.faults.takeWebhook('webhook_reorder', queue.subscriber.url);
    if (!fault) return;
    head.reordered = true;
    if (queue.items.length < 2) await this.waitForMore(queue, fault.holdMs);
    const next = queue.items[1];
    if (next) {
      queue.items[0] = next;
      queue.items[1] = head;
    }
  }

  private waitForMore(queue: SubscriberQueue, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      }
      queue.wake = done;
    });
  }

  private async deliver(subscriber: Subscriber, item: QueuedEvent, duplicate: boolean): Promise<boolean> {
    let delay = this.retry.initialDelayMs;
    for (let attempt = 1; attempt <= this.retry.maxAttempts && !this.closed; attempt++) {
      const extra = { duplicate, reordered: item.reordered };
      try {
        const response = await fetch(subscriber.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-sim-event-id': item.eventId,
            ...(subscriber.token ? { authorization: `Bearer ${subscriber.token}` } : {}),
            ...item.options.headers?.(item.body, subscriber.url),
          },
          body: item.body,
          signal: AbortSignal.timeout(this.retry.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.log(subscriber, item, attempt, { outcome: 'delivered', status: response.status, ...extra });
          return true;
        }
        this.log(subscriber, item, attempt, { outcome: 'failed', status: response.status, ...extra });
      } catch (error) {
        this.log(subscriber, item, attempt, { outcome: 'failed', error: errorMessage(error), ...extra });
      }
      if (attempt < this.retry.maxAttempts) await sleep(delay);
      delay = Math.min(delay * 2, this.retry.maxDelayMs);
    }
    this.log(subscriber, item, this.retry.maxAttempts, { outcome: 'gave_up' });
    return false;
  }

  private log(
    subscriber: Subscriber,
    item: QueuedEvent,
    attempt: number,
    fields: Pick<DeliveryAttempt, 'outcome'> & Partial<DeliveryAttempt>,
  ): void {
    this.attempts.push({
      seq: this.attempts.length + 1,
      at: new Date().toISOString(),
      subscriberId: subscriber.id,
      url: subscriber.url,
      eventId: item.eventId,
      attempt,
      ...fields,
    });
  }
}

export function listedSubscriber({ token, ...rest }: Subscriber): ListedSubscriber {
  return token ? { ...rest, authenticated: true } : rest;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
