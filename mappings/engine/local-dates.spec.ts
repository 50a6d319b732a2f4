import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quotedValue } from '../../lib/errors.ts';
import { compileMapping } from './compile.ts';
import { localDate, localTime } from './functions.ts';
import { canonicalValues, mapToSystem } from './run.ts';
import { loadMappingFile, shippedMappingsDir } from './spec.ts';

describe('$localDate and $localTime: an instant as the wall clock of a zone', () => {
  it('dates an instant near midnight by the zone, not by UTC, across daylight saving changes', () => {
    // 23:30 UTC on 4 December is 00:30 on 5 December in Berlin (CET, +1) and 18:30 on 4 December in New York.
    expect(localDate('2026-12-04T23:30:00.000Z', 'Europe/Berlin')).toBe('2026-12-05');
    expect(localTime('2026-12-04T23:30:00.000Z', 'Europe/Berlin')).toBe('00:30:00');
    expect(localDate('2026-12-04T23:30:00.000Z', 'America/New_York')).toBe('2026-12-04');
    expect(localTime('2026-12-04T23:30:00.000Z', 'America/New_York')).toBe('18:30:00');
    // Berlin's clocks go to summer time at 01:00 UTC on 29 March 2026: +1 before, +2 after.
    expect(localTime('2026-03-29T00:59:59Z', 'Europe/Berlin')).toBe('01:59:59');
    expect(localTime('2026-03-29T01:00:00Z', 'Europe/Berlin')).toBe('03:00:00');
    // A timestamp with another offset is the same instant; epoch milliseconds are read too.
    expect(localDate('2026-12-05T00:30:00+01:00', 'UTC')).toBe('2026-12-04');
    expect(localDate(Date.parse('2026-12-04T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-05');
  });

  it('keeps the day of a date without a time (exactly midnight UTC) in every zone', () => {
    expect(localDate('2026-05-05T00:00:00.000Z', 'America/New_York')).toBe('2026-05-05');
    expect(localDate('2026-05-05T00:00:00.000Z', 'Pacific/Auckland')).toBe('2026-05-05');
    expect(localTime('2026-05-05T00:00:00.000Z', 'America/New_York')).toBe('00:00:00');
    // A millisecond later it is an instant again.
    expect(localDate('2026-05-05T00:00:00.001Z', 'America/New_York')).toBe('2026-05-04');
  });

  it('writes nothing for nothing, and refuses a text that is no instant or a zone that does not exist', () => {
    expect(localDate(undefined)).toBeUndefined();
    expect(localDate(null)).toBeUndefined();
    expect(localDate('  ')).toBeUndefined();
    expect(() => localDate('5 May', 'UTC')).toThrow(
      `$localDate: ${quotedValue('5 May')} is not a timestamp with a zone`,
    );
    expect(() => localTime('2026-12-04T23:30:00Z', 'Europe/Atlantis')).toThrow(
      '$localTime: "Europe/Atlantis" is not a time zone name',
    );
  });
});

/** A shipped from-canonical mapping compiled with another options.timeZone, as a copy set per system would be. */
function inZone(file: string, timeZone: string) {
  const loaded = loadMappingFile(join(shippedMappingsDir, file));
  loaded.spec.options = { ...loaded.spec.options, timeZone };
  return compileMapping(loaded);
}

const fixture = (file: string) => canonicalValues(readFileSync(join(shippedMappingsDir, file), 'utf8'))[0];

describe("outbound mappings write dates in the target system's zone (options.timeZone)", () => {
  it("SAP ORDRSP: an order dated 23:59:59 UTC on 5 January is SAP's 6 January in Berlin, 5 January in UTC", async () => {
    const order = fixture('sap/fixtures/canonical/credit-hold.json');
    const [berlin] = (await mapToSystem(inZone('sap/ordrsp.from-canonical.yaml', 'Europe/Berlin'), [
      order,
    ])) as Array<{
      dates: Array<{ DATUM: string }>;
      control: { CREDAT: string; CRETIM: string };
    }>;
    const [utc] = (await mapToSystem(inZone('sap/ordrsp.from-canonical.yaml', 'UTC'), [
      order,
    ])) as (typeof berlin)[];
    expect(berlin!.dates[0]!.DATUM).toBe('20240106');
    expect(utc!.dates[0]!.DATUM).toBe('20240105');
    // The control record's creation time (occurredAt 09:30 UTC in March) in the system's zone too.
    expect(berlin!.control).toMatchObject({ CREDAT: '20240312', CRETIM: '103000' });
    expect(utc!.control).toMatchObject({ CREDAT: '20240312', CRETIM: '093000' });
  });

  it("Salesforce Order: EffectiveDate is the org's day; a date without a time keeps its day in New York", async () => {
    const order = fixture('salesforce/fixtures/order-canonical/shipped-with-tracking.json') as {
      salesOrder: { orderDate: string };
    };
    const effectiveDate = async (timeZone: string, orderDate: string) => {
      const value = { ...order, salesOrder: { ...order.salesOrder, orderDate } };
      const [tree] = (await mapToSystem(inZone('salesforce/order-status.from-canonical.yaml', timeZone), [
        value,
      ])) as Array<{ records: Array<{ fields: { EffectiveDate: string } }> }>;
      return tree!.records[0]!.fields.EffectiveDate;
    };
    expect(await effectiveDate('Europe/Berlin', '2026-11-21T23:30:00.000Z')).toBe('2026-11-22');
    expect(await effectiveDate('UTC', '2026-11-21T23:30:00.000Z')).toBe('2026-11-21');
    expect(await effectiveDate('America/New_York', '2026-11-21T00:00:00.000Z')).toBe('2026-11-21');
  });
});

describe('a mapping whose options.timeZone does not exist', () => {
  it('is refused when loaded, naming the file and the field, not at each document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eai-zone-'));
    try {
      const file = join(dir, 'orders.to-canonical.yaml');
      const shipped = readFileSync(join(shippedMappingsDir, 'edi/x12-850.to-canonical.yaml'), 'utf8');
      writeFileSync(file, shipped.replace(/^ {2}timeZone: UTC$/m, '  timeZone: Europe/Berln'));
      expect(() => loadMappingFile(file)).toThrow('options.timeZone: not an IANA time zone name');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
