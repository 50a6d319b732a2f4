// The plain-Kafka baseline of bench:workflows (not a benchmark of its own): the same records an order-to-delivery
// instance moves, with no workflow engine and no database. A SalesOrder event in; a coordinator on the bus answers it
// with the ERP confirmation and the despatch request (commands out, in that order, each acknowledged); the instant
// responders answer the despatch with an ASN (reply back); the coordinator sends the CRM status; the responders
// answer with the delivery (reply back), which completes the instance. Same bus, serde (Avro, registry),
// schemas, payloads, partitions, consumers per group and records in hand per consumer as the orchestrator's run.

import type { Bus, ConsumerRunner, PublishInput } from '../bus/index.ts';
import {
  type InstantResponders,
  startInstantResponders,
} from '../orchestrator/workflows/order-to-delivery/instant-responders.ts';
import type { OrderToDeliveryTopics } from '../orchestrator/workflows/order-to-delivery/routes.ts';

type Order = Record<string, unknown> & { orderId: string };

export interface KafkaRoundTrips {
  readonly topics: OrderToDeliveryTopics;
  /** Resolves once the delivery for `orderId` came back to the coordinator. */
  completion(orderId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startKafkaRoundTrips(
  bus: Bus,
  options: { prefix: string; consumers: number; concurrency: number },
): Promise<KafkaRoundTrips> {
  const { prefix } = options;
  const commands = {
    erpOrderStatus: `${prefix}.command.erp.order-status`,
    logisticsDespatch: `${prefix}.command.logistics.despatch`,
    crmOrderStatus: `${prefix}.command.crm.order-status`,
  };
  const topics: OrderToDeliveryTopics = {
    salesOrder: `${prefix}.sales-order`,
    shipment: `${prefix}.shipment`,
    commands,
  };
  // Partitions as the orchestrator's run: 3 for the test's event topics, 6 for command topics (COMMAND_TOPICS').
  await bus.provisionTopics([
    { topic: topics.salesOrder, partitions: 3 },
    { topic: topics.shipment, partitions: 3 },
    ...Object.values(commands).map((topic) => ({ topic, partitions: 6 })),
  ]);

  // The groups are new and the topics empty: commit offset 0 before anyone joins, so a record published while the
  // group still rebalances (its members join one by one) is read, not skipped by a member resolving "latest" anew.
  const admin = bus.transport.admin();
  await admin.connect();
  try {
    const startAtZero = async (groupId: string, topic: string, partitions: number) => {
      const offsets = Array.from({ length: partitions }, (_, partition) => ({ partition, offset: '0' }));
      for (let attempt = 1; ; attempt++) {
        try {
          return await admin.setGroupOffsets(groupId, topic, offsets);
        } catch (error) {
          // A topic created a moment ago may have no leader yet.
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    };
    for (const topic of [topics.salesOrder, topics.shipment])
      await startAtZero(`${prefix}-coordinator`, topic, 3);
    for (const topic of Object.values(commands)) await startAtZero(`${prefix}-responders`, topic, 6);
  } finally {
    await admin.disconnect();
  }

  const waiting = new Map<string, () => void>();
  const orders = new Map<string, Order>();
  const publisher = await bus.publisher();
  const command = (topic: string, order: Order, status: string, correlationId?: string): PublishInput => {
    const now = new Date().toISOString();
    return {
      schema: 'SalesOrderEvent',
      topic,
      key: order.orderId,
      value: {
        changeType: 'STATUS_CHANGED',
        changedFields: ['status'],
        occurredAt: now,
        origin: { system: 'eai-orchestrator', documentId: null, changeOrigin: 'bench', changedBy: null },
        salesOrder: { ...order, status, updatedAt: now },
      },
      attributes: { correlationId },
    };
  };

  const coordinator = (): Promise<ConsumerRunner> =>
    bus.consume({
      groupId: `${prefix}-coordinator`,
      topics: [topics.salesOrder, topics.shipment],
      dlqTopic: 'dlq.orchestrator',
      fromBeginning: true,
      concurrency: options.concurrency,
      handler: async (event) => {
        const correlationId = event.attributes.correlationId;
        if (event.schemaName.endsWith('SalesOrderEvent')) {
          const order = (event.value as { salesOrder: Order }).salesOrder;
          orders.set(order.orderId, order);
          await publisher.publish([command(commands.erpOrderStatus, order, 'CONFIRMED', correlationId)]);
          await publisher.publish([command(commands.logisticsDespatch, order, 'CONFIRMED', correlationId)]);
          return;
        }
        const shipment = (
          event.value as { shipment: { status: string; orderReferences: Array<{ orderId: string }> } }
        ).shipment;
        const orderId = shipment.orderReferences[0]?.orderId ?? '';
        const order = orders.get(orderId);
        if (!order) throw new Error(`kafka baseline: shipment for unknown order ${orderId}`);
        if (shipment.status === 'SHIPPED') {
          await publisher.publish([command(commands.crmOrderStatus, order, 'SHIPPED', correlationId)]);
        } else if (shipment.status === 'DELIVERED') {
          orders.delete(orderId);
          waiting.get(orderId)?.();
          waiting.delete(orderId);
        }
      },
    });
  const runners = await Promise.all(Array.from({ length: options.consumers }, coordinator));
  await Promise.all(runners.map((r) => r.ready()));
  const responders: InstantResponders = await startInstantResponders(bus, {
    groupId: `${prefix}-responders`,
    topics,
    consumers: options.consumers,
    concurrency: options.concurrency,
  });
  return {
    topics,
    completion: (orderId) => new Promise<void>((resolve) => waiting.set(orderId, resolve)),
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
      await responders.stop();
      await publisher.close();
    },
  };
}
