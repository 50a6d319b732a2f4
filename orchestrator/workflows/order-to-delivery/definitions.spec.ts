import { describe, expect, it } from 'vitest';
import { orderToDeliveryDefinitions } from './index.ts';

describe('order-to-delivery definitions', () => {
  // Every version waits for a credit decision on a blocked order; the admin API refuses any signal its definition
  // does not name (400), so a version that names none leaves its credit holds to time out. v4 once named none.
  it('every shipped version takes the credit signals its credit hold waits for', () => {
    for (const definition of orderToDeliveryDefinitions()) {
      expect({ name: definition.name, signals: definition.signals }).toEqual({
        name: definition.name,
        signals: ['approve-credit', 'reject-credit'],
      });
    }
  });
});
