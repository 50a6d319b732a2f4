import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findReader } from '../../formats/index.ts';
import { FIXTURE_RECEIVED_AT } from '../../mappings/engine/fixtures.ts';
import { findMapping, inTimeZone, mapDocument, mappingsDir } from '../../mappings/index.ts';
import { mappingChooser } from './source-step.ts';

/** A connector's timeZone on the mappings it runs (its mappingsBySender, on the bus: source-step.int.spec.ts). */

const baseDir = mappingsDir;
// ISA06 ACMESUPPLY.
const otherPo = readFileSync(join(mappingsDir, '../formats/x12-850/fixtures', 'several-st-sets.edi'));

describe("source step: the connector's timeZone", () => {
  const orderDates = async (timeZone?: string) => {
    const input = { format: 'x12-850', bytes: otherPo, receivedAt: FIXTURE_RECEIVED_AT };
    const mapping = mappingChooser({
      name: 'zoned',
      mapping: 'edi/x12-850.to-canonical.yaml',
      timeZone,
      baseDir,
    })(input);
    const [document] = findReader('x12-850').parse(otherPo);
    const records = await mapDocument(mapping, document!);
    return records.map((r) => (r.value as { occurredAt: string }).occurredAt);
  };

  it("reads the partner's dates without a zone in the connector's zone, over the mapping's UTC", async () => {
    const utc = await orderDates();
    const newYork = await orderDates('America/New_York');
    expect(utc.length).toBeGreaterThan(0);
    // The 850's GS date and time carry no zone: read in New York they are 4 or 5 hours later than read in UTC.
    utc.forEach((date, i) => {
      const hours = (Date.parse(newYork[i]!) - Date.parse(date)) / 3_600_000;
      expect([4, 5]).toContain(hours);
    });
  });

  it("writes a sink's dates in its zone: the compiled mapping is the shipped one with that zone, once per zone", () => {
    const shippedOrdrsp = findMapping('sap/ordrsp.from-canonical.yaml');
    const berlin = inTimeZone(shippedOrdrsp, 'Europe/Berlin');
    expect(shippedOrdrsp.spec.options.timeZone).toBe('UTC');
    expect(berlin.spec.options.timeZone).toBe('Europe/Berlin');
    expect(inTimeZone(shippedOrdrsp, 'Europe/Berlin')).toBe(berlin);
    expect(inTimeZone(shippedOrdrsp, undefined)).toBe(shippedOrdrsp);
  });
});
