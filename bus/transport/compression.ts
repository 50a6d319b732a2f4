import { z } from 'zod';
import { FieldError } from '../../lib/errors.ts';

/**
 * How the bus's producers compress the record batches they write, as Kafka's producer `compression.type` names the
 * codecs. Every producer a transport makes (publishers, the source connectors' transactional producers, dead letters,
 * redrives, receipts, the orchestrator's commands) uses its transport's one setting.
 */
export const PRODUCER_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type ProducerCompression = (typeof PRODUCER_COMPRESSIONS)[number];

/** The codec bits of a record batch's attributes (Kafka's CompressionType ids, kafkajs's `CompressionTypes`). */
export const COMPRESSION_TYPE_IDS: Record<ProducerCompression, number> = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

export const busEnvSchema = z.object({
  EAI_KAFKA_COMPRESSION: z
    .enum(PRODUCER_COMPRESSIONS)
    .default('none')
    .describe(
      "How the hub's producers (publishers, source connectors' transactions, dead letters, redrives, receipts, the orchestrator's commands) compress the record batches they write, as Kafka's `compression.type`: `none`, `gzip`, `snappy`, `lz4` or `zstd`. A topic's `compression.type` `producer` (Kafka's default) keeps them as written, and every Kafka client reads them; the CLI's `eai bus publish` and `eai dlq redrive` take it too.",
    ),
});

/** The producers' compression from `EAI_KAFKA_COMPRESSION` (unset or empty: none); a bad value is a FieldError (a ConfigError) naming it. */
export function producerCompressionFromEnv(env: NodeJS.ProcessEnv = process.env): ProducerCompression {
  const parsed = busEnvSchema.safeParse({
    EAI_KAFKA_COMPRESSION: env.EAI_KAFKA_COMPRESSION?.trim().toLowerCase() || undefined,
  });
  if (!parsed.success)
    throw new FieldError(
      'EAI_KAFKA_COMPRESSION',
      `${JSON.stringify(env.EAI_KAFKA_COMPRESSION)} is not a codec: set one of ${PRODUCER_COMPRESSIONS.join(', ')}, or leave it unset (none)`,
    );
  return parsed.data.EAI_KAFKA_COMPRESSION;
}
