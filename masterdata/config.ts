/**
 * The matcher's configuration: thresholds, email policy, survivorship rules and (optionally) a trained model.
 * One YAML file, validated with zod; every setting has a default, so an empty file (or none) is a working setup.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { parseYamlText } from '../lib/yaml-text.ts';
import { zodProblemText } from '../lib/zod-problems.ts';
import { asJsonb } from './jsonb.ts';
import { COMPARISONS, CONFLICT_COMPARISONS, comparisonNamed } from './score.ts';
import { syncConfigSchema } from './sync/config.ts';

export const SURVIVORSHIP_RULES = ['sourcePriority', 'mostRecent', 'mostComplete', 'mostFrequent'] as const;
export type SurvivorshipRule = (typeof SURVIVORSHIP_RULES)[number];

/** The golden record's fields that survivorship decides, each on its own. */
export const GOLDEN_FIELDS = [
  'partyType',
  'organizationName',
  'person',
  'birthDate',
  'emails',
  'phones',
  'addresses',
  'taxId',
  'credit',
  'status',
] as const;
export type GoldenField = (typeof GOLDEN_FIELDS)[number];

const levelParams = z
  .object({
    m: z.array(z.number().gt(0).lt(1)).describe('P(level | match), one per level, best level first'),
    u: z.array(z.number().gt(0).lt(1)).describe('P(level | non-match), one per level'),
  })
  .refine((p) => p.m.length === p.u.length, { message: 'm and u must have one value per level each' });

/** Systems whose change times have less than millisecond precision: Odoo's write_date has whole seconds. */
export const DEFAULT_CLOCK_PRECISION_MS: Readonly<Record<string, number>> = { odoo: 1000 };

const fieldRule = z.object({
  rule: z.enum(SURVIVORSHIP_RULES).describe('How the winning value is chosen'),
  priority: z
    .array(z.string().min(1))
    .optional()
    .describe('Systems in order of trust, for sourcePriority (systems not listed come last)'),
});

export const mdmConfigSchema = z
  .object({
    thresholds: z
      .object({
        autoMerge: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.99)
          .describe('Match probability at or above which two records are merged without a steward'),
        review: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.6)
          .describe('Match probability at or above which a pair goes to the steward queue'),
      })
      .prefault({})
      .refine((t) => t.review <= t.autoMerge, {
        message: 'review must not be above autoMerge',
        path: ['review'],
      }),
    conflicts: z
      .array(
        z.object({
          comparison: z
            .string()
            .min(1)
            .describe('A comparison of masterdata/score.ts, e.g. birthDate, legalForm, orgNameWords'),
          levels: z
            .array(z.string().min(1))
            .min(1)
            .describe('Its level names that are a conflict, e.g. else'),
          unlessAgree: z
            .array(z.string().min(1))
            .default([])
            .describe(
              'Comparisons whose first level (exact, shared) lifts the conflict: an identifier of one customer in common (an email, a tax id) says the difference is a typo',
            ),
        }),
      )
      .default([
        { comparison: 'birthDate', levels: ['else'], unlessAgree: ['email', 'taxId'] },
        { comparison: 'legalForm', levels: ['else'], unlessAgree: ['taxId'] },
        { comparison: 'orgNameWords', levels: ['entity word'], unlessAgree: ['taxId'] },
        { comparison: 'houseNumber', levels: ['else'], unlessAgree: ['email', 'taxId', 'birthDate'] },
        { comparison: 'givenNames', levels: ['else'], unlessAgree: ['email', 'taxId'] },
      ])
      .describe(
        'Evidence that two records are different customers whatever else agrees (a father and son of one name at one address have birth dates apart; a GmbH & Co. KG and its Verwaltungs-GmbH, or a Service GmbH, at one address have legal forms or a name word apart; two records of one name on one street have house numbers apart, Friedrichstr. 12 and 123; twins of one family name, birth date and address have other given names, Wei and Fang). Such a pair is never merged by score (the steward decides), and records linked through others are not put in one golden record with it. Tax ids apart are a conflict to add where they are clean (VAT ids of legal entities); in person data they carry typos',
      ),
    matchPrior: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.0005)
      .describe('Prior probability that two records compared at random are the same customer (lambda)'),
    email: z
      .object({
        plusTagDomains: z
          .array(z.string().min(1))
          .default([
            'gmail.com',
            'googlemail.com',
            'outlook.com',
            'hotmail.com',
            'live.com',
            'icloud.com',
            'me.com',
            'fastmail.com',
            'proton.me',
            'protonmail.com',
            'yahoo.com',
            'gmx.de',
            'gmx.net',
            'web.de',
            'posteo.de',
          ])
          .describe('Domains whose mailboxes ignore a +tag (a@x+news is a@x); "*" means every domain'),
        dotlessDomains: z
          .array(z.string().min(1))
          .default(['gmail.com', 'googlemail.com'])
          .describe('Domains that ignore dots in the local part'),
        domainAliases: z
          .record(z.string(), z.string())
          .default({ 'googlemail.com': 'gmail.com' })
          .describe('Domains that are one mailbox provider'),
      })
      .prefault({}),
    blocking: z
      .object({
        maxBlockSize: z
          .number()
          .int()
          .min(2)
          .default(30)
          .describe(
            'A blocking key held by more records than this stops proposing pairs (too common to tell customers apart); its narrower keys still block',
          ),
        maxWideBlockSize: z
          .number()
          .int()
          .min(2)
          .default(5)
          .describe(
            "The same for a person's wide keys, those with narrower keys inside their block (a name with an initial: the name with the birth month; a birth date: the birth date with an initial); capped by maxBlockSize",
          ),
      })
      .prefault({}),
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional()
      .describe('ISO country assumed for national phone numbers when a record has no address country'),
    survivorship: z
      .object({
        default: fieldRule.prefault({ rule: 'mostRecent' }),
        fields: z
          .partialRecord(z.enum(GOLDEN_FIELDS), fieldRule)
          .default({
            organizationName: { rule: 'sourcePriority', priority: ['sap', 'odoo', 'salesforce', 'hubspot'] },
            person: { rule: 'mostFrequent' },
            birthDate: { rule: 'mostFrequent' },
            taxId: { rule: 'sourcePriority', priority: ['sap', 'odoo', 'salesforce', 'hubspot'] },
            credit: { rule: 'sourcePriority', priority: ['sap', 'odoo'] },
            addresses: { rule: 'mostRecent' },
            emails: { rule: 'mostComplete' },
            phones: { rule: 'mostFrequent' },
          })
          .describe('Rule per golden field; fields not listed use the default'),
        clockPrecisionMs: z
          .record(z.string().min(1), z.number().int().positive())
          .default({ ...DEFAULT_CLOCK_PRECISION_MS })
          .describe(
            "Per system, the precision of the change times it reports, in ms (systems not listed: 1). Times are compared at the coarsest precision of the systems compared (Odoo's write_date has whole seconds: its 10:00:00 and another system's 10:00:00.500 tie); a tie goes to the change that reached the bus later, then to the smaller member key. Listing systems replaces the default",
          ),
      })
      .prefault({}),
    matcher: z
      .object({
        topic: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name (letters, digits, . _ -)')
          .default('canonical.customer')
          .describe(
            "The customer topic the matcher reads (created as canonical.customer is when missing): a second master-data schema on one broker (a tenant, a trial) names its own, and its sources write there (a source's outputTopics)",
          ),
        batch: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(500)
          .describe(
            'Most customer events the matcher on the customer topic holds at once, and so matches in one transaction: one event alone is matched at once; under load each transaction takes all that came meanwhile. 1: one event a transaction',
          ),
      })
      .prefault({})
      .describe('The matcher on the customer topic (masterdata/consumer.ts)'),
    activityRetention: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'Prune the customer 360 read model and the write-back history (false: they keep every row for ever)',
          ),
        closedOlderThanDays: z
          .number()
          .int()
          .min(1)
          .default(400)
          .describe(
            "Closed orders (DELIVERED, INVOICED, CANCELLED, REJECTED: those the 360 does not show as open), the shipments of no open order, CLOSED cases whose last event is older than this many days, and the records of write-backs (a golden record's history of edits that lost survivorship, written back) published before then are deleted (400: a CRM shows a year of history, and a bit more). Open orders and cases are kept whatever their age",
          ),
        intervalMinutes: z
          .number()
          .int()
          .min(1)
          .default(60)
          .describe(
            'How often one hub instance (an advisory lock picks it) prunes, 1,000 rows a round until none is left',
          ),
      })
      .prefault({})
      .describe(
        'Retention of the customer 360 read model and of the write-back history (masterdata/activity.ts)',
      ),
    sync: syncConfigSchema
      .prefault({})
      .describe('Sync back to the systems: push targets, echo recognition, topics (masterdata/README.md)'),
    model: z
      .record(z.string(), levelParams)
      .optional()
      .describe(
        'Trained m and u per comparison (as `eai mdm train` or a test writes them); default: built-in priors',
      ),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = [...COMPARISONS, ...CONFLICT_COMPARISONS].map((c) => c.name).join(', ');
    config.conflicts.forEach((conflict, i) => {
      const comparison = comparisonNamed(conflict.comparison);
      if (!comparison) {
        ctx.addIssue({
          code: 'custom',
          path: ['conflicts', i, 'comparison'],
          message: `unknown comparison; one of ${names}`,
        });
        return;
      }
      conflict.levels.forEach((level, j) => {
        if (!comparison.levels.includes(level))
          ctx.addIssue({
            code: 'custom',
            path: ['conflicts', i, 'levels', j],
            message: `not a level of ${comparison.name}; one of ${comparison.levels.join(', ')}`,
          });
      });
      conflict.unlessAgree.forEach((name, j) => {
        if (!comparisonNamed(name))
          ctx.addIssue({
            code: 'custom',
            path: ['conflicts', i, 'unlessAgree', j],
            message: `unknown comparison; one of ${names}`,
          });
      });
    });
  });

export type MdmConfig = z.output<typeof mdmConfigSchema>;
export type MdmConfigInput = z.input<typeof mdmConfigSchema>;

/** Validates a config object; `source` (a file name) prefixes every error. */
export function parseMdmConfig(value: unknown, source = 'masterdata config'): MdmConfig {
  const parsed = mdmConfigSchema.safeParse(value ?? {});
  if (!parsed.success)
    throw new ConfigError(`${source}: ${zodProblemText(parsed.error, '', mdmConfigSchema)}`);
  return parsed.data;
}

export function defaultMdmConfig(): MdmConfig {
  return parseMdmConfig({});
}

/** Reads and validates a YAML config file; errors name the file and the field. */
export function loadMdmConfig(path: string | undefined): MdmConfig {
  if (!path) return defaultMdmConfig();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read (${errorMessage(error)})`);
  }
  let value: unknown;
  try {
    value = parseYamlText(text);
  } catch (error) {
    throw new ConfigError(`${path}: not YAML (${errorMessage(error).split('\n')[0]})`);
  }
  return parseMdmConfig(value, path);
}

/**
 * A digest of the matching rules: the config without `sync` (where golden records go does not change how records
 * match) nor `activityRetention` (how long the 360 keeps orders neither) nor `matcher` (how many it matches at once),
 * its keys in jsonb's order (asJsonb), so the
 * same rules written in another order give the same digest. `survivorship.clockPrecisionMs` counts only when it is
 * not the default: the rules of a config written before it existed keep their digest (the stored golden records got
 * the default by SURVIVE_VERSION 6 at migrate), so no rematch is asked for.
 */
export function rulesDigest(config: MdmConfig): string {
  const { sync: _sync, activityRetention: _retention, matcher: _matcher, ...rules } = config;
  const { clockPrecisionMs, ...survivorship } = rules.survivorship;
  const clocks = clockPrecisionMs ?? DEFAULT_CLOCK_PRECISION_MS;
  const isDefault =
    JSON.stringify(asJsonb(clocks)) === JSON.stringify(asJsonb({ ...DEFAULT_CLOCK_PRECISION_MS }));
  if (isDefault) rules.survivorship = survivorship as MdmConfig['survivorship'];
  return createHash('sha256')
    .update(JSON.stringify(asJsonb(rules)))
    .digest('hex')
    .slice(0, 16);
}
