/**
 * The serde's encoder on the test stack's schema registry refuses a value that does not fit its schema with the
 * error naming each field (validateCanonical's, whose wording serde.spec.ts holds), and encodes one that fits.
 */
import { describe, expect, it } from 'vitest';
import { NonRetriableError } from '../lib/errors.ts';
import { findSchema } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { testBus, unique } from '../tests/stack.ts';
import { SchemaValidationError, shown } from './serde.ts';

describe("the serde's encoder", () => {
  it('refuses a value that does not fit, naming each field, and encodes one that fits', async () => {
    const { serde } = testBus('/eai/tests/serde');
    const topic = unique('serde-refusal');
    const event = structuredClone(exampleJson('CustomerEvent')) as { occurredAt: unknown };
    const fits = await serde.encode(topic, findSchema('CustomerEvent'), event);
    expect((await serde.decode(fits)).schemaName).toMatch(/CustomerEvent$/);
    event.occurredAt = '2023-02-29T10:00:00Z';
    const refused = await serde.encode(topic, findSchema('CustomerEvent'), event).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SchemaValidationError);
    expect((refused as SchemaValidationError).paths).toEqual(['occurredAt']);
    expect((refused as Error).message).toBe(
      `value does not match eai.canonical.CustomerEvent: invalid field(s) occurredAt (${shown('2023-02-29T10:00:00Z')}, February has no day 29 in 2023)`,
    );
  });

  it("refuses bytes its schema cannot read, saying why, without avsc's error (which may quote the value) as cause", async () => {
    const { serde } = testBus('/eai/tests/serde');
    const topic = unique('serde-decode');
    const bytes = await serde.encode(topic, findSchema('CustomerEvent'), exampleJson('CustomerEvent'));
    const cut = bytes.subarray(0, bytes.length - 8);
    const refused = (await serde.decode(cut).catch((e: unknown) => e)) as Error;
    expect(refused).toBeInstanceOf(NonRetriableError);
    expect(refused.message).toMatch(/^cannot decode Avro body with schema id \d+: truncated buffer$/);
    expect(refused.cause).toBeUndefined();
  });
});
