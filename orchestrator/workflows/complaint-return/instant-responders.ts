import type { Bus, ConsumedEvent, ConsumerRunner, Publisher, PublishInput } from '../../../bus/index.ts';
import { ORCHESTRATOR_SOURCE } from '../../commands.ts';
import type { ComplaintReturnTopics } from './routes.ts';

export interface SeenCommand {
  topic: string;
  id: string;
  /** The RMA number (RE), credit memo number (CR) or case id. */
  subject: string;
  /** `RE`, `CR` or `CASE`. */
  kind: string;
  status: string;
  correlationId?: string;
  traceparent?: string;
  value: unknown;
}

export interface InstantResponders {
  /** Every command of the workflow seen on its topics, in arrival order. */
  readonly seen: SeenCommand[];
  stop(): Promise<void>;
}

/**
 * A return receipt as epcis-capture-source writes one (logistics/epcis-2.to-canonical.yaml): Shipment RECEIVED,
 * numbered by the RMA, its rma source id, a RECEIVED milestone with disposition returned.
 */
export function returnReceiptEvent(
  topic: string,
  rma: string,
  options: {
    purchaseOrderNumber?: string | null;
    lines?: Array<{ gtin?: string | null; sellerItemId?: string | null; quantity: string }>;
    correlationId?: string;
  } = {},
): PublishInput {
  const now = new Date().toISOString();
  const shipmentId = `epcis:rma:0614141000005:${rma}`;
  return {
    schema: 'ShipmentEvent',
    topic,
    key: shipmentId,
    value: {
      changeType: 'STATUS_CHANGED',
      changedFields: ['milestones', 'status'],
      occurredAt: now,
      origin: { system: 'epcis', documentId: null, changeOrigin: null, changedBy: null },
      shipment: {
        shipmentId,
        sourceIds: [{ system: 'epcis', id: `urn:epcglobal:cbv:bt:0614141000005:${rma}`, idType: 'rma' }],
        shipmentNumber: rma,
        orderReferences: [
          {
            orderId: null,
            purchaseOrderNumber: options.purchaseOrderNumber ?? null,
            sellerOrderNumber: null,
          },
        ],
        carrier: null,
        trackingNumbers: [],
        billOfLading: null,
        shipFrom: null,
        shipTo: null,
        shippedAt: null,
        estimatedArrival: null,
        grossWeight: null,
        packages: [],
        lines: (options.lines ?? []).map((l) => ({
          lineNumber: null,
          orderLineNumber: null,
          purchaseOrderNumber: null,
          item: {
            sellerItemId: l.sellerItemId ?? null,
            buyerItemId: null,
            gtin: l.gtin ?? null,
            description: null,
          },
          quantity: { value: l.quantity, unitCode: 'C62' },
          packageId: null,
          lotNumber: null,
        })),
        milestones: [
          {
            type: 'RECEIVED',
            occurredAt: now,
            timeZoneOffset: null,
            location: null,
            disposition: 'returned',
            sourceEventId: null,
          },
        ],
        status: 'RECEIVED',
        createdAt: now,
        extensions: {},
      },
    },
    attributes: { correlationId: options.correlationId },
  };
}

/**
 * Stand-ins for logistics, SAP and the CRM on the bus (for tests): a return order (RE, OPEN) is answered at once with
 * its receipt on `topics.shipment` (what was authorised, all received); credit memo requests and case updates are
 * only recorded. `silent` withholds the receipt of an RMA number.
 */
export async function startInstantResponders(
  bus: Bus,
  options: { groupId: string; topics: ComplaintReturnTopics; silent?: (rma: string) => boolean },
): Promise<InstantResponders> {
  const seen: SeenCommand[] = [];
  const publisher: Publisher & { close(): Promise<void> } = await bus.publisher();
  const runner: ConsumerRunner = await bus.consume({
    groupId: options.groupId,
    topics: [options.topics.salesOrder, options.topics.case],
    dlqTopic: 'dlq.orchestrator',
    fromBeginning: false,
    handler: async (event: ConsumedEvent) => {
      if (!event.attributes.source?.startsWith(`${ORCHESTRATOR_SOURCE}/`)) return;
      const value = event.value as {
        salesOrder?: {
          orderType: string;
          orderNumber: string;
          status: string;
          purchaseOrderNumber: string | null;
          lines: Array<{
            item: { gtin: string | null; sellerItemId: string | null };
            quantity: { value: string };
          }>;
        };
        case?: { caseId: string; status: string };
      };
      const order = value.salesOrder;
      const command: SeenCommand = {
        topic: event.record.topic,
        id: event.attributes.id ?? '',
        subject: order ? order.orderNumber : value.case!.caseId,
        kind: order ? order.orderType : 'CASE',
        status: order ? order.status : value.case!.status,
        correlationId: event.attributes.correlationId,
        traceparent: event.attributes.traceparent,
        value: event.value,
      };
      seen.push(command);
      if (order?.orderType === 'RE' && order.status === 'OPEN' && !options.silent?.(order.orderNumber)) {
        await publisher.publish([
          returnReceiptEvent(options.topics.shipment, order.orderNumber, {
            purchaseOrderNumber: order.purchaseOrderNumber,
            lines: order.lines.map((l) => ({
              gtin: l.item.gtin,
              sellerItemId: l.item.sellerItemId,
              quantity: l.quantity.value,
            })),
            correlationId: command.correlationId,
          }),
        ]);
      }
    },
  });
  await runner.ready();
  return {
    seen,
    async stop() {
      await runner.stop();
      await publisher.close();
    },
  };
}
