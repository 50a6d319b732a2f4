import type { InboxMessage } from '../../inbox.ts';
import type { OrderInput, OrderRecord } from './steps.ts';

/** The inbox kind of an order's amendment (a SalesOrder UPDATED: an IDoc ORDCHG, an X12 860, an EDIFACT ORDCHG). */
export const ORDER_AMENDED = 'order.amended';

/** The first version that applies amendments; earlier instances in flight are told `notApplied` by the router. */
export const AMENDMENTS_FROM = 7;

/** What the router hands over with an amendment: the order as amended (a full snapshot, as the mappings write it). */
export interface AmendedOrder {
  order: OrderRecord;
  /** The amended total, when the event carries one. */
  amount?: number;
  currency?: string;
}

/** An amendment as the instance's outcome keeps it: applied before the despatch request, or too late for it. */
export interface AmendmentNote {
  eventId: string;
  applied: boolean;
  /** The wait it came at (`await-credit-approval`, `await-asn`, …). */
  at: string;
  /** What changed against the order the instance held, e.g. `line 10 quantity 12 → 20 C62`. */
  changes: string[];
  note: string;
}

interface Line {
  lineNumber?: unknown;
  quantity?: { value?: unknown; unitCode?: unknown } | null;
}

const lineOf = (order: OrderRecord) =>
  new Map(
    ((order.lines as Line[] | undefined) ?? []).map(
      (line) => [String(line.lineNumber ?? '?'), line] as const,
    ),
  );
const quantityOf = (line: Line) =>
  `${String(line.quantity?.value ?? '?')}${line.quantity?.unitCode ? ` ${String(line.quantity.unitCode)}` : ''}`;
const totalOf = (order: OrderRecord) => {
  const total = order.totalAmount as { amount?: unknown; currency?: unknown } | null | undefined;
  return total ? `${String(total.amount)} ${String(total.currency ?? '')}`.trim() : undefined;
};

/**
 * What an amendment changes in the order, line by line (quantity, added, removed) and in its total, as operators read
 * it: `line 10 quantity 12 → 20 C62`, `line 30 added (4 C62)`, `line 20 removed`, `total 17998.81 → 29998.81 EUR`.
 * `other fields` when neither lines nor total changed (dates, addresses: the event is a full snapshot).
 */
export function amendmentChanges(before: OrderRecord, after: OrderRecord): string[] {
  const [old, now] = [lineOf(before), lineOf(after)];
  const changes: string[] = [];
  for (const [number, line] of now) {
    const was = old.get(number);
    if (!was) changes.push(`line ${number} added (${quantityOf(line)})`);
    else if (quantityOf(was) !== quantityOf(line)) {
      changes.push(`line ${number} quantity ${String(was.quantity?.value ?? '?')} → ${quantityOf(line)}`);
    }
  }
  for (const number of old.keys()) if (!now.has(number)) changes.push(`line ${number} removed`);
  const [total, newTotal] = [totalOf(before), totalOf(after)];
  if (newTotal && total !== newTotal) changes.push(`total ${total ?? '?'} → ${newTotal}`);
  return changes.length ? changes : ['other fields'];
}

/**
 * The order an instance holds once an amendment is applied: the amended snapshot, its total for the credit check. The
 * customer (its credit check's account) stays the one the order was created for.
 */
export function amend(current: OrderInput, message: InboxMessage): OrderInput {
  const amended = message.data as AmendedOrder;
  return {
    ...current,
    order: { ...amended.order, orderId: current.orderId },
    amount: amended.amount ?? current.amount,
    currency: amended.currency ?? current.currency,
  };
}
