import type { PublishInput } from '../../../bus/index.ts';
import type { ConnectorRuntime } from '../../../connectors/index.ts';
import { exampleJson } from '../../../schemas/examples.ts';
import { API, type SalesforceHarness } from '../../../simulators/salesforce/test-support.ts';
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
 * ASN comes back as `asnFormat`), and, given `salesforceUrl`, the CRM's order status and tracking through
 * `salesforce-order-status-sink` to the Salesforce org's Order. Returns the connectors' names and their removal.
 */
export async function putSimulatorSinks(
  runtime: ConnectorRuntime,
  commands: CommandTopics,
  options: {
    name: string;
    sapInboundDir: string;
    logisticsUrl: string;
    partner: string;
    asnFormat?: string;
    salesforceUrl?: string;
  },
): Promise<{ ordrsp: string; despatch: string; crm?: string; remove(): Promise<void> }> {
  const ordrsp = `${options.name}-ordrsp`;
  const despatch = `${options.name}-despatch`;
  const crm = options.salesforceUrl ? `${options.name}-crm` : undefined;
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
  if (crm)
    await runtime.put(
      {
        name: crm,
        type: 'salesforce-order-status-sink',
        topics: [commands.crmOrderStatus],
        config: {
          instanceUrl: options.salesforceUrl,
          clientId: 'eai-order-status',
          // The simulator binds a client id to the secret of its first use: a fixed test value.
          clientSecret: 'order-status-secret',
        },
      },
      'test',
    );
  return {
    ordrsp,
    despatch,
    ...(crm ? { crm } : {}),
    remove: async () => {
      await runtime.remove(ordrsp);
      await runtime.remove(despatch);
      if (crm) await runtime.remove(crm);
    },
  };
}

/** The Salesforce Account of SAP customer `kunnr` (its SAP number in the org's External ID field), made once. */
export async function salesforceAccountOf(salesforce: SalesforceHarness, kunnr: string): Promise<string> {
  const path = `${API}/sobjects/Account/SAP_Customer_Number__c/${kunnr}`;
  const answer = await salesforce.json<{ id?: string; Id?: string }>('PATCH', path, {
    Name: `Customer ${kunnr}`,
  });
  if (answer.status >= 300) throw new Error(`PATCH ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.id!;
}

/** The Salesforce Order of a hub order id (upserted by External_Id__c), if the org has it. */
export async function salesforceOrder(
  salesforce: SalesforceHarness,
  orderId: string,
): Promise<Record<string, unknown> | undefined> {
  const answer = await salesforce.json<Record<string, unknown>>(
    'GET',
    `${API}/sobjects/Order/External_Id__c/${encodeURIComponent(orderId)}`,
  );
  return answer.status === 200 ? answer.body : undefined;
}

/**
 * `count` new orders SAP knows (so it posts their ORDRSP), made by its simulator. Each adds its value to its sold-to
 * party's credit exposure: `soldTo` names that party (else the simulator draws each order's from its customer master,
 * the customers a test's credit checks ask about included).
 */
export async function sapOrders(sapUrl: string, count: number, soldTo?: string): Promise<SapOrder[]> {
  const list = async () =>
    ((await (await fetch(`${sapUrl}/sim/orders`)).json()) as { orders: SapOrder[] }).orders;
  const before = await list();
  const made = await fetch(`${sapUrl}/sim/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count, variant: 'plain', ...(soldTo === undefined ? {} : { soldTo }) }),
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
