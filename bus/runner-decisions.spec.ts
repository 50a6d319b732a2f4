import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from '../lib/errors.ts';
import {
  consumedEvent,
  decodeJson,
  type RetryVerdict,
  recordEnd,
  recordKind,
  retryLogLevel,
  retryVerdict,
} from './runner-decisions.ts';
import type { IncomingRecord } from './transport/types.ts';

/**
 * The consumer runner's rules on plain values: what a record is, the event its handler gets, the retry / dead-letter
 * decision on a failed attempt (the error, whether the member is leaving, the clock, the deadline retryForMs, the
 * retries spent and the budget) and how a record ends. The runner wired to the real broker: runner.int.spec.ts.
 */

const retriable = new RetriableError('the target answered 503');
const refused = new NonRetriableError('the target answered 400');
/** PostgreSQL shutting down (57P01): a service the handler depends on is away. */
const outage = Object.assign(new Error('terminating connection due to administrator command'), {
  code: '57P01',
});
const base = { leaving: false, now: 1_000, spent: 0, budget: 2 };

/** The verdicts of attempts failing with `error` one after another, spending as the runner spends. */
function attempts(
  error: unknown,
  state: Partial<Parameters<typeof retryVerdict>[1]>,
  n: number,
): RetryVerdict[] {
  const verdicts: RetryVerdict[] = [];
  let spent = state.spent ?? 0;
  for (let i = 0; i < n; i++) {
    const verdict = retryVerdict(error, { ...base, ...state, spent });
    verdicts.push(verdict);
    if (verdict === 'retry') spent += 1;
    if (verdict !== 'retry' && verdict !== 'wait-out') break;
  }
  return verdicts;
}

describe('consumer runner: retry, then dead letter', () => {
  it('retries a retriable failure the budget allows, then dead-letters it', () => {
    expect(attempts(retriable, {}, 5)).toEqual(['retry', 'retry', 'dead-letter']);
    expect(retryVerdict(retriable, { ...base, spent: 1 })).toBe('retry');
    expect(retryVerdict(retriable, { ...base, spent: 2 })).toBe('dead-letter');
    expect(retryVerdict(retriable, { ...base, budget: 0 })).toBe('dead-letter');
  });

  it('dead-letters a non-retriable failure at once, without retrying it', () => {
    expect(retryVerdict(refused, base)).toBe('dead-letter');
    expect(retryVerdict(refused, { ...base, budget: Number.POSITIVE_INFINITY })).toBe('dead-letter');
    // Leaving or not: a refusal no retry can help is dead-lettered.
    expect(retryVerdict(refused, { ...base, leaving: true })).toBe('dead-letter');
  });

  it('treats an error that is no EaiError as retriable', () => {
    expect(retryVerdict(new Error('socket hang up'), base)).toBe('retry');
  });
});

describe('consumer runner: retrying until applied (a sink)', () => {
  it('retries a retriable failure past any count with an infinite budget', () => {
    const endless = { ...base, budget: Number.POSITIVE_INFINITY };
    expect(retryVerdict(retriable, { ...endless, spent: 1_000_000 })).toBe('retry');
    expect(attempts(retriable, endless, 50).every((v) => v === 'retry')).toBe(true);
  });

  it('with retryForMs, dead-letters the record once that time has passed, not before', () => {
    const endless = { ...base, budget: Number.POSITIVE_INFINITY, until: 5_000 };
    expect(retryVerdict(retriable, { ...endless, now: 4_999 })).toBe('retry');
    expect(retryVerdict(retriable, { ...endless, now: 5_000 })).toBe('dead-letter');
    expect(retryVerdict(retriable, { ...endless, now: 6_000 })).toBe('dead-letter');
  });

  it('gives the record up (uncommitted, not dead-lettered) once the member is leaving: a rebalance or a stop', () => {
    expect(retryVerdict(retriable, { ...base, leaving: true })).toBe('give-up');
    expect(retryVerdict(retriable, { ...base, leaving: true, budget: Number.POSITIVE_INFINITY })).toBe(
      'give-up',
    );
    // Leaving comes before the deadline and the budget: the next member retries it.
    expect(retryVerdict(retriable, { ...base, leaving: true, until: 0, spent: 2 })).toBe('give-up');
  });

  it('logs the 1st, 2nd, 4th, 8th… retry at info, the others at debug', () => {
    const levels = Array.from({ length: 17 }, (_, i) => retryLogLevel(i + 1));
    expect(levels.map((l, i) => (l === 'info' ? i + 1 : null)).filter((a) => a !== null)).toEqual([
      1, 2, 4, 8, 16,
    ]);
    expect(retryLogLevel(3)).toBe('debug');
  });
});

describe('consumer runner: waiting out an outage (waitOutOutages)', () => {
  it("retries a failure that says the handler's database is away past the retry budget, without spending it", () => {
    const waiting = { ...base, waitOutOutages: true };
    expect(attempts(outage, waiting, 9).every((v) => v === 'wait-out')).toBe(true);
    expect(retryVerdict(outage, { ...waiting, spent: 2 })).toBe('wait-out');
    // Wrapped as a cause: an outage still.
    expect(retryVerdict(new RetriableError('the query failed', { cause: outage }), waiting)).toBe('wait-out');
  });

  it('still dead-letters other failures after the budget, and an outage once retryForMs has passed', () => {
    const waiting = { ...base, waitOutOutages: true };
    expect(attempts(retriable, waiting, 5)).toEqual(['retry', 'retry', 'dead-letter']);
    expect(retryVerdict(outage, { ...waiting, until: 1_000 })).toBe('dead-letter');
    expect(retryVerdict(outage, { ...waiting, leaving: true })).toBe('give-up');
  });

  it('without it, an outage spends the retry budget as any failure does', () => {
    expect(attempts(outage, base, 5)).toEqual(['retry', 'retry', 'dead-letter']);
  });
});

const record: IncomingRecord = {
  topic: 'canonical.orders',
  partition: 2,
  offset: '41',
  timestamp: '0',
  key: Buffer.from('order-1'),
  value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
  headers: { ce_type: Buffer.from('com.example.order') },
};
const json = (value: string): IncomingRecord => ({
  ...record,
  value: Buffer.from(value),
  headers: { ce_type: Buffer.from('eai.receipt.applied'), 'content-type': Buffer.from('application/json') },
});

describe('consumer runner: what a record is', () => {
  it('a null value is a tombstone, whatever its headers say; application/json a JSON CloudEvent; else Avro', () => {
    expect(recordKind({ ...record, value: null })).toBe('tombstone');
    expect(recordKind({ ...json('{}'), value: null })).toBe('tombstone');
    expect(recordKind(json('{}'))).toBe('json');
    expect(recordKind(record)).toBe('avro');
    expect(recordKind({ ...record, value: Buffer.alloc(0) })).toBe('avro');
    expect(recordKind({ ...record, headers: { 'content-type': Buffer.from('application/avro') } })).toBe(
      'avro',
    );
  });

  it('a JSON CloudEvent is parsed and named by its ce_type; one that is no JSON is refused for good, saying so', () => {
    expect(decodeJson(json('{"commandId":"wf:step","outcome":"APPLIED"}'))).toEqual({
      schemaName: 'eai.receipt.applied',
      value: { commandId: 'wf:step', outcome: 'APPLIED' },
    });
    expect(decodeJson({ ...json('[1]'), headers: {} })).toEqual({ schemaName: '', value: [1] });
    let refusal: unknown;
    try {
      decodeJson(json('{"commandId":'));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(NonRetriableError);
    expect((refusal as Error).message).toMatch(/^cannot decode JSON value: /);
    expect((refusal as Error).cause).toBeInstanceOf(SyntaxError);
    expect(() => decodeJson({ ...json(''), value: null })).toThrow(/cannot decode JSON value/);
  });

  it('the handler gets the decoded value, its schema, its key as text (null without one), its envelope and the record', () => {
    const decoded = { value: { id: 'order-1' }, schemaName: 'SalesOrderEvent' };
    expect(consumedEvent(record, decoded)).toEqual({
      value: { id: 'order-1' },
      schemaName: 'SalesOrderEvent',
      key: 'order-1',
      attributes: { type: 'com.example.order' },
      record,
    });
    expect(consumedEvent({ ...record, key: null }, decoded).key).toBeNull();
  });
});

describe('consumer runner: how a record ends (commit, dead letter, or left uncommitted)', () => {
  it('a tombstone is skipped and committed; a handled record is committed as ok', () => {
    expect(recordEnd({ tombstone: true })).toEqual({ outcome: 'tombstone', commit: true });
    expect(recordEnd({ handled: true })).toEqual({ outcome: 'ok', commit: true });
  });

  it('a record that cannot be decoded is dead-lettered at VALUE_CONVERTER, its handler at TASK_PUT, with the attempts the retries spent', () => {
    const spent = Object.assign(new RetriableError('registry unreachable'), { attempts: 3 });
    expect(recordEnd({ decodeError: spent })).toEqual({
      outcome: 'dead_lettered',
      commit: true,
      stage: 'VALUE_CONVERTER',
      attempts: 3,
    });
    expect(recordEnd({ handlerError: new NonRetriableError('order has no lines') })).toEqual({
      outcome: 'dead_lettered',
      commit: true,
      stage: 'TASK_PUT',
      attempts: 1,
    });
    expect(recordEnd({ handlerError: Object.assign(new Error('x'), { attempts: 101 }) })).toMatchObject({
      attempts: 101,
    });
    // Whatever was thrown, a dead letter says one attempt at least.
    expect(recordEnd({ handlerError: null })).toMatchObject({ stage: 'TASK_PUT', attempts: 1 });
    expect(recordEnd({ decodeError: 'bad bytes' })).toMatchObject({ stage: 'VALUE_CONVERTER', attempts: 1 });
    expect(recordEnd({ handlerError: Object.assign(new Error('x'), { attempts: 0 }) })).toMatchObject({
      attempts: 1,
    });
    expect(recordEnd({ handlerError: Object.assign(new Error('x'), { attempts: '3' }) })).toMatchObject({
      attempts: 1,
    });
  });

  it('retries given up for a rebalance or a stop leave the record uncommitted, not dead-lettered', () => {
    expect(recordEnd({ handled: false })).toEqual({ outcome: 'given_up', commit: false });
  });
});
