import { describe, expect, it } from 'vitest';
import { withoutDocumentValues, withoutValueMarks } from '../../../lib/errors.ts';
import { amendmentChanges } from './amendments.ts';
import type { OrderRecord } from './steps.ts';

const order = (lines: Array<[string, string]>, total?: string): OrderRecord => ({
  orderId: 'sap:1',
  lines: lines.map(([lineNumber, value]) => ({ lineNumber, quantity: { value, unitCode: 'C62' } })),
  ...(total ? { totalAmount: { amount: total, currency: 'EUR' } } : {}),
});

describe('what an amendment changes, as operators read it', () => {
  it('names changed quantities, added and removed lines, and the total', () => {
    const changes = amendmentChanges(
      order(
        [
          ['10', '12'],
          ['20', '1'],
        ],
        '100',
      ),
      order(
        [
          ['10', '20'],
          ['30', '4'],
        ],
        '160',
      ),
    );
    expect(changes.map(withoutValueMarks)).toEqual([
      'line 10 quantity 12 → 20 C62',
      'line 30 added (4 C62)',
      'line 20 removed',
      'total 100 EUR → 160 EUR',
    ]);
    // The quantities and amounts are the order's business data, marked: a viewer and the logs read them as "…".
    expect(changes.map(withoutDocumentValues)).toEqual([
      'line 10 quantity "…" → "…" C62',
      'line 30 added ("…" C62)',
      'line 20 removed',
      'total "…" EUR → "…" EUR',
    ]);
  });

  it('says other fields when neither the lines nor the total changed (dates, addresses)', () => {
    expect(amendmentChanges(order([['10', '12']], '100'), order([['10', '12']], '100'))).toEqual([
      'other fields',
    ]);
  });
});
