import { describe, expect, it } from 'vitest';
import { findSchema } from '../schemas/catalog.ts';
import { exampleJson } from '../schemas/examples.ts';
import { SchemaValidationError, shown, validateCanonical } from './serde.ts';

/**
 * A value checked against its canonical schema, with no registry (validateCanonical, what the serde's encoder says
 * when a value does not fit). The encoder refusing with it on the real registry: serde.int.spec.ts.
 */
const refusal = (schema: string, value: unknown): unknown => {
  try {
    validateCanonical(findSchema(schema), value);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('a value that does not fit its schema', () => {
  it('is refused naming each field, what it holds and what the schema expects there', () => {
    type Line = { quantity: { value: unknown }; unitPrice: unknown };
    const order = structuredClone(exampleJson('SalesOrderEvent')) as {
      changeType?: unknown;
      occurredAt?: unknown;
      salesOrder: { orderType: unknown; lines: Line[] };
    };
    order.changeType = 'NOPE';
    delete order.occurredAt;
    order.salesOrder.lines[0]!.quantity.value = 'twelve';
    order.salesOrder.lines[1]!.unitPrice = 5;
    order.salesOrder.orderType = ['x'.repeat(60)];
    const refused = refusal('SalesOrderEvent', order);
    expect(refused).toBeInstanceOf(SchemaValidationError);
    expect((refused as SchemaValidationError).paths).toEqual([
      'changeType',
      'occurredAt',
      'salesOrder.orderType',
      'salesOrder.lines.0.quantity.value',
      'salesOrder.lines.1.unitPrice',
    ]);
    expect((refused as Error).message).toBe(
      'value does not match eai.canonical.SalesOrderEvent: invalid field(s) ' +
        `changeType (${shown('NOPE')}, expected one of CREATED, UPDATED, STATUS_CHANGED, DELETED, UNDELETED, MERGED, RESYNC_REQUESTED), ` +
        'occurredAt (missing, expected a time in ISO 8601 with its zone, e.g. "2026-12-01T08:00:00Z"), ' +
        `salesOrder.orderType (${shown(['x'.repeat(40)])}, expected null or string), ` +
        `salesOrder.lines.0.quantity.value (${shown('twelve')}, expected a decimal as a string with at most 6 decimals, e.g. "12.5"), ` +
        `salesOrder.lines.1.unitPrice (${shown(5)}, expected null or a Money record)`,
    );
  });

  it('says why a date or time written right does not exist (30 February), as the formats readers word it', () => {
    const event = structuredClone(exampleJson('CustomerEvent')) as {
      occurredAt: unknown;
      customer: { birthDate?: unknown };
    };
    event.customer.birthDate = '1990-02-30';
    event.occurredAt = '2023-02-29T10:00:00Z';
    const refused = refusal('CustomerEvent', event);
    expect((refused as Error).message).toBe(
      'value does not match eai.canonical.CustomerEvent: invalid field(s) ' +
        `occurredAt (${shown('2023-02-29T10:00:00Z')}, February has no day 29 in 2023), ` +
        `customer.birthDate (${shown('1990-02-30')}, February has no day 30)`,
    );
    // A date in another shape still says which shape the schema takes.
    event.customer.birthDate = '30.02.1990';
    event.occurredAt = '2023-02-28T10:00:00Z';
    const shaped = refusal('CustomerEvent', event);
    expect((shaped as Error).message).toMatch(
      /customer\.birthDate \(.?"30\.02\.1990".?, expected null or a date, e\.g\. "2026-12-01"\)$/,
    );
  });
});
