import { z } from 'zod';

/** How a system pages its REST reads: the page size it allows and a sensible default. */
export interface SnapshotPageLimits {
  min: number;
  max: number;
  default: number;
  /** What the page size means for this system (e.g. "SOQL batchSize hint"). */
  doc: string;
}

/**
 * The initial snapshot's options, as a source that streams changes (webhooks) embeds them: `mode` says whether the
 * connector's first start reads every existing record through the system's REST API before (and between) the
 * changes, as Debezium's `snapshot.mode: initial` does. Off by default: a connector already deployed must not read a
 * whole CRM because it was upgraded, and a snapshot may need credentials the change stream does not.
 */
export function snapshotConfig<Extra extends z.ZodRawShape = Record<never, never>>(
  pages: SnapshotPageLimits,
  /** The system's own snapshot options (which objects, which fields). */
  extra?: Extra,
) {
  return (
    z
      .object({
        mode: z
          .enum(['initial', 'always', 'never'])
          .default('never')
          .describe(
            '`initial`: on the first start (no snapshot position stored) read every existing record and publish it, resuming where it stopped after a restart, once; a reset of the offsets starts a new one. `always`: at every start (a system that is new each time, as the demo simulators are), resuming one a restart interrupted. `never`: changes only.',
          ),
        pageSize: z.number().int().min(pages.min).max(pages.max).default(pages.default).describe(pages.doc),
        timeoutMs: z.number().int().positive().default(30_000).describe('Deadline of one page read, in ms.'),
        retries: z
          .number()
          .int()
          .nonnegative()
          .default(4)
          .describe(
            'Retries of a page read that failed transiently (5xx, 429 with Retry-After, network); then the snapshot waits and tries the page again, the change stream going on meanwhile.',
          ),
        ...(extra ?? ({} as Extra)),
      })
      // Every field has a default (the system's own ones too): an absent `snapshot` is `{}`.
      .prefault({} as never)
      .describe(
        'Initial snapshot: every existing record read through the REST API and published as a full read, its own modification time as `occurredAt`, so that a newer change wins.',
      )
  );
}

export type SnapshotConfig = z.output<ReturnType<typeof snapshotConfig<Record<never, never>>>>;
