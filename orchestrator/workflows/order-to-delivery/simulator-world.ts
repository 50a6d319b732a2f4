import type { PublishInput } from '../../../bus/index.ts';
import type { ConnectorRuntime } from '../../../connectors/index.ts';
import { exampleJson } from '../../../schemas/examples.ts';
import type { SapOrder } from '../../../simulators/sap/state.ts';
import type { CommandTopics } from '../../commands.ts';
import type { OrderToDeliveryTopics } from './routes.ts';
import { salesOrderEvent } from './test-support.ts';

/**
 * Test support of the order-to-delivery specs that run against the simulators (crash.int.spec.ts,
 * provider-asn.int.spec.ts): the command topics of one run, the sinks between them and the simulators, orders SAP
 * knows, and the simulators' effects.
 */

export interface SimEffect {
  entityId: string;
  operation: string;
  idempotencyKey?: string;
  detail?: Record<string, unknown>;
}

/** A simulator's applied effects of one entity type (`GET /sim/effects`). */
export async function simEffects(sim: { url: string }, entityType: string): Promise<SimEffect[]> {
  const response = await fetch(`${sim.url}/sim/effects?entityType=${entityType}`);
  return ((await response.json()) as { effects: SimEffect[] }).effects;
}

/** Command topics of one run (a run's sinks read only its own commands). */
export function runCommandTopics(prefix: string): CommandTopics {
  return {
    erpOrderStatus: `${prefix}.cmd.erp`,
    logisticsDespatch: `${prefix}.cmd.despatch`,
    crmOrderStatus: `${prefix}.cmd.crm`,
  };
}

/**
 * The real sinks between a run's command topics and the simulators: the ERP status through `sap-ordrsp-file-sink`
 * into SAP's inbound folder, the despatch request through `logistics-despatch-sink` to the provider's API (whose
 * ASN comes back as `asnFormat`). Returns the connectors' names and their removal.
 */
export async function putSimulatorSinks(
  runtime: ConnectorRuntime,
  commands: CommandTopics,
  options: { name: string; sapInboundDir: string; logisticsUrl: string; partner: string; asnFormat?: string },
): Promise<{ ordrsp: string; despatch: string; remove(): Promise<void> }> {
  const ordrsp = `${options.name}-ordrsp`;
  const despatch = `${options.name}-despatch`;
  await runtime.put(
    {
      name: ordrsp,
      type: 'sap-ordrsp-file-sink',
      topics: [commands.erpOrderStatus],
      config: { dir: options.sapInboundDir },
    },
    'test',
  );
  await runtime.put(
    {
      name: despatch,
      type: 'logistics-despatch-sink',
      topics: [commands.logisticsDespatch],
      config: {
        baseUrl: options.logisticsUrl,
        partner: options.partner,
        ...(options.asnFormat ? { asnFormat: options.asnFormat } : {}),
      },
    },
    'test',
  );
  return {
    ordrsp,
    despatch,
    remove: async () => {
      await runtime.remove(ordrsp);
      await runtime.remove(despatch);
    },
  };
}

/** `count` new orders SAP knows (so it posts their ORDRSP), made by its simulator. */
export async function sapOrders(sapUrl: string, count: number): Promise<SapOrder[]> {
  const list = async () =>
    ((await (await fetch(`${sapUrl}/sim/orders`)).json()) as { orders: SapOrder[] }).orders;
  const before = await list();
  const made = await fetch(`${sapUrl}/sim/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count, variant: 'plain' }),
  });
  if (made.status >= 300) throw new Error(`POST /sim/orders: ${made.status} ${await made.text()}`);
  return (await list()).slice(before.length);
}

/**
 * SalesOrder CREATED events of SAP's orders (order id `sap:<VBELN>`, its order and PO numbers), ordered by `kunnr`,
 * each with a correlation id of its own. The provider ships whole units: the example's 2.5 l line is left out.
 */
export function sapOrderEvents(
  topics: OrderToDeliveryTopics,
  orders: SapOrder[],
  kunnr: string,
): PublishInput[] {
  const lines = (exampleJson('SalesOrderEvent') as { salesOrder: { lines: unknown[] } }).salesOrder.lines;
  return orders.map((order) => {
    const event = salesOrderEvent(topics, `sap:${order.orderNumber}`, kunnr, {
      correlationId: `corr-${order.orderNumber}`,
    });
    const salesOrder = (event.value as { salesOrder: Record<string, unknown> }).salesOrder;
    salesOrder.orderNumber = order.orderNumber;
    salesOrder.purchaseOrderNumber = order.purchaseOrderNumber;
    salesOrder.lines = [lines[0]];
    return event;
  });
}
