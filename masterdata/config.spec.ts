import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMdmConfig, rulesDigest } from './config.ts';
import { DEFAULT_GOLDEN_ID_TYPES, goldenIdTypeOf, SYSTEM_ID_TYPES } from './sync/index.ts';

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

  it('where a system keeps the golden id: the built-in table by default, a system of its own by its config', () => {
    const systems = (value: Record<string, unknown>) =>
      parseMdmConfig({ sync: { systems: value } }).sync.systems;
    const listed = systems({
      hubspot: {},
      salesforce: {},
      odoo: {},
      sap: {},
      crm: { goldenIdType: 'hub_key' },
    });
    expect(Object.fromEntries(Object.entries(listed).map(([s, v]) => [s, goldenIdTypeOf(s, v)]))).toEqual({
      hubspot: 'eai_golden_id',
      salesforce: 'External_Id__c',
      odoo: 'ref',
      sap: null,
      crm: 'hub_key',
    });
    expect(goldenIdTypeOf('odoo', systems({ odoo: { goldenIdType: null } }).odoo)).toBeNull();
    // An idType a built-in system's mappings never give (a misspelling) would never be found on a record.
    expect(() =>
      parseMdmConfig({ sync: { systems: { hubspot: { goldenIdType: 'eai_goldenid' } } } }, 'mdm.yaml'),
    ).toThrow(/mdm\.yaml: .*sync\.systems\.hubspot\.goldenIdType.*unknown idType for hubspot/);
    expect(() =>
      parseMdmConfig({ sync: { systems: { 'crm:eu': { goldenIdType: 'hub_key' } } } }, 'mdm.yaml'),
    ).toThrow(/mdm\.yaml: .*sync\.systems.*unknown system/);
    // A system the hub creates records in must say where their echoes carry the golden id, or none ever joins.
    expect(() =>
      parseMdmConfig({ sync: { systems: { crm: { push: true, create: true } } } }, 'mdm.yaml'),
    ).toThrow(/mdm\.yaml: .*sync\.systems\.crm\.goldenIdType.*missing: with create/);
    expect(() =>
      parseMdmConfig(
        { sync: { systems: { odoo: { push: true, create: true, goldenIdType: null } } } },
        'mdm.yaml',
      ),
    ).toThrow(/sync\.systems\.odoo\.goldenIdType.*missing: with create/);
    expect(
      systems({ crm: { create: true, goldenIdType: 'hub_key' }, odoo: { create: true } }).crm?.create,
    ).toBe(true);
  });

  it("the built-in systems' idTypes are those their customer mappings give (their fixtures' expected outputs)", () => {
    const mappings = join(import.meta.dirname, '..', 'mappings');
    for (const [system, types] of Object.entries(SYSTEM_ID_TYPES)) {
      const given = new Set<string>();
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          const ids = (v as { sourceIds?: Array<{ system?: string; idType?: string }> }).sourceIds;
          for (const id of Array.isArray(ids) ? ids : [])
            if (id.system === system && id.idType) given.add(id.idType);
          Object.values(v).forEach(walk);
        }
      };
      for (const dir of readdirSync(join(mappings, system)).filter((d) =>
        d.endsWith('.to-canonical.expected'),
      ))
        for (const file of readdirSync(join(mappings, system, dir)))
          walk(JSON.parse(readFileSync(join(mappings, system, dir, file), 'utf8')));
      for (const type of types) expect(given, `${system} ${type}`).toContain(type);
      expect(types, system).toContain(DEFAULT_GOLDEN_ID_TYPES[system]);
    }
  });
});
