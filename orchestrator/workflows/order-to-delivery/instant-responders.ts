import type { Bus, ConsumedEvent, ConsumerRunner, Publisher } from '../../../bus/index.ts';
import { COMMAND_TOPICS } from '../../commands.ts';
import type { OrderToDeliveryTopics } from './routes.ts';

export interface SeenCommand {
  topic: string;
  id: string;
  orderId: string;
  status: string;
  correlationId?: string;
  traceparent?: string;
}

export interface InstantResponders {
  /** Every command seen on the command topics, in arrival order. */
  readonly seen: SeenCommand[];
  stop(): Promise<void>;
}

/** A canonical ShipmentEvent (ASN when SHIPPED, delivery when DELIVERED) referencing one order. */
export function shipmentEvent(
  topic: string,
  orderId: string,
  status: 'SHIPPED' | 'DELIVERED',
  correlationId?: string,
) {
  const now = new Date().toISOString();
  const shipmentId = `test:SH-${orderId}`;
  return {
    schema: 'ShipmentEvent',
    topic,
    value: {
      changeType: status === 'SHIPPED' ? 'CREATED' : 'STATUS_CHANGED',
      changedFields: [],
      occurredAt: now,
      origin: { system: 'test', documentId: null, changeOrigin: null, changedBy: null },
      shipment: {
        shipmentId,
        sourceIds: [],
        shipmentNumber: `SH-${orderId}`,
        orderReferences: [{ orderId, purchaseOrderNumber: null, sellerOrderNumber: null }],
        carrier: null,
        trackingNumbers: [`1Z${orderId.replace(/\W/g, '').slice(-12)}`],
        billOfLading: null,
        shipFrom: null,
        shipTo: null,
        shippedAt: now,
        estimatedArrival: null,
        grossWeight: null,
        packages: [],
        lines: [],
        milestones: [
          {
            type: status,
            occurredAt: now,
            timeZoneOffset: null,
            location: null,
            disposition: null,
            sourceEventId: null,
          },
        ],
        status,
        createdAt: now,
        extensions: {},
      },
    },
    attributes: { correlationId },
  };
}

/**
 * Stand-ins for logistics and its carrier, on the bus (for tests and the benchmark): a despatch request is answered
 * at once with an ASN (Shipment SHIPPED) and the CRM status update that follows with the delivery (Shipment
 * DELIVERED), both as canonical ShipmentEvents on `topics.shipment`. `silent` withholds answers.
 */
export async function startInstantResponders(
  bus: Bus,
  options: {
    groupId: string;
    topics: OrderToDeliveryTopics;
    /** Orders (and which answer) that get none. */
    silent?: (orderId: string, answer: 'asn' | 'delivery') => boolean;
    /** Consumers in the group (command partitions answered in parallel). */
    consumers?: number;
  },
): Promise<InstantResponders> {
  const seen: SeenCommand[] = [];
  const publisher: Publisher & { close(): Promise<void> } = await bus.publisher();

  const consume = (): Promise<ConsumerRunner> =>
    bus.consume({
      groupId: options.groupId,
      topics: [
        COMMAND_TOPICS.logisticsDespatch,
        COMMAND_TOPICS.crmOrderStatus,
        COMMAND_TOPICS.erpOrderStatus,
      ],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: false,
      handler: async (event: ConsumedEvent) => {
        const order = (event.value as { salesOrder: { orderId: string; status: string } }).salesOrder;
        const command: SeenCommand = {
          topic: event.record.topic,
          id: event.attributes.id ?? '',
          orderId: order.orderId,
          status: order.status,
          correlationId: event.attributes.correlationId,
          traceparent: event.attributes.traceparent,
        };
        seen.push(command);
        if (
          command.topic === COMMAND_TOPICS.logisticsDespatch &&
          order.status === 'CONFIRMED' &&
          !options.silent?.(order.orderId, 'asn')
        ) {
          await publisher.publish([
            shipmentEvent(options.topics.shipment, order.orderId, 'SHIPPED', command.correlationId),
          ]);
        }
        if (
          command.topic === COMMAND_TOPICS.crmOrderStatus &&
          order.status === 'SHIPPED' &&
          !options.silent?.(order.orderId, 'delivery')
        ) {
          await publisher.publish([
            shipmentEvent(options.topics.shipment, order.orderId, 'DELIVERED', command.correlationId),
          ]);
        }
      },
    });
  const runners = await Promise.all(Array.from({ length: options.consumers ?? 1 }, consume));
  await Promise.all(runners.map((r) => r.ready()));
  return {
    seen,
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await publisher.close();
    },
  };
}
