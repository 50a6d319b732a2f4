import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Delivery {
  id: string;
  body: string;
}

export interface SenderResult {
  /** Delivery ids answered 2xx. */
  acknowledged: Set<string>;
  attempts: number;
  /** Attempts that failed to connect or lost their connection (the worker was down or died mid-request). */
  connectionErrors: number;
  /** 429 / 503 answers (connector not running yet, back-pressure, not on Kafka in time). */
  retryLater: number;
  /** Any other status: a sender stops on those (4xx), so the spec fails on them. */
  refused: Array<{ id: string; status: number; body: string }>;
}

/**
 * A webhook sender as real ones behave: signs each body (hex HMAC-SHA256, `sha256=` prefix), posts with at most
 * `concurrency` requests open, and redelivers with the SAME delivery id after a connection error, a timeout, 429 or
 * 503, until a 2xx or until `deadline`. `onAck` sees each acknowledgement as it comes.
 */
export async function sendAll(
  url: string,
  deliveries: readonly Delivery[],
  options: {
    secret: string;
    concurrency: number;
    deadline: number;
    onAck?: (id: string, acked: number) => void;
  },
): Promise<SenderResult> {
  const result: SenderResult = {
    acknowledged: new Set(),
    attempts: 0,
    connectionErrors: 0,
    retryLater: 0,
    refused: [],
  };
  let next = 0;
  const send = async (delivery: Delivery) => {
    const signature = `sha256=${createHmac('sha256', options.secret).update(delivery.body).digest('hex')}`;
    while (Date.now() < options.deadline) {
      result.attempts++;
      let status: number;
      let text = '';
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-signature': signature,
            'x-delivery-id': delivery.id,
          },
          body: delivery.body,
          signal: AbortSignal.timeout(15_000),
        });
        status = response.status;
        text = await response.text();
      } catch {
        result.connectionErrors++;
        await sleep(100);
        continue;
      }
      if (status >= 200 && status < 300) {
        result.acknowledged.add(delivery.id);
        options.onAck?.(delivery.id, result.acknowledged.size);
        return;
      }
      if (status === 429 || status === 503) {
        result.retryLater++;
        await sleep(200);
        continue;
      }
      result.refused.push({ id: delivery.id, status, body: text });
      return;
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < deliveries.length) await send(deliveries[next++]!);
    }),
  );
  return result;
}
