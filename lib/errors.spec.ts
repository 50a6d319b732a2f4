import { describe, expect, it } from 'vitest';
import { isOutage, NonRetriableError, RetriableError } from './errors.ts';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isOutage: a service the work depends on is away, not the work wrong', () => {
  it("says so for connections refused, reset or timed out, and PostgreSQL's connection and shutdown states", () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      '08006',
      '08001',
      '57P01',
      '57P03',
      '53300',
    ])
      expect(isOutage(coded(code)), code).toBe(true);
    expect(isOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isOutage(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('looks along the causes (a wrapper that says what it was doing)', () => {
    const wrapped = new RetriableError('recording order 4711 failed', { cause: coded('57P01') });
    expect(isOutage(wrapped)).toBe(true);
  });

  it("says no for the work's own failures: a constraint, a syntax error, a refusal, a plain error", () => {
    expect(isOutage(coded('23505'))).toBe(false);
    expect(isOutage(coded('42601'))).toBe(false);
    expect(isOutage(new NonRetriableError('HTTP 400'))).toBe(false);
    expect(isOutage(new Error('cannot read properties of undefined'))).toBe(false);
    expect(isOutage(undefined)).toBe(false);
  });
});
