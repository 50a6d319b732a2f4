import avro from 'avsc';
import { logicalTypes } from '../../schemas/logical-types.ts';
import { type RawMessage, readRawMessages } from '../../tests/raw-consumer.ts';
import { testStack, unique } from '../../tests/stack.ts';

export { waitFor } from '../../tests/wait-for.ts';
export { startRuntime } from '../runtime/test-support.ts';

/** Test support of the logistics connectors' integration specs: a runtime on the real broker, independent reads. */
/** A record's value without the bus: wire header by hand, the schema by id over REST, a fresh avsc Type. */
export async function decodeIndependently(bytes: Buffer): Promise<Record<string, unknown>> {
  if (bytes[0] !== 0) throw new Error(`not the Confluent wire format (magic byte ${bytes[0]})`);
  const response = await fetch(`${testStack().registryUrl}/schemas/ids/${bytes.readUInt32BE(1)}`);
  if (response.status !== 200) throw new Error(`registry answered ${response.status} for the schema id`);
  const { schema } = (await response.json()) as { schema: string };
  const type = avro.Type.forSchema(JSON.parse(schema), { logicalTypes, wrapUnions: 'auto' });
  return JSON.parse(JSON.stringify(type.fromBuffer(bytes.subarray(5))));
}

/**
 * The records of a shared canonical topic that carry one of `markers` (order numbers no other run uses): Avro
 * strings are their UTF-8 bytes, so the raw value holds them. The simulators' own ids (SH…, SSCCs) restart with
 * every simulator, so they cannot tell this run's records from earlier runs'.
 */
export function readMarked(topic: string, count: number, markers: string[]): Promise<RawMessage[]> {
  const wanted = markers.map((m) => Buffer.from(m));
  return readRawMessages(topic, count, {
    wanted: (m) => wanted.some((w) => m.value.includes(w)),
    timeoutMs: 30_000,
  });
}

/** A purchase order number (at most 22 characters, as the provider takes) no other run uses. */
export function uniqueOrder(prefix: string): string {
  return unique(prefix).replaceAll('-', '').slice(-22);
}
