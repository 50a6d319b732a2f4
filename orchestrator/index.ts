export {
  ALERT_TOPIC,
  COMMAND_TOPICS,
  type CommandTopics,
  commandId,
  orchestratorTopicSpecs,
} from './commands.ts';
export {
  type OrchestratorConfig,
  type OrchestratorConfigInput,
  orchestratorConfigSchema,
  type ParkedRetryPolicy,
  parkedRetrySchema,
  parseOrchestratorConfig,
  sapUrlSchema,
  type Timers,
  timersSchema,
} from './config.ts';
export {
  type AnyWorkflowDefinition,
  DefinitionSet,
  defineWorkflow,
  type RouteDecision,
  type WorkflowDeclaration,
  type WorkflowDefinition,
} from './definitions.ts';
export { type Orchestrator, type StartOptions, startOrchestrator } from './engine.ts';
export { INBOX_TOPIC, type InboxMessage } from './inbox.ts';
export { orchestratorMetrics } from './metrics.ts';
export {
  type InstanceDetail,
  type InstanceSummary,
  listInstances,
  type OperatorStatus,
  parkedInstances,
  showInstance,
} from './operators.ts';
export type { AutoRetryView } from './parked-retry.ts';
export { InstanceNotRetriable, retryInstance } from './retry.ts';
export { cancelWorkflow, handOver, retryWorkflow, routeEvent } from './router.ts';
export { OPERATOR_TOPIC } from './saga.ts';
export { SignalPending, SignalRefused, signalsOfSameWait, signalWorkflow } from './signals.ts';
export type { InstanceState, InstanceStatus } from './states.ts';
export type { WorkflowTrace } from './trace.ts';
