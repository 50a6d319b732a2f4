import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type RawMessage, readRawMessages } from './raw-consumer.ts';
import { testStack } from './stack.ts';

/** A raw message with its value decoded by @kafkajs/confluent-schema-registry: no bus code involved. */
export interface DecodedMessage<T = unknown> extends RawMessage {
  decoded: T;
}

let registry: SchemaRegistry | undefined;

/** Decodes Confluent-framed Avro with an independent client (the schema fetched from the registry by its id). */
export async function decodeRaw<T = unknown>(message: RawMessage): Promise<DecodedMessage<T>> {
  registry ??= new SchemaRegistry({ host: testStack().registryUrl });
  return { ...message, decoded: (await registry.decode(message.value)) as T };
}

/** `readRawMessages`, then each value decoded independently. */
export async function readDecoded<T = unknown>(
  topic: string,
  count: number,
  options: Parameters<typeof readRawMessages>[2] = {},
): Promise<Array<DecodedMessage<T>>> {
  const raw = await readRawMessages(topic, count, options);
  return Promise.all(raw.map((m) => decodeRaw<T>(m)));
}
