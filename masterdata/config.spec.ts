import { describe, expect, it } from 'vitest';
import { parseMdmConfig, rulesDigest } from './config.ts';

describe('master data config', () => {
  it('the matcher takes 500 events at once by default; a batch under 1 is refused, naming the field', () => {
    expect(parseMdmConfig({}).matcher.batch).toBe(500);
    expect(parseMdmConfig({ matcher: { batch: 1 } }).matcher.batch).toBe(1);
    expect(() => parseMdmConfig({ matcher: { batch: 0 } }, 'mdm.yaml')).toThrow(
      /mdm\.yaml: .*matcher\.batch/,
    );
  });

  it('the matcher reads canonical.customer unless the config names a customer topic of its own', () => {
    expect(parseMdmConfig({}).matcher.topic).toBe('canonical.customer');
    expect(parseMdmConfig({ matcher: { topic: 'tenant-a.customer' } }).matcher.topic).toBe(
      'tenant-a.customer',
    );
    expect(() => parseMdmConfig({ matcher: { topic: 'a topic' } }, 'mdm.yaml')).toThrow(
      /mdm\.yaml: .*matcher\.topic/,
    );
    // Where customers come from changes no matching rule: no rematch asked for.
    expect(rulesDigest(parseMdmConfig({ matcher: { topic: 'tenant-a.customer' } }))).toBe(
      rulesDigest(parseMdmConfig({})),
    );
  });

  it('the rules digest of a config from before clockPrecisionMs is kept; another precision changes it', () => {
    const config = parseMdmConfig({});
    expect(config.survivorship.clockPrecisionMs).toEqual({ odoo: 1000 });
    const { clockPrecisionMs: _clocks, ...before } = config.survivorship;
    // The digest stored by a hub of before (the same rules without the setting): no rematch asked for.
    expect(rulesDigest({ ...config, survivorship: before } as typeof config)).toBe(rulesDigest(config));
    expect(
      rulesDigest(parseMdmConfig({ survivorship: { clockPrecisionMs: { odoo: 1000, sap: 1000 } } })),
    ).not.toBe(rulesDigest(config));
  });

  it('the rules digest ignores how many the matcher takes at once, where golden records go and retention', () => {
    const digest = rulesDigest(parseMdmConfig({}));
    expect(
      rulesDigest(
        parseMdmConfig({
          matcher: { batch: 50 },
          activityRetention: { closedOlderThanDays: 30 },
          sync: { systems: {} },
        }),
      ),
    ).toBe(digest);
    expect(rulesDigest(parseMdmConfig({ thresholds: { autoMerge: 0.99, review: 0.5 } }))).not.toBe(digest);
  });
});
