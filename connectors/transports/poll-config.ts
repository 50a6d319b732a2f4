import { z } from 'zod';

/** The polling source's options, as a system connector embeds them in its own config schema. */
export const pollSourceConfig = z.object({
  entity: z
    .string()
    .min(1)
    .describe(
      'What is polled, e.g. `res.partner`: the partition of the source positions and the prefix of delivery ids.',
    ),
  cursor: z
    .enum(['updated-since', 'page-token', 'offset'])
    .default('updated-since')
    .describe(
      'How the system pages: by modification time with an id tie-breaker (`updated-since`), by an opaque token (`page-token`), or by position in an append-only list (`offset`).',
    ),
  intervalMs: z
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe('Time from the start of one poll pass to the start of the next, in ms.'),
  overlapMs: z
    .number()
    .int()
    .nonnegative()
    .default(10_000)
    .describe(
      '`updated-since`: each pass queries from the cursor minus this, so changes stamped before the cursor but committed after the last pass are read; versions already emitted are dropped.',
    ),
  pageSize: z.number().int().positive().max(10_000).default(200).describe('Items asked for per page.'),
  initialUpdatedSince: z.iso
    .datetime({ offset: true })
    .default('1970-01-01T00:00:00Z')
    .describe('`updated-since`: where a first start (no committed position) begins, ISO 8601.'),
  retry: z
    .object({
      retries: z.number().int().nonnegative().default(4).describe('Attempts after the first one per page.'),
      initialDelayMs: z.number().int().nonnegative().default(500).describe('First backoff delay, in ms.'),
      maxDelayMs: z.number().int().positive().default(30_000).describe('Longest backoff delay, in ms.'),
    })
    .prefault({})
    .describe(
      'Retries of a page fetch that failed transiently (Retry-After honoured); after them the poll returns nothing and tries the page again later.',
    ),
});

export type PollSourceConfig = z.output<typeof pollSourceConfig>;
export type PollSourceConfigInput = z.input<typeof pollSourceConfig>;

/** Where a poll stands; the `offset` of the source position the runtime commits with the documents. */
export const cursorSchema = z.union([
  z.object({
    updatedSince: z.string().describe('ISO 8601 modification time of the last item read.'),
    afterId: z.string().optional().describe('Id of the last item read at `updatedSince` (the tie-breaker).'),
    seen: z
      .array(z.string())
      .optional()
      .describe(
        'Versions emitted inside the overlap window (`id@updatedAt#digest`), so that after a restart the overlap does not emit them again.',
      ),
  }),
  z.object({ pageToken: z.string().nullable().describe('Token of the page to read; null: the first page.') }),
  z.object({ offset: z.number().int().nonnegative().describe('Items of the list already read.') }),
]);
export type Cursor = z.output<typeof cursorSchema>;
export type UpdatedSinceCursor = Extract<Cursor, { updatedSince: string }>;
