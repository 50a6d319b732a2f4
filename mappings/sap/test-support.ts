import { FIXTURE_RECEIVED_AT } from '../engine/fixtures.ts';
import { loadMappings, mapBytes } from '../index.ts';

// biome-ignore lint/suspicious/noExplicitAny: canonical records as JSON, asserted by path
export type Json = any;

/** An ORDERS05 IDoc's XML through the shipped mapping: its SalesOrder as JSON (Avro's forms made plain). */
export async function sapOrder(xml: string): Promise<Json> {
  const mapping = loadMappings().find((m) => m.file.endsWith('sap/idoc-orders05.to-canonical.yaml'));
  if (!mapping) throw new Error('no idoc-orders05 mapping');
  const [mapped] = await mapBytes('sap-idoc-orders05', Buffer.from(xml), {
    mapping,
    receivedAt: FIXTURE_RECEIVED_AT,
  });
  return JSON.parse(JSON.stringify(mapped!.records[0]!.value)).salesOrder;
}
