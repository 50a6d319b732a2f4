// An orchestrator in a process of its own, for the tests that SIGKILL it (orchestrator/workflows/order-to-delivery/
// takeover.int.spec.ts, crash.int.spec.ts). Usage: node tests/orchestrator-worker.ts '<json OrchestratorWorkerSpec>'.
// Without `router`, it starts an orchestrator without event router, starts one order-to-delivery instance per order and
// waits until each waits for its ASN; with `router`, it starts one routing the spec's topics (the instances come from
// the events). Then it prints `{"ready":true,...}` on stdout and runs until killed. bench/workflows.ts --processes runs
// order-to-delivery in several of these.
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';
import type { OrchestratorConfigInput } from '../orchestrator/index.ts';
import { startOrchestrator } from '../orchestrator/index.ts';
import {
  type OrderInput,
  type OrderToDeliveryTopics,
  orderToDeliveryDefinitions,
  workflowIdOf,
} from '../orchestrator/workflows/order-to-delivery/index.ts';
import { salesOrderEvent } from '../orchestrator/workflows/order-to-delivery/test-support.ts';

export interface OrchestratorWorkerSpec {
  workerId: string;
  config: OrchestratorConfigInput;
  topics: OrderToDeliveryTopics;
  orders?: Array<{ orderId: string; kunnr: string }>;
  /** The order-to-delivery versions it ships: 1 to this one (default 1), new instances on it. */
  version?: number;
  /** Run the event router (default false). */
  router?: boolean;
  /** Print `{"finished":"<workflow id>","outcome":...}` on stdout as each instance of this process ends (benchmarks). */
  reportFinished?: boolean;
}

quietKnownWarnings();
const spec = JSON.parse(process.argv[2] ?? '') as OrchestratorWorkerSpec;
const startMs = Date.now();
const orchestrator = await startOrchestrator(spec.config, {
  definitions: orderToDeliveryDefinitions(spec.topics).slice(0, spec.version ?? 1),
  router: spec.router ?? false,
  ...(spec.reportFinished
    ? {
        onFinished: (workflowId: string, outcome: string) =>
          void process.stdout.write(`${JSON.stringify({ finished: workflowId, outcome })}\n`),
      }
    : {}),
});
const orders = spec.orders ?? [];
for (const { orderId, kunnr } of orders) {
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
while (orders.length > 0) {
  const states = await Promise.all(orders.map((o) => orchestrator.state(workflowIdOf(o.orderId))));
  if (states.every((s) => s?.step === 'await-asn')) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write(
  `${JSON.stringify({ ready: true, workerId: spec.workerId, pid: process.pid, startMs })}\n`,
);
setInterval(() => undefined, 60_000);
