/**
 * Sync settings (the `sync:` section of the master data config): which systems the golden records go back to,
 * how each system's echo of the hub's own writes is recognised, and where golden changes are published.
 */
import { z } from 'zod';

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
    hubChangeOrigin: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "An event whose origin.changeOrigin contains one of these was written by the hub (Salesforce: 'client=eai-hub', the sink's clientName; HubSpot: 'INTEGRATION')",
      ),
    hubChangedBy: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "An event whose origin.changedBy is one of these was written by the hub (HubSpot: the app id; Odoo: the integration user's uid). With hubChangeOrigin, both must hold",
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
  .strict();

export type SyncConfig = z.output<typeof syncConfigSchema>;
