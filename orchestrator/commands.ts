import { randomUUID } from 'node:crypto';
import { buildAttributes, childTraceparent, type TopicSpec, toHeaders } from '../bus/index.ts';
import { deps } from './runtime.ts';
import type { WorkflowTrace } from './trace.ts';

/**
 * Commands out: canonical Avro records on `command.<system>.<action>` topics, which sink connectors consume by
 * their `topics:` setting. Each carries `ce_id` = `<workflow id>:<step>`, so a step that runs again after a crash
 * sends the same id and the sink applies it once (at least once on Kafka, dedup downstream), and `ce_source` = this
 * deployment's (`orchestratorSource`).
 */
export const COMMAND_TOPICS = {
  erpOrderStatus: 'command.erp.order-status',
  logisticsDespatch: 'command.logistics.despatch',
  crmOrderStatus: 'command.crm.order-status',
} as const;

/** Where one deployment's (or test's) commands go: the canonical command topics unless given. */
export type CommandTopics = { [K in keyof typeof COMMAND_TOPICS]: string };

/** Alerts (escalations, parked instances): JSON CloudEvents, for whoever pages people. */
export const ALERT_TOPIC = 'eai.orchestrator.alerts';

const DAY_MS = 86_400_000;
export const orchestratorTopicSpecs: TopicSpec[] = [
  ...Object.values(COMMAND_TOPICS).map((topic) => ({
    topic,
    partitions: 6,
    config: { 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY_MS) },
  })),
  { topic: ALERT_TOPIC, partitions: 1, config: { 'retention.ms': String(14 * DAY_MS) } },
];

/** The prefix of every orchestrator's `ce_source`; each deployment's own is below it (`orchestratorSource`). */
export const ORCHESTRATOR_SOURCE = '/eai/orchestrator';

/**
 * One deployment's `ce_source`, `/eai/orchestrator/<deployment id>`: the id is made once per orchestrator database
 * (schema.ts `deployment`), shared by every instance on it and different for another deployment, even one with the
 * same database name on another server. CloudEvents takes source + id as an event's identity, and the command ids
 * (`<workflow id>:<step>`) of two deployments that share the topics can be the same: the source tells them apart,
 * and a receipt names the source of the command it answers (receipts.ts).
 */
export function orchestratorSource(deploymentId: string): string {
  return `${ORCHESTRATOR_SOURCE}/${deploymentId}`;
}

/** This deployment's id: the one its database holds, made (a random UUID) at the first start. */
export async function deploymentId(
  query: (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>,
): Promise<string> {
  await query('insert into eai_orchestrator.deployment (id) values ($1) on conflict (singleton) do nothing', [
    randomUUID(),
  ]);
  const { rows } = await query('select id from eai_orchestrator.deployment');
  return String(rows[0]!.id);
}

export function commandId(workflowId: string, step: string): string {
  return `${workflowId}:${step}`;
}

export interface Command {
  topic: string;
  schema: string;
  key: string;
  value: unknown;
  /** Asks the sinks that apply or refuse the command for a receipt there (bus/receipts.ts: `RECEIPT_TOPIC`). */
  replyTo?: string;
}

/** Publishes one command; call it inside a step. Resolves once Kafka acknowledged it (acks=all). */
export async function sendCommand(
  workflowId: string,
  step: string,
  trace: WorkflowTrace,
  command: Command,
): Promise<string> {
  const id = commandId(workflowId, step);
  await deps().publisher.publish([
    {
      schema: command.schema,
      topic: command.topic,
      key: command.key,
      value: command.value,
      attributes: {
        id,
        source: deps().source,
        subject: workflowId,
        correlationId: trace.correlationId,
        causationId: workflowId,
        traceparent: childTraceparent(trace.traceparent),
        replyTo: command.replyTo,
      },
    },
  ]);
  return id;
}

export interface Alert {
  kind:
    | 'escalation'
    | 'compensation_failed'
    | 'step_unavailable'
    | 'auto_retry_exhausted'
    | 'timeout'
    | 'amendment_too_late';
  workflowId: string;
  type: string;
  step: string;
  message: string;
}

/** Publishes an alert event; call it inside a step (its id is the workflow id and step, so repeats collapse). */
export async function sendAlert(trace: WorkflowTrace, alert: Alert, step: string): Promise<void> {
  const attributes = buildAttributes({
    id: commandId(alert.workflowId, step),
    source: deps().source,
    type: `eai.orchestrator.alert.${alert.kind}`,
    subject: alert.workflowId,
    correlationId: trace.correlationId,
    causationId: alert.workflowId,
    traceparent: childTraceparent(trace.traceparent),
    dataContentType: 'application/json',
  });
  await deps().producer.send([
    {
      topic: ALERT_TOPIC,
      key: alert.workflowId,
      value: Buffer.from(JSON.stringify({ ...alert, at: attributes.time.toISOString() })),
      headers: toHeaders(attributes),
    },
  ]);
}
