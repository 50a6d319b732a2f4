/**
 * The customer 360 read model on a real PostgreSQL: a document that names an SAP customer by its number without the
 * leading zeros SAP keeps (an IDoc's or an EDI partner's 100001 for KUNNR 0000100001) is the customer's, and the
 * other way round.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseEvent, SalesOrderEvent } from '../schemas/types.generated.ts';
import { testStack } from '../tests/stack.ts';
import { CustomerActivity } from './activity.ts';
import { defaultMdmConfig } from './config.ts';
import type { MasterDataStore } from './store.ts';
import { dropStore, scratchStore } from './test-support.ts';

const stores: MasterDataStore[] = [];
afterAll(async () => {
  for (const s of stores) await dropStore(s);
});

const origin = (system: string) => ({ system, documentId: null, changeOrigin: null, changedBy: null });

const order = (orderId: string, customerId: string): SalesOrderEvent =>
  ({
    changeType: 'CREATED',
    changedFields: [],
    occurredAt: new Date(),
    origin: origin('sap'),
    salesOrder: {
      orderId,
      sourceIds: [],
      customer: { customerId: null, sourceIds: [{ system: 'sap', id: customerId }] },
      lines: [],
      status: 'OPEN',
    },
  }) as unknown as SalesOrderEvent;

describe('customer 360', () => {
  it('finds the documents that name an SAP customer number with or without its leading zeros', async () => {
    const store = await scratchStore(testStack().databaseUrl, defaultMdmConfig(), 'activity');
    stores.push(store);
    const activity = new CustomerActivity(store);
    await activity.recordOrder(order('sap:4711', '0000100001'));
    await activity.recordOrder(order('sap:4712', '100001'));
    await activity.recordOrder(order('sap:4713', '1000010'));
    await activity.recordCase({
      changeType: 'CREATED',
      changedFields: [],
      clearedFields: [],
      occurredAt: new Date(),
      origin: origin('sap'),
      case: {
        caseId: 'sap:C1',
        sourceIds: [],
        subject: 'Late delivery',
        status: 'NEW',
        customerId: 'sap:100001',
      },
    } as unknown as CaseEvent);

    for (const sourceId of ['0000100001', '100001']) {
      const view = await activity.of([{ system: 'sap', sourceId }]);
      expect(view.openOrders.map((o) => o.orderId).sort(), sourceId).toEqual(['sap:4711', 'sap:4712']);
      expect(
        view.recentCases.map((c) => c.caseId),
        sourceId,
      ).toEqual(['sap:C1']);
    }
    // Another system's number is another customer.
    expect((await activity.of([{ system: 'odoo', sourceId: '100001' }])).openOrders).toEqual([]);
  });
});
