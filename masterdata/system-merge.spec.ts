import { describe, expect, it } from 'vitest';
import { mergedAway } from './system-merge.ts';

describe('mergedAway', () => {
  it("names the records merged away as the hub keys them: the system's prefix off, the survivor and repeats left out", () => {
    expect(mergedAway('hubspot', '501', ['hubspot:502', 'hubspot:501', '503', 'hubspot:502', ''])).toEqual([
      '502',
      '503',
    ]);
    expect(mergedAway('hubspot', 'company:7', ['hubspot:company:8', 'hubspot:company:7'])).toEqual([
      'company:8',
    ]);
    // Another system's prefix is part of the id: the event names its own system's records.
    expect(mergedAway('odoo', '12', ['hubspot:9'])).toEqual(['hubspot:9']);
  });
});
