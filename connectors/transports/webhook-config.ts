import { z } from 'zod';
import { signatureConfig, signatureSchemes } from './webhook-signatures.ts';

const schemes = signatureSchemes.map((scheme) => `\`${scheme}\``);

/** The webhook source's options, as data: system connectors extend or embed this schema in their own config. */
export const webhookSourceConfig = z.object({
  signature: signatureConfig.describe(
    `How requests are authenticated: ${schemes.slice(0, -1).join(', ')}, or ${schemes.at(-1)} (never a default: \`none\` must be written out).`,
  ),
  deliveryIdHeader: z
    .string()
    .min(1)
    .transform((name) => name.toLowerCase())
    .optional()
    .describe(
      'Header that names a delivery and stays the same on redelivery (`x-request-id`, `x-hubspot-request-id`, `x-shopify-webhook-id`, `x-github-delivery`). Absent: `webhook-id` under `standard-webhooks` (which signs it), otherwise, or when missing on a request, the SHA-256 of the body.',
    ),
  json: z
    .boolean()
    .default(false)
    .describe(
      'The body must be JSON: anything else is refused with 400 before it is queued. Without it a body sent as `application/json` (or `+json`) must still parse.',
    ),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024)
    .describe('Larger requests (body or Content-Length) are refused with 413.'),
  maxPendingDocuments: z
    .number()
    .int()
    .positive()
    .default(1000)
    .describe(
      'Documents received but not yet on Kafka, at most; beyond it requests get 429 with Retry-After (back-pressure).',
    ),
  batchSize: z.number().int().positive().default(100).describe('Documents one `poll()` returns, at most.'),
  pollWaitMs: z
    .number()
    .int()
    .positive()
    .default(200)
    .describe('How long an empty `poll()` waits for a request before it returns no documents.'),
  dedupCapacity: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe(
      'Delivery ids remembered after their documents reached Kafka (least recently seen forgotten first); a redelivery of one is answered 200 and not queued again. In memory; the last ~1,000 are also kept with the connector positions, so a restart remembers those.',
    ),
  acceptedStatus: z
    .union([z.literal(200), z.literal(202)])
    .default(200)
    .describe('Status once the records are on Kafka.'),
  responseTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe(
      'A request whose documents are not on Kafka after this long is answered 503 (they stay queued; a redelivery waits for them instead of queueing them again).',
    ),
  retryAfterSeconds: z
    .number()
    .int()
    .nonnegative()
    .default(5)
    .describe('`Retry-After` sent with 429 and 503.'),
});

export type WebhookSourceConfig = z.output<typeof webhookSourceConfig>;
