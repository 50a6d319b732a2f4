import { createRequire } from 'node:module';
import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRetriable, withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';
import { kafkajsSendError } from './kafkajs.ts';

// kafkajs's own retrier and protocol errors, as its producer nests them: the producer's retrier around the cluster's.
const require = createRequire(import.meta.url);
type Retrier = (fn: (bail: (error: Error) => void, count: number) => Promise<void>) => Promise<void>;
const createRetry = require('kafkajs/src/retry') as (options: object) => Retrier;
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};

/** What a send meets when every attempt of the inner retrier fails with `error`, as kafkajs throws it. */
async function nested(error: () => Error): Promise<unknown> {
  const outer = createRetry({ retries: 1000, initialRetryTime: 1, maxRetryTime: 1 });
  const inner = createRetry({ retries: 2, initialRetryTime: 1, maxRetryTime: 1 });
  return outer(() =>
    inner(async () => {
      throw error();
    }),
  ).catch((thrown: unknown) => thrown);
}

describe("a kafkajs send's error, transient or final", () => {
  it('is transient when the broker stayed unreachable through the retries (a broker restart)', async () => {
    // As a source connector met it while the broker was down for 40 s: every source then went FAILED for good.
    const thrown = await nested(
      () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:39092'),
    );
    expect((thrown as { retriable?: boolean }).retriable).toBe(false);
    const error = kafkajsSendError(thrown, ['canonical.sales-order', 'eai-connect.offsets']);
    expect(error.message).toBe(
      'kafkajs could not deliver to canonical.sales-order, eai-connect.offsets: Connection error: connect ECONNREFUSED 127.0.0.1:39092',
    );
    expect(isRetriable(error)).toBe(true);
  });

  it('stays final for a fenced producer, whether retried or not', async () => {
    const fenced = () => createErrorFromCode(90); // PRODUCER_FENCED: another instance took the transactional id
    expect(isRetriable(kafkajsSendError(fenced(), ['t']))).toBe(false);
    expect(isRetriable(kafkajsSendError(await nested(fenced), ['t']))).toBe(false);
  });

  it("stays final for kafkajs's own refusals, which have no cause", () => {
    const misuse = new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer.');
    expect(isRetriable(kafkajsSendError(misuse, ['t']))).toBe(false);
  });

  it('is transient for an error kafkajs calls transient', () => {
    expect(isRetriable(kafkajsSendError(new KafkaJSConnectionError('Connection timeout'), ['t']))).toBe(true);
  });

  it('marks the record kafkajs quotes when it refuses one (its key and headers), not the topic', () => {
    const refused = new KafkaJSNonRetriableError(
      `Invalid message without value for topic "canonical.customer": ${JSON.stringify({ key: 'jane.roe@example.com', headers: { 'eai.name': 'Jane Roe' } })}`,
    );
    const error = kafkajsSendError(refused, ['canonical.customer']);
    expect(withoutDocumentValues(error.message)).toBe(
      'kafkajs could not deliver to canonical.customer: Invalid message without value for topic "canonical.customer": "…"',
    );
    expect(withoutValueMarks(error.message)).toContain('"key":"jane.roe@example.com"');
  });
});
