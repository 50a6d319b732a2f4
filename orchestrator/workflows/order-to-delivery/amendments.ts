import { quotedText } from '../../../lib/errors.ts';
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
  /**
   * What changed against the order the instance held, e.g. `line 10 quantity 12 → 20 C62`, its quantities and amounts
   * marked as document values (`quotedText`; since 2026-12-07), as in `note`.
   */
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
/** A quantity or an amount as a change quotes it: business data of the order, marked as a document value. */
const figure = (value: unknown) => quotedText(String(value ?? '?'));
const unitOf = (unit: unknown) => (unit ? ` ${String(unit)}` : '');
const quantityOf = (line: Line) => `${figure(line.quantity?.value)}${unitOf(line.quantity?.unitCode)}`;
const totalOf = (order: OrderRecord) => {
  const total = order.totalAmount as { amount?: unknown; currency?: unknown } | null | undefined;
  return total ? `${figure(total.amount)}${unitOf(total.currency)}` : undefined;
};

/**
 * What an amendment changes in the order, line by line (quantity, added, removed) and in its total, as operators read
 * it: `line 10 quantity 12 → 20 C62`, `line 30 added (4 C62)`, `line 20 removed`, `total 17998.81 EUR → 29998.81 EUR`.
 * `other fields` when neither lines nor total changed (dates, addresses: the event is a full snapshot). The quantities
 * and amounts are the order's business data: each is marked as a document value (`quotedText`), so that a viewer of
 * the admin API (the instance's `detail`) and the logs read `line 10 quantity "…" → "…" C62`; the line numbers, units
 * and currencies stay.
 */
export function amendmentChanges(before: OrderRecord, after: OrderRecord): string[] {
  const [old, now] = [lineOf(before), lineOf(after)];
  const changes: string[] = [];
  for (const [number, line] of now) {
    const was = old.get(number);
    if (!was) changes.push(`line ${number} added (${quantityOf(line)})`);
    else if (quantityOf(was) !== quantityOf(line)) {
      changes.push(`line ${number} quantity ${figure(was.quantity?.value)} → ${quantityOf(line)}`);
    }
  }
  for (const number of old.keys()) if (!now.has(number)) changes.push(`line ${number} removed`);
  const [total, newTotal] = [totalOf(before), totalOf(after)];
  if (newTotal && total !== newTotal) changes.push(`total ${total ?? '?'} → ${newTotal}`);
  return changes.length ? changes : ['other fields'];
}

/** The note of an amendment that came after the despatch request went out: the outcome's, the log's and the alert's. */
export function tooLateNote(eventId: string, changes: string[]): string {
  return (
    `amendment ${eventId} came too late: the despatch request had gone out with the order as it was, ` +
    `not applied (${changes.join('; ')}); change it at logistics and in the ERP by hand`
  );
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
