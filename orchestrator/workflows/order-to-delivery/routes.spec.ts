import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../../bus/index.ts';
import { parseOrchestratorConfig } from '../../config.ts';
import { CANONICAL_TOPICS, routeOrderEvent, workflowIdOf } from './routes.ts';

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

  it('a cancellation interrupts; other order changes mean nothing to it', () => {
    const cancelled = example('SalesOrderEvent');
    cancelled.changeType = 'STATUS_CHANGED';
    cancelled.salesOrder.status = 'CANCELLED';
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, cancelled))).toEqual([
      { workflowId: workflowIdOf('sap:0000004711'), kind: 'order.cancelled', data: { status: 'CANCELLED' } },
    ]);
    const updated = example('SalesOrderEvent');
    updated.changeType = 'UPDATED';
    expect(routeOrderEvent(CANONICAL_TOPICS, consumed(CANONICAL_TOPICS.salesOrder, updated))).toEqual([]);
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
});
