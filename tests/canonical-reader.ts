import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type RawMessage, readRawMessages } from './raw-consumer.ts';
import { testStack } from './stack.ts';

/** A canonical record read back with no hub code: kafkajs for the bytes, Confluent's own client for the Avro. */
export interface DecodedMessage extends RawMessage {
  decoded: Record<string, unknown>;
}

/** Reads the first `count` messages `wanted` accepts from `topic` and decodes them through the registry. */
export async function readCanonical(
  topic: string,
  count: number,
  options: { wanted?: (m: RawMessage) => boolean; timeoutMs?: number } = {},
): Promise<DecodedMessage[]> {
  const registry = new SchemaRegistry({ host: testStack().registryUrl });
  const raw = await readRawMessages(topic, count, options);
  return Promise.all(
    raw.map(async (m) => ({ ...m, decoded: (await registry.decode(m.value)) as Record<string, unknown> })),
  );
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
