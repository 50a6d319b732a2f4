import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReadme } from './config-docs.ts';

describe('generated docs', () => {
  it('the README configuration table matches the zod schema (run `npm run docs` after changing it)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(renderReadme(readme)).toBe(readme);
    expect(readme).toContain('| `KAFKA_BROKERS` |');
  });
});
