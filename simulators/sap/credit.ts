import type { SapCustomer } from './state.ts';

/** Rates to EUR for converting an order into the credit control area's currency (fixed: a simulator). */
const TO_EUR: Record<string, number> = { EUR: 1, USD: 0.92, GBP: 1.17, CHF: 1.04, SEK: 0.088, PLN: 0.23 };

export const KNOWN_CURRENCIES = Object.keys(TO_EUR);

/** Days an open item may be overdue before the oldest-open-item check blocks (SAP: "OI overdue" check). */
export const OVERDUE_TOLERANCE_DAYS = 30;

export interface CreditCheckResult {
  KUNNR: string;
  KKBER: string;
  amount: number;
  currency: string;
  /** The order value in the credit currency (WAERS). */
  creditAmount: number;
  creditCurrency: string;
  creditLimit: number;
  openReceivables: number;
  openOrders: number;
  exposure: number;
  arrears: number;
  arrearsDays: number;
  /** What is left of the limit before this order. */
  available: number;
  result: 'approved' | 'blocked';
  reason?: { code: string; message: string };
}

export function convert(amount: number, from: string, to: string): number | undefined {
  const fromRate = TO_EUR[from];
  const toRate = TO_EUR[to];
  if (fromRate === undefined || toRate === undefined) return undefined;
  return Math.round(((amount * fromRate) / toRate) * 100) / 100;
}

/**
 * SD automatic credit control as configured in most systems: a credit block first, then the oldest open
 * item check, then the static check (exposure = open receivables + open orders, plus this order, against
 * the limit). The first failing check is the reason.
 */
export function checkCredit(
  customer: SapCustomer,
  amount: number,
  creditAmount: number,
  currency: string,
): CreditCheckResult {
  const exposure = customer.OBLIG;
  const base: CreditCheckResult = {
    KUNNR: customer.KUNNR,
    KKBER: customer.KKBER,
    amount,
    currency,
    creditAmount,
    creditCurrency: customer.WAERS,
    creditLimit: customer.KLIMK,
    openReceivables: customer.SKFOR,
    openOrders: customer.SAUFT,
    exposure,
    arrears: customer.ZZARREARS,
    arrearsDays: customer.ZZARREARS_DAYS,
    available: Math.round((customer.KLIMK - exposure) * 100) / 100,
    result: 'approved',
  };
  const blocked = (code: string, message: string): CreditCheckResult => ({
    ...base,
    result: 'blocked',
    reason: { code, message },
  });
  if (customer.CRBLB === 'X') {
    return blocked('CREDIT_BLOCKED', `Customer ${customer.KUNNR} is blocked in credit management`);
  }
  if (customer.ZZARREARS > 0 && customer.ZZARREARS_DAYS > OVERDUE_TOLERANCE_DAYS) {
    return blocked(
      'OLDEST_OPEN_ITEM_OVERDUE',
      `Oldest open item overdue ${customer.ZZARREARS_DAYS} days (tolerance ${OVERDUE_TOLERANCE_DAYS}); arrears ${customer.ZZARREARS} ${customer.WAERS}`,
    );
  }
  if (exposure + creditAmount > customer.KLIMK) {
    return blocked(
      'CREDIT_LIMIT_EXCEEDED',
      `Credit limit exceeded: exposure ${exposure} + order ${creditAmount} > limit ${customer.KLIMK} ${customer.WAERS}`,
    );
  }
  return base;
}
