import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../bus/index.ts';
import { parseOrchestratorConfig } from '../../config.ts';
import { CANONICAL_TOPICS as ORDER_TOPICS, routeOrderEvent } from '../order-to-delivery/routes.ts';
import { CANONICAL_TOPICS, rmaOf, rmaOfWorkflow, routeComplaintEvent, workflowIdOf } from './routes.ts';
import { creditLines } from './steps.ts';

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const example = (name: string) => read(`../../../schemas/examples/${name}.json`);

function consumed(topic: string, value: unknown): ConsumedEvent {
  return {
    value,
    schemaName: 'x',
    key: null,
    attributes: { id: 'evt-1', correlationId: 'corr-1' },
    record: { topic, partition: 0, offset: '7', timestamp: '0', key: null, value: null, headers: {} },
  };
}

describe('complaint-return routing', () => {
  it('a Case CREATED about an order starts an instance keyed by its RMA number, RMA-<Case Id>', () => {
    const [decision] = routeComplaintEvent(
      CANONICAL_TOPICS,
      consumed('canonical.case', example('CaseEvent')),
    );
    expect(decision).toMatchObject({
      start: true,
      workflowId: 'complaint-return:RMA-5005g00000Xy7ZqAAJ',
      input: {
        caseId: 'salesforce:5005g00000Xy7ZqAAJ',
        rma: 'RMA-5005g00000Xy7ZqAAJ',
        orderNumber: '0000004711',
        trace: { correlationId: 'corr-1' },
        topics: { salesOrder: 'canonical.sales-order', case: 'canonical.case' },
      },
    });
    expect(rmaOfWorkflow(decision!.workflowId!)).toBe('RMA-5005g00000Xy7ZqAAJ');
    expect(rmaOf({ caseId: 'x:a b/c' })).toBe('RMA-a-b-c');
  });

  it('no start for a case without an order, an update, or the hub own case events; closed in the CRM interrupts', () => {
    const value = example('CaseEvent');
    const none = (v: unknown) => routeComplaintEvent(CANONICAL_TOPICS, consumed('canonical.case', v));
    expect(none({ ...value, case: { ...value.case, orderNumber: null } })).toEqual([]);
    expect(none({ ...value, changeType: 'STATUS_CHANGED' })).toEqual([]);
    expect(
      none({ ...value, changeType: 'STATUS_CHANGED', case: { ...value.case, status: 'CLOSED' } }),
    ).toEqual([
      {
        workflowId: 'complaint-return:RMA-5005g00000Xy7ZqAAJ',
        kind: 'case.closed',
        data: { status: 'CLOSED' },
      },
    ]);
    expect(none({ ...value, origin: { ...value.origin, system: 'eai' } })).toEqual([]);
  });

  it('the return receipt epcis-capture-source writes goes to the instance of its RMA; other shipments go nowhere', () => {
    const [receipt] = read('../../../mappings/logistics/epcis-2.expected/return-receipt-rma.json.json');
    const [decision] = routeComplaintEvent(CANONICAL_TOPICS, consumed('canonical.shipment', receipt.value));
    expect(decision).toMatchObject({
      workflowId: workflowIdOf('RMA-00001000'),
      kind: 'return.received',
      data: { shipmentId: 'epcis:rma:0614141000005:RMA-00001000' },
    });
    expect(
      routeComplaintEvent(CANONICAL_TOPICS, consumed('canonical.shipment', example('ShipmentEvent'))),
    ).toEqual([]);
  });

  it('credits what was received (GTINs compared without leading zeros) at the original price, else what was authorised', () => {
    const order = example('SalesOrderEvent').salesOrder;
    const [line] = creditLines(
      [order.lines[0]],
      [{ item: { sellerItemId: null, gtin: '04006381333931' }, quantity: { value: '2' } }],
    );
    expect(line).toMatchObject({
      quantity: { value: '2' },
      lineAmount: { amount: '2999.80', currency: 'EUR' },
    });
    // Nothing matched (items named only by description): what was authorised.
    const [all] = creditLines(
      [order.lines[0]],
      [{ item: { sellerItemId: 'X', gtin: null }, quantity: { value: '1' } }],
    );
    expect(all).toMatchObject({ quantity: { value: '12' }, lineAmount: { amount: '17998.80' } });
    // Two lines, one received: the other is not credited.
    const other = { ...order.lines[0], item: { ...order.lines[0].item, gtin: '1', sellerItemId: 'MAT-2' } };
    expect(
      creditLines(
        [order.lines[0], other],
        [{ item: { sellerItemId: null, gtin: '04006381333931' }, quantity: { value: '2' } }],
      ).map((l) => l.item.sellerItemId),
    ).toEqual(['MAT-100234']);
    // Two lines, one received by GTIN, the other named only by the provider's item URI (the mapping's description):
    // the second may be that line, so it is credited as authorised, not dropped.
    expect(
      creditLines(
        [order.lines[0], other],
        [
          { item: { sellerItemId: null, gtin: '04006381333931' }, quantity: { value: '2' } },
          { item: { sellerItemId: null, gtin: null }, quantity: { value: '12' } },
        ],
      ).map((l) => [l.item.sellerItemId, l.quantity.value]),
    ).toEqual([
      ['MAT-100234', '2'],
      ['MAT-2', '12'],
    ]);
  });

  it('the receipt timeout is in the config', () => {
    const base = { databaseUrl: 'postgres://x@h/db', executorId: 'a', brokers: 'b', registryUrl: 'http://r' };
    expect(parseOrchestratorConfig(base).timers.returnReceiptTimeoutMs).toBe(30 * 24 * 3_600_000);
    expect(
      parseOrchestratorConfig({ ...base, timers: { returnReceiptTimeoutMs: 500 } }).timers,
    ).toMatchObject({
      returnReceiptTimeoutMs: 500,
    });
  });
});

describe('order-to-delivery ignores the hub own return and credit memo orders', () => {
  for (const orderType of ['RE', 'CR']) {
    it(`orderType ${orderType} neither starts nor cancels an instance`, () => {
      const value = example('SalesOrderEvent');
      for (const status of ['OPEN', 'CANCELLED']) {
        const event = { ...value, salesOrder: { ...value.salesOrder, orderType, status } };
        expect(routeOrderEvent(ORDER_TOPICS, consumed('canonical.sales-order', event))).toEqual([]);
      }
      expect(routeOrderEvent(ORDER_TOPICS, consumed('canonical.sales-order', value))).toHaveLength(1);
    });
  }
});
