// An orchestrator in a process of its own, for the takeover test (orchestrator/workflows/order-to-delivery/
// takeover.int.spec.ts), which SIGKILLs it. Usage: node tests/orchestrator-worker.ts '<json OrchestratorWorkerSpec>'.
// It starts an orchestrator without event router, starts one order-to-delivery instance per order, waits until
// each waits for its ASN, prints `{"ready":true,...}` on stdout and runs until killed.
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import type { OrchestratorConfigInput } from '../orchestrator/index.ts';
import { startOrchestrator } from '../orchestrator/index.ts';
import {
  type OrderInput,
  type OrderToDeliveryTopics,
  orderToDeliveryV1,
  workflowIdOf,
} from '../orchestrator/workflows/order-to-delivery/index.ts';
import { salesOrderEvent } from '../orchestrator/workflows/order-to-delivery/test-support.ts';

export interface OrchestratorWorkerSpec {
  workerId: string;
  config: OrchestratorConfigInput;
  topics: OrderToDeliveryTopics;
  orders: Array<{ orderId: string; kunnr: string }>;
}

quietKnownWarnings();
const spec = JSON.parse(process.argv[2] ?? '') as OrchestratorWorkerSpec;
const startMs = Date.now();
const orchestrator = await startOrchestrator(spec.config, {
  definitions: [orderToDeliveryV1(spec.topics)],
  router: false,
});
for (const { orderId, kunnr } of spec.orders) {
  const event = salesOrderEvent(spec.topics, orderId, kunnr).value as { salesOrder: OrderInput['order'] };
  const input: OrderInput = {
    orderId,
    customerNumber: kunnr,
    amount: 100,
    currency: 'EUR',
    order: event.salesOrder,
    trace: { correlationId: `corr-${orderId}` },
  };
  await orchestrator.start('order-to-delivery', workflowIdOf(orderId), input);
}
for (;;) {
  const states = await Promise.all(spec.orders.map((o) => orchestrator.state(workflowIdOf(o.orderId))));
  if (states.every((s) => s?.step === 'await-asn')) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(
  `${JSON.stringify({ ready: true, workerId: spec.workerId, pid: process.pid, startMs })}\n`,
);
setInterval(() => undefined, 60_000);
