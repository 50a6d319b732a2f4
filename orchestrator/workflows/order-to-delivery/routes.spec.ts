import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../bus/index.ts';
import { parseOrchestratorConfig } from '../../config.ts';
import { CANONICAL_TOPICS, despatchReferences, routeOrderEvent, workflowIdOf } from './routes.ts';

const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../schemas/examples/${name}.json`, import.meta.url), 'utf8'));

function consumed(topic: string, value: unknown, id = 'evt-1'): ConsumedEvent {
  return {
    value,
    schemaName: 'x',
    key: null,
    attributes: { id, correlationId: 'corr-1', traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
    record: { topic, partition: 0, offset: '7', timestamp: '0', key: null, value: null, headers: {} },
  };
}

describe('order-to-delivery routing', () => {
  it('a SalesOrder CREATED starts an instance keyed by the order, with the SAP customer and the trace', () => {
    const [decision] = routeOrderEvent(
      CANONICAL_TOPICS,
      consumed(CANONICAL_TOPICS.salesOrder, example('SalesOrderEvent')),
    );
    expect(decision).toMatchObject({
      start: true,
      workflowId: 'order-to-delivery:sap:0000004711',
      input: {
        orderId: 'sap:0000004711',
        customerNumber: '0000104711',
        amount: 17998.81,
        currency: 'EUR',
        trace: { correlationId: 'corr-1', traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
      },
    });
  });

  it('a test order (sap.test, x12.test… = true, as the mappings mark them) starts nothing; other flags do not stop one', () => {
    for (const flag of ['sap.test', 'x12.test', 'edifact.test', 'shopify.test']) {
      const order = example('SalesOrderEvent');
      order.salesOrder.extensions = { ...order.salesOrder.extensions, [flag]: 'true' };
      expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, order)), flag).toEqual(
        [],
      );
    }
    const order = example('SalesOrderEvent');
    order.salesOrder.extensions = {
      ...order.salesOrder.extensions,
      'sap.test': 'false',
      'sap.tested': 'true',
    };
    const [decision] = routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, order));
    expect(decision).toMatchObject({ start: true, workflowId: 'order-to-delivery:sap:0000004711' });
  });

  it('a cancellation interrupts; an amendment goes to the instance (v7 on); other order changes mean nothing to it', () => {
    const cancelled = example('SalesOrderEvent');
    cancelled.changeType = 'STATUS_CHANGED';
    cancelled.salesOrder.status = 'CANCELLED';
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, cancelled))).toEqual([
      { workflowId: workflowIdOf('sap:0000004711'), kind: 'order.cancelled', data: { status: 'CANCELLED' } },
    ]);
    // An ORDCHG (changed quantity): the amended order for an instance of v7 on; one of an earlier version in flight
    // is said not to apply it (the router warns rather than drop it unseen).
    const updated = example('SalesOrderEvent');
    updated.changeType = 'UPDATED';
    updated.salesOrder.lines[0].quantity.value = '20';
    const [amended] = routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, updated));
    expect(amended).toMatchObject({
      workflowId: workflowIdOf('sap:0000004711'),
      kind: 'order.amended',
      data: { amount: 17998.81, currency: 'EUR', order: { orderId: 'sap:0000004711' } },
      appliedFrom: { version: 7 },
    });
    const { data, appliedFrom } = amended as { data: { order: { lines: unknown[] } } } & {
      appliedFrom: { notApplied: string };
    };
    expect(data.order.lines).toEqual([
      expect.objectContaining({ lineNumber: '10', quantity: { value: '20', unitCode: 'C62' } }),
      expect.anything(),
    ]);
    expect(appliedFrom.notApplied).toMatch(
      /^order sap:0000004711 was changed \(SalesOrder UPDATED\) while order-to-delivery:sap:0000004711 runs on a version before 7, which does not apply amendments.*eai workflows cancel/,
    );
    const statusChanged = example('SalesOrderEvent');
    statusChanged.changeType = 'STATUS_CHANGED';
    statusChanged.salesOrder.status = 'CONFIRMED';
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, statusChanged))).toEqual(
      [],
    );
  });

  it('a Shipment is the ASN of each order it references, or their delivery once delivered', () => {
    const asn = example('ShipmentEvent');
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.shipment, asn))).toEqual([
      {
        workflowId: workflowIdOf('sap:0000004711'),
        kind: 'shipment.asn',
        data: {
          shipmentId: 'edi:FASTFREIGHT:SH-88001',
          status: 'SHIPPED',
          trackingNumbers: ['1Z999AA10123456784'],
        },
      },
    ]);
    asn.shipment.status = 'IN_TRANSIT';
    asn.shipment.milestones.push({ ...asn.shipment.milestones[0], type: 'RECEIVED' });
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.shipment, asn))[0]).toMatchObject({
      kind: 'shipment.delivered',
    });
  });

  it("the provider's ASN, naming orders by PO and order number only, is routed by those references, each order's", () => {
    const asn = example('ShipmentEvent');
    const [first] = asn.shipment.orderReferences;
    asn.shipment.orderReferences = [
      { ...first, orderId: null },
      // A second order of the same ASN, by PO only (EDIFACT DESADV names the seller's number for one order only).
      { ...first, orderId: null, purchaseOrderNumber: 'PO-2026-0043', sellerOrderNumber: null },
      // A reference with nothing to correlate by is left out.
      { ...first, orderId: null, purchaseOrderNumber: null, sellerOrderNumber: null },
    ];
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.shipment, asn))).toEqual([
      {
        references: [['order:0000004711', 'po:PO-2026-0042'], ['po:PO-2026-0043']],
        kind: 'shipment.asn',
        data: {
          shipmentId: 'edi:FASTFREIGHT:SH-88001',
          status: 'SHIPPED',
          trackingNumbers: ['1Z999AA10123456784'],
        },
      },
    ]);
    // With the hub's order id on one reference: that one by id, the other by its references.
    asn.shipment.orderReferences[0].orderId = 'sap:0000004711';
    expect(
      routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.shipment, asn)).map((d) =>
        'references' in d ? d.references : d.workflowId,
      ),
    ).toEqual([workflowIdOf('sap:0000004711'), [['po:PO-2026-0043']]]);
  });

  it('a despatch request names the order by its number and PO (else the number again), as the mapping writes it', () => {
    const order = example('SalesOrderEvent').salesOrder;
    expect(despatchReferences({ ...order, orderNumber: '0000004711', purchaseOrderNumber: 'PO-1' })).toEqual([
      'order:0000004711',
      'po:PO-1',
    ]);
    expect(despatchReferences({ ...order, orderNumber: '0000004711', purchaseOrderNumber: null })).toEqual([
      'order:0000004711',
      'po:0000004711',
    ]);
    expect(despatchReferences({ ...order, orderNumber: null, purchaseOrderNumber: null })).toEqual([]);
  });
});

describe('orchestrator config', () => {
  it('names the field that is wrong', () => {
    expect(() =>
      parseOrchestratorConfig({
        databaseUrl: 'postgres://u:p@127.0.0.1:1/x',
        executorId: 'a',
        brokers: 'b:1',
        registryUrl: 'http://r',
        timers: { asnTimeoutMs: -1 },
      }),
    ).toThrow(/orchestrator\.timers\.asnTimeoutMs/);
  });

  it('defaults timers to business durations (hours), which a deployment shortens', () => {
    const config = parseOrchestratorConfig({
      databaseUrl: 'postgres://u:p@127.0.0.1:1/x',
      executorId: 'a',
      brokers: 'b:1',
      registryUrl: 'http://r',
    });
    expect(config.timers.asnEscalationMs).toBe(48 * 3_600_000);
    expect(config.applicationVersion).toBe('eai-orchestrator-1');
  });

  it("gives the router the database's own group, so orchestrators on two databases never share one", () => {
    const base = {
      databaseUrl: 'postgres://u:p@127.0.0.1:1/x',
      executorId: 'a',
      brokers: 'b:1',
      registryUrl: 'http://r',
    };
    expect(parseOrchestratorConfig(base).routerGroup).toBe('eai-orchestrator');
    expect(parseOrchestratorConfig({ ...base, database: 'eai_orchestrator' }).routerGroup).toBe(
      'eai-orchestrator',
    );
    expect(parseOrchestratorConfig({ ...base, database: 'orders_b' }).routerGroup).toBe(
      'eai-orchestrator.orders_b',
    );
    expect(parseOrchestratorConfig({ ...base, database: 'orders_b', routerGroup: 'mine' }).routerGroup).toBe(
      'mine',
    );
  });
});
