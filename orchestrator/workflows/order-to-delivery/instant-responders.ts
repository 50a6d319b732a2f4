import type { Bus, ConsumedEvent, ConsumerRunner, Publisher } from '../../../bus/index.ts';
import { COMMAND_TOPICS, type CommandTopics } from '../../commands.ts';
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
    /** Commands each consumer answers at once (one order's in order; the bus's `concurrency`); default 1. */
    concurrency?: number;
    /** The command topics to answer (default COMMAND_TOPICS; `topics.commands` when the definition has its own). */
    commandTopics?: CommandTopics;
    /** Answer only these (default all): a run whose despatch goes to a real sink answers only the CRM update. */
    answers?: Array<'asn' | 'delivery'>;
  },
): Promise<InstantResponders> {
  const seen: SeenCommand[] = [];
  const publisher: Publisher & { close(): Promise<void> } = await bus.publisher();
  const commandTopics = options.commandTopics ?? options.topics.commands ?? COMMAND_TOPICS;
  const answers = new Set(options.answers ?? ['asn', 'delivery']);

  const consume = (): Promise<ConsumerRunner> =>
    bus.consume({
      groupId: options.groupId,
      topics: [commandTopics.logisticsDespatch, commandTopics.crmOrderStatus, commandTopics.erpOrderStatus],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: false,
      concurrency: options.concurrency,
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
          command.topic === commandTopics.logisticsDespatch &&
          order.status === 'CONFIRMED' &&
          answers.has('asn') &&
          !options.silent?.(order.orderId, 'asn')
        ) {
          await publisher.publish([
            shipmentEvent(options.topics.shipment, order.orderId, 'SHIPPED', command.correlationId),
          ]);
        }
        if (
          command.topic === commandTopics.crmOrderStatus &&
          order.status === 'SHIPPED' &&
          answers.has('delivery') &&
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
