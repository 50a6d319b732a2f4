import { DBOS, Error as DBOSErrors } from '@dbos-inc/dbos-sdk';
import {
  type Bus,
  type ConsumedEvent,
  type ConsumerRunner,
  DLQ_TOPICS,
  type GroupStart,
  pinGroupStart,
} from '../bus/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { AnyWorkflowDefinition, DefinitionSet } from './definitions.ts';
import { INBOX_TOPIC, type InboxMessage, OPERATOR_CANCEL } from './inbox.ts';
import { deliverKept, forgetKept, keepEvent } from './kept-events.ts';
import { orchestratorMetrics } from './metrics.ts';
import { recordCancel } from './parked-retry.ts';
import { resolveReferences } from './references.ts';
import { deps } from './runtime.ts';
import { OPERATOR_TOPIC } from './saga.ts';
import type { WorkflowTrace } from './trace.ts';

export interface RouterOptions {
  bus: Bus;
  definitions: DefinitionSet;
  groupId: string;
  logger: Logger;
  /**
   * Where the group starts on partitions it has no committed offset for (a new orchestrator database has a new
   * group): at the topics' end (default, as Kafka's auto.offset.reset=latest: orders already on the bus start no
   * workflows) or, true, at their beginning (a deliberate replay).
   */
  fromBeginning?: boolean;
  /** Consumers in this process, in one group: partitions spread over them and are handled in parallel. */
  consumers?: number;
  /** Kafka session timeout of the consumers: how long a dead instance's partitions stay unread. */
  sessionTimeoutMs?: number;
  /** Events each consumer hands over at once, one key's in order (default 1). */
  concurrency?: number;
}

/**
 * Events in, exactly once: a consumer of the canonical topics the definitions name. Each event is correlated by
 * the definitions' rules to instances (the workflow id is the business key), then either starts one (by rule) or
 * is handed over with `DBOS.send(workflowId, message, 'inbox', idempotencyKey = ce_id)`; the offset is committed
 * by the runner only after that returned, i.e. after the hand-off is committed in PostgreSQL. An event for an
 * instance that does not exist is kept in PostgreSQL and handed over when the instance is started (`startInstance`).
 */
export async function startEventRouter(
  options: RouterOptions,
): Promise<ConsumerRunner & { start: GroupStart[] }> {
  const { definitions, logger } = options;
  const fromBeginning = options.fromBeginning ?? false;
  const admin = options.bus.transport.admin();
  await admin.connect();
  // Another deployment on the same cluster is refused before this point (engine.ts, shared-cluster.ts).
  const start = await pinGroupStart(
    admin,
    options.groupId,
    definitions.topics(),
    fromBeginning ? 'earliest' : 'latest',
  ).finally(() => admin.disconnect());
  for (const topic of start) {
    logger.info(
      { group: options.groupId, topic: topic.topic, from: topic.from, pinned: topic.pinned },
      topic.from === 'committed'
        ? 'router resumes from its committed offsets'
        : topic.from === 'active'
          ? 'router joins a group another instance consumes with'
          : `router group had no committed offsets: starts at the ${topic.from === 'latest' ? 'end' : 'beginning'} of the topic`,
    );
  }
  // Several consumers in the group, each handing over up to `concurrency` events of its fetches at once and
  // committing each fetch after: one order's events (one key) stay in order, different orders go at once.
  const runners = await Promise.all(
    Array.from({ length: Math.max(1, options.consumers ?? 1) }, () =>
      options.bus.consume({
        groupId: options.groupId,
        topics: definitions.topics(),
        dlqTopic: DLQ_TOPICS.orchestrator,
        fromBeginning,
        sessionTimeoutMs: options.sessionTimeoutMs,
        concurrency: options.concurrency,
        // The workflows' database restarting is waited out; an event that keeps failing otherwise is dead-lettered.
        retry: { retries: 10, initialDelayMs: 200, maxDelayMs: 5000, waitOutOutages: true },
        handler: (event) => routeEvent(definitions, event, logger),
      }),
    ),
  );
  await Promise.all(runners.map((r) => r.ready()));
  return {
    start,
    ready: async () => undefined,
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}

export function traceOf(event: ConsumedEvent): WorkflowTrace {
  return {
    correlationId: event.attributes.correlationId ?? event.attributes.id ?? 'unknown',
    traceparent: event.attributes.traceparent,
  };
}

export async function routeEvent(
  definitions: DefinitionSet,
  event: ConsumedEvent,
  log: Logger,
): Promise<void> {
  const topic = event.record.topic;
  const eventId = event.attributes.id ?? `${topic}/${event.record.partition}/${event.record.offset}`;
  let handled = false;
  for (const type of definitions.types()) {
    const definition = definitions.latest(type)!;
    if (!definition.topics.includes(topic)) continue;
    for (const decision of definition.route(event)) {
      handled = true;
      if (decision.start) {
        const started = await startInstance(definition, decision.workflowId, decision.input);
        if (!started) {
          orchestratorMetrics.routed.inc({ topic, outcome: 'ignored' });
          continue;
        }
        orchestratorMetrics.routed.inc({ topic, outcome: 'started' });
        log.info(
          { workflowId: decision.workflowId, definition: definition.name, eventId },
          'workflow started',
        );
        continue;
      }
      if ('notApplied' in decision) {
        await notApplied(decision.workflowId, decision.notApplied, { topic, eventId, log });
        continue;
      }
      const message: InboxMessage = {
        kind: decision.kind,
        eventId,
        data: decision.data,
        traceparent: event.attributes.traceparent,
      };
      const source = `${topic}/${event.record.partition}/${event.record.offset}`;
      if (decision.workflowId === undefined) {
        // By the references the instances gave another system. They record them before sending the command the
        // event answers, so none recorded means the goods were not despatched by an instance (another path,
        // another deployment): counted and logged, not kept (no instance will ever claim it; see references.ts).
        const ids = await resolveReferences(decision.references);
        for (const id of ids) await handOver(id, message, source);
        orchestratorMetrics.routed.inc(
          { topic, outcome: ids.length ? 'sent' : 'uncorrelated' },
          ids.length || 1,
        );
        if (ids.length === 0) {
          log.info(
            { eventId, references: decision.references, definition: definition.name },
            'no instance recorded these references',
          );
        }
        continue;
      }
      if (decision.appliedFrom) {
        await handOverFrom(decision.workflowId, message, decision.appliedFrom, { topic, eventId, log });
        continue;
      }
      await handOver(decision.workflowId, message, source);
      orchestratorMetrics.routed.inc({ topic, outcome: 'sent' });
    }
  }
  if (!handled) orchestratorMetrics.routed.inc({ topic, outcome: 'ignored' });
}

/** DBOS's statuses of an instance in flight. */
const IN_FLIGHT = new Set(['PENDING', 'ENQUEUED', 'DELAYED']);

/**
 * An event the instance's definition does not apply (`RouteDecision.notApplied`): a warning naming the instance and
 * the event when the instance is in flight (one status read), else ignored like any event no rule takes.
 */
async function notApplied(
  workflowId: string,
  why: string,
  at: { topic: string; eventId: string; log: Logger },
): Promise<void> {
  const status = await DBOS.getWorkflowStatus(workflowId);
  const running = status !== null && IN_FLIGHT.has(status.status);
  orchestratorMetrics.routed.inc({ topic: at.topic, outcome: running ? 'not_applied' : 'ignored' });
  if (running) at.log.warn({ workflowId, eventId: at.eventId, topic: at.topic }, why);
}

/** The version in a DBOS workflow name `<type>@<version>`, or 0. */
const versionOf = (workflowName: string | undefined) => Number(/@(\d+)$/.exec(workflowName ?? '')?.[1] ?? 0);

/**
 * A message only instances of `appliedFrom.version` on take (`RouteDecision.appliedFrom`): sent to the instance in
 * flight of that version or later (`sent`), said `notApplied` (warn, `not_applied`) to one of an earlier version in
 * flight, `ignored` when none is in flight. Never kept: an instance that does not exist yet would not want it.
 */
async function handOverFrom(
  workflowId: string,
  message: InboxMessage,
  appliedFrom: { version: number; notApplied: string },
  at: { topic: string; eventId: string; log: Logger },
): Promise<void> {
  const status = await DBOS.getWorkflowStatus(workflowId);
  if (status === null || !IN_FLIGHT.has(status.status)) {
    orchestratorMetrics.routed.inc({ topic: at.topic, outcome: 'ignored' });
    return;
  }
  if (versionOf(status.workflowName) < appliedFrom.version) {
    orchestratorMetrics.routed.inc({ topic: at.topic, outcome: 'not_applied' });
    at.log.warn({ workflowId, eventId: at.eventId, topic: at.topic }, appliedFrom.notApplied);
    return;
  }
  await DBOS.send(workflowId, message, INBOX_TOPIC, message.eventId);
  orchestratorMetrics.routed.inc({ topic: at.topic, outcome: 'sent' });
  at.log.info(
    { workflowId, eventId: at.eventId, kind: message.kind, topic: at.topic },
    'handed over to the instance',
  );
}

/**
 * Starts an instance of `definition` under `workflowId` unless one exists (then it is left alone), with the
 * deployment's settings (timer durations) beside its input, then hands it the events kept for it (also when it
 * existed: a start routed again after a crash finishes the hand-over). True if this call started it.
 * One statement decides: DBOS's insert of the workflow's row, told to refuse an id in use (`workflowIDReusePolicy:
 * 'reject'`, rolled back, whatever version or status the existing instance has), instead of a read of the status
 * first (a transaction per instance saved; the insert was the arbiter of two racing starts already).
 */
export async function startInstance(
  definition: AnyWorkflowDefinition,
  workflowId: string,
  input: unknown,
): Promise<boolean> {
  let started = true;
  try {
    await DBOS.startWorkflow(definition.registered, {
      workflowID: workflowId,
      workflowIDReusePolicy: 'reject',
    })(input, { timers: deps().timers });
  } catch (error) {
    if (!DBOSErrors.isWorkflowIDInUseError(error)) throw error;
    started = false;
  }
  await deliverKept(workflowId);
  return started;
}

/** Sends to the instance, or keeps the message until it exists; safe to repeat (idempotency key = event id). */
export async function handOver(workflowId: string, message: InboxMessage, source: string): Promise<void> {
  try {
    await DBOS.send(workflowId, message, INBOX_TOPIC, message.eventId);
    return;
  } catch (error) {
    if (!(error instanceof DBOSErrors.DBOSNonExistentWorkflowError)) throw error;
  }
  await keepEvent(workflowId, message, source);
  // The instance may have started, and been handed what was kept, between the failed send and the insert: look again.
  if (await DBOS.getWorkflowStatus(workflowId)) {
    await DBOS.send(workflowId, message, INBOX_TOPIC, message.eventId);
    await forgetKept(workflowId, [message.eventId]);
  }
}

/**
 * An operator's cancel: the instance stops at its current or next wait and compensates what it did (unlike
 * `DBOS.cancelWorkflow`, which stops it where it is and compensates nothing).
 */
export async function cancelWorkflow(workflowId: string, reason: string, cancelId: string): Promise<void> {
  // Recorded first: a parked instance the operator cancels is not retried automatically meanwhile.
  await recordCancel(workflowId);
  await DBOS.send(
    workflowId,
    { kind: OPERATOR_CANCEL, eventId: cancelId, data: { reason } },
    INBOX_TOPIC,
    cancelId,
  );
  // An instance parked at a step whose system is unavailable waits on the operator topic, not at a wait.
  await DBOS.send(
    workflowId,
    { action: 'cancel', id: cancelId, reason },
    OPERATOR_TOPIC,
    `${cancelId}:operator`,
  );
}

/**
 * The retry message to a parked instance (`by`: an operator's, the default, or the hub's automatic one, whose
 * re-park then raises no second alert). Operators go through `retryInstance`, which records it (parked-retry.ts).
 */
export async function retryWorkflow(
  workflowId: string,
  options: { by?: 'auto' | 'operator'; idempotencyKey?: string } = {},
): Promise<void> {
  await DBOS.send(
    workflowId,
    { action: 'retry', by: options.by ?? 'operator' },
    OPERATOR_TOPIC,
    options.idempotencyKey,
  );
}
