import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isRetriable } from '../../lib/errors.ts';
import { whileLeadersElected } from './kafkajs.ts';

// kafkajs's own retrier and protocol errors, as its admin.fetchTopicOffsets meets and bails on them.
const require = createRequire(import.meta.url);
type Retrier = <T>(fn: (bail: (error: Error) => void, count: number) => Promise<T>) => Promise<T>;
const createRetry = require('kafkajs/src/retry') as (options: object) => Retrier;
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};
const NOT_LEADER = 6;
const LEADER_NOT_AVAILABLE = 5;
const TOPIC_AUTHORIZATION_FAILED = 29;

/** A read as kafkajs's admin does it: any error but an unknown topic bailed out at once, wrapped. */
function adminRead<T>(answers: Array<number | T>): { read: () => Promise<T>; calls: () => number } {
  let calls = 0;
  const retrier = () => createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 1 });
  return {
    calls: () => calls,
    read: () =>
      retrier()(async (bail) => {
        const answer = answers[Math.min(calls++, answers.length - 1)]!;
        if (typeof answer === 'number') bail(createErrorFromCode(answer));
        return answer as T;
      }),
  };
}

describe('admin reads while the broker elects partition leaders', () => {
  it('are read again until the leaders answer (a broker just started), not failed with NOT_LEADER', async () => {
    const { read, calls } = adminRead([NOT_LEADER, LEADER_NOT_AVAILABLE, NOT_LEADER, 'offsets']);
    await expect(whileLeadersElected('offsets of topic t', read)).resolves.toBe('offsets');
    expect(calls()).toBe(4);
  });

  it('give up after the deadline with a retriable error that says what was read and what to do', async () => {
    const { read } = adminRead([NOT_LEADER]);
    const error = await whileLeadersElected('offsets of topic dev.orders', read, 200).catch((e: Error) => e);
    expect(isRetriable(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^offsets of topic dev\.orders: Kafka has elected no partition leader for 0.2 s \(This server is not the leader for that topic-partition\); a broker that just started elects them within seconds: try again/,
    );
  });

  it('pass any other error on at once', async () => {
    const { read, calls } = adminRead([TOPIC_AUTHORIZATION_FAILED, 'offsets']);
    await expect(whileLeadersElected('offsets of topic t', read)).rejects.toThrow(/Not authorized/);
    expect(calls()).toBe(1);
  });
});
