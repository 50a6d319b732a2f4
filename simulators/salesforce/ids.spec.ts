import { describe, expect, it } from 'vitest';
import { caseChecksum, isValidId, newId, to18 } from './ids.ts';

describe('Salesforce ids', () => {
  it('computes the documented case-checksum suffixes', () => {
    // Both ids appear in the REST API guide's examples.
    expect(to18('00190000001pPvH')).toBe('00190000001pPvHAAU');
    expect(to18('001D000000Kv3g5')).toBe('001D000000Kv3g5IAB');
  });

  it('generates 18-character ids with the key prefix and a matching suffix', () => {
    for (let i = 0; i < 50; i++) {
      const id = newId('003');
      expect(id).toMatch(/^003[a-zA-Z0-9]{15}$/);
      expect(caseChecksum(id.slice(0, 15))).toBe(id.slice(15));
      expect(isValidId(id)).toBe(true);
    }
    expect(isValidId('001D000000Kv3g5AAA')).toBe(false);
  });
});
