import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../lib/errors.ts';
import { isExpectedNotice, kafkajsLevel } from './kafkajs.ts';

describe("kafkajs's notices kept out of the logs", () => {
  it('drops the metadata answers of a topic the broker is still creating, which kafkajs asks again', () => {
    // As logged in CI by `eai bus publish` to a topic its first send auto-created.
    const unknown = 'This server does not host this topic-partition';
    const leaderless =
      'There is no leader for this topic-partition as we are in the middle of a leadership election';
    expect(isExpectedNotice('Response Metadata(key: 3, version: 6)', unknown)).toBe(true);
    expect(isExpectedNotice('Response Metadata(key: 3, version: 6)', leaderless)).toBe(true);
  });

  it("drops a heartbeat's or sync's answer while the group rebalances, which kafkajs rejoins after", () => {
    // As logged by `eai up --orchestrator` while its router consumers joined their group.
    const rebalancing = 'The group is rebalancing, so a rejoin is needed';
    expect(isExpectedNotice('Response Heartbeat(key: 12, version: 3)', rebalancing)).toBe(true);
    expect(isExpectedNotice('Response SyncGroup(key: 14, version: 3)', rebalancing)).toBe(true);
    expect(
      isExpectedNotice(
        'Response Heartbeat(key: 12, version: 3)',
        'The coordinator is not aware of this member',
      ),
    ).toBe(false);
  });

  it("drops the error kafkajs logs when a sink's retries are given up for a pause or a stop, not a handler's own", () => {
    // As logged at every pause of a sink retrying a target that was down (the runner leaves the record uncommitted).
    const givenUp = new RetriableError(
      'handler retries given up: the group rebalances or the consumer stops',
    );
    expect(isExpectedNotice('Error when calling eachMessage', givenUp)).toBe(true);
    expect(
      isExpectedNotice('Error when calling eachMessage', new RetriableError('decoder answered 503')),
    ).toBe(false);
  });

  it('keeps the same error from a produce request, and errors it does not know', () => {
    expect(
      isExpectedNotice(
        'Response Produce(key: 0, version: 7)',
        'This server does not host this topic-partition',
      ),
    ).toBe(false);
    expect(
      isExpectedNotice(
        'Response Produce(key: 0, version: 7)',
        'The request included a message larger than the max message size the server will accept',
      ),
    ).toBe(false);
    expect(isExpectedNotice('Response Metadata(key: 3, version: 6)', 'Topic authorization failed')).toBe(
      false,
    );
  });

  it("logs a group's rebalance at info, not as a warning, and other warnings as warnings", () => {
    // As `eai demo` printed it before its URLs, twice, while the orchestrator's consumers joined their groups.
    const rejoin = { error: 'The group is rebalancing, so a rejoin is needed', groupId: 'g', memberId: 'm' };
    expect(kafkajsLevel(logLevel.WARN, 'The group is rebalancing, re-joining', rejoin)).toBe('info');
    expect(kafkajsLevel(logLevel.WARN, 'Consumer group is rebalancing too often', {})).toBe('warn');
    expect(kafkajsLevel(logLevel.INFO, 'Consumer has joined the group', {})).toBeUndefined();
  });

  it('logs an attempt kafkajs retries as a warning, and keeps errors it gives up with or cannot retry at error', () => {
    // As `eai up --deploy … --group <new>` logged them at error while the new group's topics got their leaders.
    const notLeader = 'This server is not the leader for that topic-partition';
    const produce = 'Response Produce(key: 0, version: 7)';
    expect(kafkajsLevel(logLevel.ERROR, produce, { error: notLeader })).toBe('warn');
    expect(
      kafkajsLevel(logLevel.ERROR, 'Response ListOffsets(key: 2, version: 4)', { error: notLeader }),
    ).toBe('warn');
    expect(
      kafkajsLevel(logLevel.ERROR, `Failed to send messages: ${notLeader}`, {
        retryCount: 0,
        retryTime: 300,
      }),
    ).toBe('warn');
    expect(kafkajsLevel(logLevel.ERROR, 'The request timed out', { retryCount: 1, retryTime: 600 })).toBe(
      'warn',
    );
    // A member its group dropped (session expired on a busy machine): kafkajs joins again.
    const dropped = { error: 'The coordinator is not aware of this member' };
    expect(kafkajsLevel(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', dropped)).toBe('warn');
    expect(kafkajsLevel(logLevel.ERROR, 'Response OffsetCommit(key: 8, version: 5)', dropped)).toBe('warn');
    expect(kafkajsLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', dropped)).toBe('error');
    // Given up, not retriable, or not a Kafka error: still errors.
    expect(
      kafkajsLevel(logLevel.ERROR, `Crash: KafkaJSNumberOfRetriesExceeded: ${notLeader}`, { retryCount: 5 }),
    ).toBe('error');
    expect(kafkajsLevel(logLevel.ERROR, produce, { error: 'Topic authorization failed' })).toBe('error');
    expect(
      kafkajsLevel(logLevel.ERROR, produce, {
        error: 'The request included a message larger than the max message size the server will accept',
      }),
    ).toBe('error');
    expect(kafkajsLevel(logLevel.ERROR, 'Failed to connect to broker, reconnecting', { retryCount: 1 })).toBe(
      'error',
    );
    // Expected notices stay out; warnings stay warnings; info and debug are not logged.
    expect(
      kafkajsLevel(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', {
        error: 'This server does not host this topic-partition',
      }),
    ).toBeUndefined();
    expect(kafkajsLevel(logLevel.WARN, 'Consumer group is rebalancing too often', {})).toBe('warn');
    expect(kafkajsLevel(logLevel.INFO, 'Consumer has joined the group', {})).toBeUndefined();
  });
});
