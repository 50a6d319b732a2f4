/**
 * The erasure command (right to be forgotten), a convention on the canonical CustomerEvent shared by the hub that
 * sends it (masterdata) and the sinks that carry it out (connectors): a `DELETED` event stamped
 * `origin.system: mdm`, `origin.changeOrigin: eai-mdm-erasure`, `origin.documentId` = the erasure id, whose
 * `customer.sourceIds` name the one record of the system to erase (or, empty, the record the hub created there
 * keyed by the golden id in `customer.customerId`). It carries ids only, never personal data.
 *
 * Only this stamp makes a sink delete: a plain DELETED (one system dropping a customer) is never propagated.
 */
import type { CustomerEvent, SourceIdentifier } from './types.generated.ts';

export const ERASURE_CHANGE_ORIGIN = 'eai-mdm-erasure';
export const ERASURE_ORIGIN_SYSTEM = 'mdm';

/** Whether a decoded record value is the hub's erasure command. */
export function isErasureCommand(value: unknown): value is CustomerEvent {
  const event = value as Partial<CustomerEvent> | null | undefined;
  return (
    event?.changeType === 'DELETED' &&
    event.origin?.system === ERASURE_ORIGIN_SYSTEM &&
    event.origin.changeOrigin === ERASURE_CHANGE_ORIGIN &&
    typeof event.customer === 'object' &&
    event.customer !== null
  );
}

/** The ids of `system` the erasure command names (its own record), in order. */
export function erasureTargets(event: CustomerEvent, system: string): SourceIdentifier[] {
  return (event.customer.sourceIds ?? []).filter((s) => s.system === system);
}
