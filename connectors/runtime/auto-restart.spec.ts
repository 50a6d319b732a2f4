import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConfigError, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import { ConnectorRecovery, DEFAULT_RESTART_POLICY, restartable, restartDelay } from './auto-restart.ts';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};
// kafkajs's error classes as it throws them (its typings leave some out, and some of their constructors' arguments).
type ErrorClass = new (...args: unknown[]) => Error;
const {
  KafkaJSBrokerNotFound,
  KafkaJSConnectionClosedError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
} = require('kafkajs/src/errors') as Record<
  | 'KafkaJSBrokerNotFound'
  | 'KafkaJSConnectionClosedError'
  | 'KafkaJSGroupCoordinatorNotFound'
  | 'KafkaJSNonRetriableError'
  | 'KafkaJSNotImplemented'
  | 'KafkaJSNumberOfRetriesExceeded',
  ErrorClass
>;

describe('which failures a connector restarts after by itself', () => {
  it("restarts after the passing Kafka errors of a broker's restart, also wrapped in kafkajs's retriers", () => {
    // The three errors the outside trial saw connectors stay FAILED with while the broker restarted.
    expect(restartable(new KafkaJSBrokerNotFound('Broker -1 not found in the cached metadata'))).toBe(true);
    const closed = new KafkaJSConnectionClosedError('Closed connection', { host: '127.0.0.1', port: 19092 });
    const exceeded = new KafkaJSNumberOfRetriesExceeded(closed, { retryCount: 5, retryTime: 3000 });
    expect(restartable(new KafkaJSNonRetriableError(exceeded, { cause: exceeded }))).toBe(true);
    expect(restartable(createErrorFromCode(5))).toBe(true); // LEADER_NOT_AVAILABLE
    expect(restartable(new RetriableError('SAP unreachable'))).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8069'), { code: 'ECONNREFUSED' });
    expect(restartable(new TypeError('fetch failed', { cause: refused }))).toBe(true);
  });

  it("restarts after a consumer's crash for good on its group coordinator not found, which kafkajs calls final", () => {
    const lost = new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
    expect(restartable(lost)).toBe(true);
    // As its consumer's retrier hands it over when a rejoin met it.
    expect(restartable(new KafkaJSNonRetriableError(lost, { cause: lost }))).toBe(true);
    // A batch its client cannot decode is read again at every restart.
    expect(restartable(new KafkaJSNotImplemented('ZSTD compression not implemented'))).toBe(false);
  });

  it('stays FAILED after a failure a restart repeats: a config, a fenced producer, an error that says nothing', () => {
    expect(restartable(new ConfigError('config.dir: /nowhere does not exist'))).toBe(false);
    expect(restartable(new NonRetriableError('output topic "x" does not exist'))).toBe(false);
    expect(restartable(createErrorFromCode(47))).toBe(false); // INVALID_PRODUCER_EPOCH: another instance took over
    expect(restartable(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(restartable('a string')).toBe(false);
    // A retriable cause does not make a refusal of the hub's own retriable.
    expect(restartable(new NonRetriableError('refused', { cause: new RetriableError('down') }))).toBe(false);
  });
});

describe('the backoff between restarts', () => {
  const policy = { ...DEFAULT_RESTART_POLICY, initialDelayMs: 1_000, maxDelayMs: 300_000 };
  const none = () => 0;

  it('doubles from 1 s up to 5 min, up to a fifth shorter, never under a Retry-After', () => {
    expect([0, 1, 2, 3, 8, 9, 50].map((n) => restartDelay(n, policy, undefined, none))).toEqual([
      1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000,
    ]);
    expect(restartDelay(0, policy, undefined, () => 1)).toBe(800);
    expect(restartDelay(0, policy, new RetriableError('429', { retryAfterMs: 30_000 }), none)).toBe(30_000);
  });

  it('counts from 0 again once the connector ran resetAfterMs without failing', () => {
    const recovery = new ConnectorRecovery();
    recovery.restarting();
    recovery.restarting();
    recovery.runningSince = 1_000;
    recovery.settle({ ...policy, resetAfterMs: 600_000 }, 1_000 + 599_999);
    expect(recovery.status()?.restarts).toBe(2);
    recovery.settle({ ...policy, resetAfterMs: 600_000 }, 1_000 + 600_000);
    expect(recovery.status()).toBeNull();
  });
});
