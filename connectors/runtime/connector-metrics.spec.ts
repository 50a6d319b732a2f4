import { describe, expect, it } from 'vitest';
import {
  countSkipped,
  MAX_SKIPPED_REASONS,
  newCounters,
  OTHER_REASONS,
  reportedCounters,
} from './connector-metrics.ts';

describe("a connector's skipped records, by reason", () => {
  it('counts each reason; past MAX_SKIPPED_REASONS reasons, new ones count together as other reasons', () => {
    const counters = newCounters();
    countSkipped('skips-spec', counters, 'status CREATED is not written to Odoo');
    countSkipped('skips-spec', counters, 'status CREATED is not written to Odoo', 4);
    countSkipped('skips-spec', counters, 'read from Odoo');
    expect(counters.recordsSkipped).toBe(6);
    expect(counters.skippedReasons).toEqual({
      'status CREATED is not written to Odoo': 5,
      'read from Odoo': 1,
    });
    // A sink that put an id into its reason: the status stays bounded, and nothing is lost from the total.
    for (let i = 0; i < 50; i++) countSkipped('skips-spec', counters, `record ${i} not found`);
    expect(Object.keys(counters.skippedReasons)).toHaveLength(MAX_SKIPPED_REASONS);
    expect(counters.skippedReasons[OTHER_REASONS]).toBe(50 - (MAX_SKIPPED_REASONS - 3));
    // A reason already known keeps counting under its own name.
    countSkipped('skips-spec', counters, 'read from Odoo');
    expect(counters.skippedReasons['read from Odoo']).toBe(2);
    expect(counters.recordsSkipped).toBe(57);
    const sum = Object.values(counters.skippedReasons).reduce((a, b) => a + b, 0);
    expect(sum).toBe(counters.recordsSkipped);
  });
});

describe('the counters another instance reported', () => {
  it('are taken as reported, and a field an older hub did not report is at its start value', () => {
    const older = { recordsIn: 7, recordsOut: 5, recordsSkipped: 2, recordsFailed: 0 };
    expect(reportedCounters(older)).toEqual({ ...newCounters(), ...older, skippedReasons: {} });
    const current = { ...newCounters(), recordsSkipped: 2, skippedReasons: { 'read from Odoo': 2 } };
    expect(reportedCounters(current)).toEqual(current);
    expect(reportedCounters(undefined)).toEqual(newCounters());
  });
});
