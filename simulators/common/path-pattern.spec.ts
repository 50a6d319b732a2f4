import { describe, expect, it } from 'vitest';
import { compilePathPattern, methodMatches } from './path-pattern.ts';

describe('fault path patterns', () => {
  it('matches * within a segment, ** across segments and :name as one segment', () => {
    const one = compilePathPattern('/services/data/*/sobjects/Account');
    expect(one.test('/services/data/v62.0/sobjects/Account')).toBe(true);
    expect(one.test('/services/data/v62.0/x/sobjects/Account')).toBe(false);
    expect(compilePathPattern('/services/**').test('/services/data/v62.0/query')).toBe(true);
    const param = compilePathPattern('/sobjects/:type/:id');
    expect(param.test('/sobjects/Account/001')).toBe(true);
    expect(param.test('/sobjects/Account/')).toBe(false);
    expect(compilePathPattern('/a.b').test('/aXb')).toBe(false);
    expect(methodMatches('*', 'PATCH')).toBe(true);
    expect(methodMatches('post', 'POST')).toBe(true);
    expect(methodMatches('GET', 'POST')).toBe(false);
  });
});
