import { createKafkajsTransport } from './kafkajs.ts';
import { kafkaPrefixFromEnv, withKafkaPrefix } from './prefix.ts';
import type { Transport, TransportOptions } from './types.ts';

export {
  busEnvSchema,
  PRODUCER_COMPRESSIONS,
  type ProducerCompression,
  producerCompressionFromEnv,
} from './compression.ts';
export { BatchDecompressionError } from './kafkajs-codecs.ts';
export { kafkaPrefixEnvSchema, kafkaPrefixFromEnv } from './prefix.ts';
export {
  KafkaSecurity,
  kafkaSecurityEnvSchema,
  kafkaSecurityFromEnv,
  PLAINTEXT_SECURITY,
  SASL_MECHANISMS,
  type SaslMechanism,
  SECURITY_PROTOCOLS,
  type SecurityProtocol,
} from './security.ts';
export { explainKafkaFailure, KafkaSecurityError, kafkaUnreachable } from './security-errors.ts';
export type * from './types.ts';

/** The one place that chooses the Kafka client, and puts the deployment's prefix (`EAI_KAFKA_PREFIX`) on its names. */
export function createTransport(options: TransportOptions): Transport {
  return withKafkaPrefix(createKafkajsTransport(options), options.prefix ?? kafkaPrefixFromEnv());
}
