/**
 * Sync settings (the `sync:` section of the master data config): which systems the golden records go back to,
 * how each system's echo of the hub's own writes is recognised, and where golden changes are published.
 */
import jsonata from 'jsonata';
import { z } from 'zod';

/**
 * What a system needs before the hub can create a record in it (`create: true`), as JSONata on the golden record:
 * Salesforce refuses a Contact without LastName and an Account without Name (REQUIRED_FIELD_MISSING), Odoo a
 * partner without a name. The Salesforce rule follows `mappings/salesforce/sobject.from-canonical.yaml`'s choice
 * of Contact or Account, Odoo's the name `mappings/odoo/res-partner.from-canonical.yaml` writes.
 */
export const DEFAULT_CREATE_WHEN: Readonly<Record<string, string>> = {
  salesforce:
    "(partyType = 'PERSON' or (partyType = 'UNKNOWN' and $has(person) and $not($has(organizationName)))) ? $has(person.familyName) : $has(organizationName)",
  odoo: '$has(organizationName) or $has(person.givenName) or $has(person.middleName) or $has(person.familyName)',
};

/**
 * Where the built-in systems keep the hub's golden id on their records, as the idType of the id their customer
 * mappings give it (HubSpot's `eai_golden_id` on contacts and companies, Salesforce's `External_Id__c`, which its CDC
 * mapping gives `Eai_Golden_Id__c` too, Odoo's `ref`); their sinks write it there (`mappings/lib/golden-id.yaml`
 * `$goldenIdAnew`). A system's `goldenIdType` replaces it; a system with neither keeps no golden id (SAP).
 */
export const DEFAULT_GOLDEN_ID_TYPES: Readonly<Record<string, string>> = {
  hubspot: 'eai_golden_id',
  salesforce: 'External_Id__c',
  odoo: 'ref',
};

/**
 * The idTypes the customer mappings of the built-in systems give their records' ids (`mappings/<system>/*.to-canonical.yaml`;
 * `config.spec.ts` reads them from the mappings' expected outputs): a `goldenIdType` of one of these systems names
 * one of them. Another system's ids are its deployment's mapping's, whatever they are named.
 */
export const SYSTEM_ID_TYPES: Readonly<Record<string, readonly string[]>> = {
  hubspot: ['hs_object_id', 'company', 'eai_golden_id'],
  salesforce: ['AccountId', 'ContactId', 'PersonContactId', 'External_Id__c'],
  odoo: ['res.partner', 'ref', 'parent_id'],
};

/** The idType under which the system's records carry the golden id (its `goldenIdType`, else the built-in one); null: none. */
export function goldenIdTypeOf(
  system: string,
  settings: { goldenIdType?: string | null } | undefined,
): string | null {
  if (settings?.goldenIdType !== undefined) return settings.goldenIdType;
  return DEFAULT_GOLDEN_ID_TYPES[system] ?? null;
}

/** `$has(value)` in a createWhen rule: the golden record holds a value there (absent, null, '' and [] hold none). */
const has = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);

/** Whether a golden record satisfies a compiled createWhen rule (only `true` counts). */
export async function satisfies(rule: jsonata.Expression, golden: unknown): Promise<boolean> {
  return (await rule.evaluate(golden, { has })) === true;
}

const jsonataExpression = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      jsonata(text);
    } catch (error) {
      const e = error as { message?: string; position?: number };
      ctx.addIssue({ code: 'custom', message: `not a JSONata expression: ${e.message} (at ${e.position})` });
    }
  });

export const syncSystemSchema = z
  .object({
    push: z
      .boolean()
      .default(false)
      .describe(
        'Send golden record changes to this system: one command per change on `<commandTopicPrefix><system>`, for its sink',
      ),
    create: z
      .boolean()
      .default(false)
      .describe(
        'Also send golden records the system holds no record of (its sink upserts them by the golden id); else only the records it holds, by its own ids from the xref',
      ),
    createWhen: jsonataExpression
      .optional()
      .describe(
        `With create: JSONata on the golden record, true when it holds what the system needs to create a record (\`$has(path)\`: a value is there); until then nothing is sent there, and the first change that makes it true sends every value. Defaults: salesforce \`${DEFAULT_CREATE_WHEN.salesforce}\`; odoo \`${DEFAULT_CREATE_WHEN.odoo}\`; other systems: always`,
      ),
    createInReview: z
      .boolean()
      .default(false)
      .describe(
        'With create: create a golden record at once even while one of its records waits in the steward queue with a record of another golden record (a pair under review, or held for a conflict). By default (false) that create waits for the steward, so that a merge does not leave the system two records of one customer, and goes out once no such pair is left (the steward rejected it, or the records changed)',
      ),
    hubChangeOrigin: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "An event whose origin.changeOrigin contains one of these, as a whole part of it (bounded by its ends, ';', ',', '/' or a space: 'INTEGRATION' is not 'INTEGRATIONS_SYNC'), was written by the hub (Salesforce: 'client=eai-hub', the sink's clientName; HubSpot: 'INTEGRATION', with hubChangedBy required when pushed to). Only with push: nothing from a system the hub does not write to is its echo",
      ),
    hubChangedBy: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "An event whose origin.changedBy is one of these was written by the hub (HubSpot: the app id, required with push and hubChangeOrigin, since every app's write is INTEGRATION; Odoo: the integration user's uid). With hubChangeOrigin, both must hold",
      ),
    goldenIdType: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .describe(
        `The idType of the id under which this system's records carry the hub's golden id, as its customer mapping gives it (an http-sink's system: the id its own mapping reads from the field its sink writes customerId to). A record whose ids hold none there, or only a merged one, is written the golden id (customerId in the command), once, and again when a person removes it; an echo that names it joins a record the hub created. Defaults: ${Object.entries(
          DEFAULT_GOLDEN_ID_TYPES,
        )
          .map(([system, type]) => `${system} \`${type}\``)
          .join(
            ', ',
          )}; other systems: none. null: the system keeps none (refused with create, whose echoes join by it). For a built-in system, one of the idTypes its mappings give`,
      ),
    fingerprint: z
      .boolean()
      .default(true)
      .describe(
        'Also take an event as the echo of a hub write when every field it sets holds exactly what the hub last sent to that record (for systems that stamp nothing)',
      ),
  })
  .strict();

export type SyncSystem = z.output<typeof syncSystemSchema>;

export const syncConfigSchema = z
  .object({
    systems: z
      .record(z.string().min(1), syncSystemSchema)
      .prefault({
        salesforce: { hubChangeOrigin: ['client=eai-hub'] },
        hubspot: { hubChangeOrigin: ['INTEGRATION'] },
      })
      .describe(
        'Per system: push golden changes to it, and how its echo of the hub writes is recognised. Listing systems replaces the defaults (salesforce and hubspot echo stamps, no push)',
      ),
    deletes: z
      .object({
        lastMember: z
          .enum(['tombstone', 'keep'])
          .default('tombstone')
          .describe(
            'When the last source record of a golden record is deleted: tombstone it (status deleted, a DELETED event on the golden topic) or keep it active without members',
          ),
      })
      .prefault({})
      .describe(
        'A deleted source record leaves the xref and its golden record is recomputed from the others; deletes are not sent to other systems',
      ),
    goldenTopic: z
      .string()
      .min(1)
      .default('mdm.golden-customer')
      .describe(
        'Compacted topic of golden record changes, one CustomerEvent per golden record keyed by its golden id',
      ),
    commandTopicPrefix: z
      .string()
      .min(1)
      .default('mdm.customer-sync.')
      .describe("Topic prefix of the commands per system ('mdm.customer-sync.salesforce'), read by its sink"),
    pollMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('How often the relay looks for golden changes in the outbox when nothing woke it, in ms'),
    batchSize: z.number().int().positive().default(200).describe('Outbox rows published per transaction'),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [system, settings] of Object.entries(config.systems)) {
      // The hub keys a record `<system>:<id>` and its erased keys by system and id apart: a name holding ':' or
      // white space names no system any record can have.
      if (/[:\s]/.test(system))
        ctx.addIssue({
          code: 'custom',
          path: ['systems', system],
          message: `unknown system: a system name holds no ':' nor white space (records are keyed <system>:<id>)`,
        });
      const known = SYSTEM_ID_TYPES[system];
      const type = settings.goldenIdType;
      if (known && typeof type === 'string' && !known.includes(type))
        ctx.addIssue({
          code: 'custom',
          path: ['systems', system, 'goldenIdType'],
          message: `unknown idType for ${system}: its mappings give its ids as ${known.join(', ')} (the golden id: ${DEFAULT_GOLDEN_ID_TYPES[system]})`,
        });
      // A record the hub creates is upserted by the golden id, and its echo joins the golden record by naming the id
      // where its system keeps it (sent.ts hubCreated): without that place no echo would ever join, and each would
      // be taken for a new customer, created again in every other system.
      if (settings.create && goldenIdTypeOf(system, settings) === null)
        ctx.addIssue({
          code: 'custom',
          path: ['systems', system, 'goldenIdType'],
          message: `missing: with create, the hub recognises the ${system} record it created by the golden id its echo carries; name the idType its mapping gives that id (goldenIdType: <idType>)`,
        });
    }
    // HubSpot stamps every app's API write `changeSource: INTEGRATION`; only the app id (`sourceId`, read as
    // changedBy) tells the hub's apart. Pushed to without it, any other app's edit there is dropped as the hub's echo.
    const hubspot = config.systems.hubspot;
    if (hubspot?.push && hubspot.hubChangeOrigin.length > 0 && hubspot.hubChangedBy.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['systems', 'hubspot', 'hubChangedBy'],
        message:
          "missing: with push, HubSpot's hubChangeOrigin alone takes every app's write for the hub's echo and drops it; list the hub's HubSpot app id (hubChangedBy: ['<app id>'])",
      });
  });

export type SyncConfig = z.output<typeof syncConfigSchema>;
