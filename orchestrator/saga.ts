import { DBOS } from '@dbos-inc/dbos-sdk';
import { errorMessage, isRetriable, NonRetriableError, RetriableError } from '../lib/errors.ts';
import { withRetry } from '../lib/retry.ts';
import { sendAlert } from './commands.ts';
import { Interrupted, OPERATOR_CANCEL } from './inbox.ts';
import { orchestratorMetrics } from './metrics.ts';
import { deps } from './runtime.ts';
import type { InstanceState } from './states.ts';
import type { WorkflowTrace } from './trace.ts';

export const OPERATOR_TOPIC = 'operator';

/**
 * The instance reports its state to operators (states.ts): not a checkpointed operation, and the workflow does not
 * wait for the write. Call it from the workflow body.
 */
export function setState(state: InstanceState): void {
  deps().states.report(DBOS.workflowID!, state);
}

/** A step failed for good; the saga compensates. */
export class StepFailed extends Error {
  readonly step: string;
  constructor(step: string, cause: unknown) {
    super(`step ${step} failed: ${errorMessage(cause)}`, { cause });
    this.step = step;
  }
}

/** `fn` with the step's retries (while the error is retriable), the `beforeStep` hook and its duration metric. */
function attempts<T>(type: string, workflowId: string, name: string, fn: () => Promise<T>): Promise<T> {
  const { stepRetry } = deps();
  const initialDelayMs = stepRetry.intervalSeconds * 1000;
  return withRetry(
    async () => {
      const started = performance.now();
      await deps().beforeStep?.(workflowId, name);
      const result = await fn();
      orchestratorMetrics.stepSeconds.observe({ type, step: name }, (performance.now() - started) / 1000);
      return result;
    },
    {
      retries: stepRetry.maxAttempts - 1,
      initialDelayMs,
      maxDelayMs: initialDelayMs * stepRetry.backoffRate ** Math.max(0, stepRetry.maxAttempts - 2),
      shouldRetry: isRetriable,
    },
  );
}

/**
 * Runs `fn` as a DBOS step named `name`: checkpointed, retried while the error is retriable (`withRetry`, inside the
 * step: DBOS's own step retries read the workflow's status once more before the first attempt), timed.
 */
export async function runStep<T>(type: string, name: string, fn: () => Promise<T>): Promise<T> {
  const workflowId = DBOS.workflowID!;
  return DBOS.runStep(() => attempts(type, workflowId, name, fn), { name });
}

/**
 * What a step records instead of failing when its system stayed unavailable (`RetriableError`) through every attempt:
 * an output, so that a replay takes the same path (park) as the run that recorded it.
 */
const UNAVAILABLE = 'eai.unavailable';

function unavailableIn(output: unknown): string | null {
  return output !== null && typeof output === 'object' && UNAVAILABLE in output
    ? String((output as Record<string, unknown>)[UNAVAILABLE])
    : null;
}

/** `runStep` for a saga's forward step: a system still unavailable after the retries is an output, not a failure. */
function runForwardStep<T>(type: string, name: string, fn: () => Promise<T>): Promise<T | object> {
  const workflowId = DBOS.workflowID!;
  return DBOS.runStep(
    async () => {
      try {
        return await attempts(type, workflowId, name, fn);
      } catch (error) {
        if (error instanceof RetriableError) return { [UNAVAILABLE]: errorMessage(error) };
        throw error;
      }
    },
    { name },
  );
}

/**
 * An instance's end: counts its outcome (`eai_workflows_finished_total`) and tells `onFinished`. No checkpoint of its
 * own: the result is DBOS's record of the workflow, and `instanceState` reads the outcome from it. Return its value.
 */
export function finished<T extends { outcome: string }>(type: string, outcome: T): T {
  orchestratorMetrics.finished.inc({ type, outcome: outcome.outcome });
  deps().onFinished?.(DBOS.workflowID!, outcome.outcome);
  return outcome;
}

/** One part of `Saga.steps`: a step's body and its compensation, given the body's result. */
export interface Part {
  name: string;
  run: () => Promise<unknown>;
  compensate?: (result: unknown) => Promise<void>;
  /** True for a result that ends the group here: the parts after it do not run (e.g. a credit check that blocks). */
  last?: (result: unknown) => boolean;
}

/** What the checkpoint of `Saga.steps` records. */
interface GroupOutcome {
  results: unknown[];
  /** `unavailable`: the part's system stayed unavailable through its retries (the instance parks). */
  failed?: { step: string; message: string; unavailable?: boolean };
}

/**
 * The failure a `Saga.steps` checkpoint recorded (the DBOS step itself succeeded: it records which part failed), as
 * operators' timelines show a failed step's error; null for any other output.
 */
export function groupFailure(output: unknown): string | null {
  const failed = (output as Partial<GroupOutcome> | null)?.failed;
  return failed && Array.isArray((output as GroupOutcome).results)
    ? `${failed.message} (${failed.step})`
    : null;
}

interface Compensation {
  step: string;
  run: () => Promise<void>;
}

/**
 * The saga of one instance (Temporal's saga sample on DBOS): each completed step registers its compensation, and
 * `compensate()` runs them in reverse. A compensation is a step with retries; when it still fails, the instance
 * is parked (`PARKED`, an alert event and `eai_workflow_parked_total`) and waits for a `retry` (the hub's automatic
 * one, parked-retry.ts, or an operator's), then carries on where it stopped. Completed compensations are never run
 * twice: each is a checkpointed step.
 */
export class Saga {
  private readonly compensations: Compensation[] = [];

  private readonly type: string;
  private readonly trace: WorkflowTrace;

  constructor(type: string, trace: WorkflowTrace) {
    this.type = type;
    this.trace = trace;
  }

  /**
   * A step with an optional compensation, registered only once the step completed. A step whose system stays
   * unavailable through its retries (`RetriableError`: unreachable, 5xx) parks the instance (`park`) instead of
   * failing it for good, and runs again on an operator's retry.
   */
  async step<T>(name: string, fn: () => Promise<T>, compensate?: (result: T) => Promise<void>): Promise<T> {
    // No state report per step (a write each): the step timeline is DBOS's own (listWorkflowSteps).
    let result: T;
    let retriedBy: string | undefined;
    for (let round = 0; ; round++) {
      let output: T | object;
      try {
        output = await runForwardStep(this.type, round === 0 ? name : `${name}#${round}`, fn);
      } catch (error) {
        throw new StepFailed(name, error);
      }
      const unavailable = unavailableIn(output);
      if (unavailable === null) {
        result = output as T;
        break;
      }
      retriedBy = await this.park(name, round, unavailable, retriedBy);
    }
    if (compensate) this.compensations.push({ step: name, run: () => compensate(result) });
    return result;
  }

  /**
   * Several steps in one DBOS step (one checkpoint instead of one each: a DBOS step costs ~4 PostgreSQL
   * transactions): the parts run in order, each with its own retries, `beforeStep` hook, metric and compensation.
   * The checkpoint records how many parts completed and, if one failed for good, which and why; the compensations of
   * the completed parts are registered and that part's failure is thrown as `StepFailed(part)`, exactly as separate
   * steps would. After a crash inside the step it runs again from its first part (each part's effect carries its own
   * idempotency key, as any step's). Returns the parts' results in order; fewer than the parts when one's `last`
   * said so (the later parts did not run).
   */
  async steps(name: string, parts: Part[], round = 0, retriedBy?: string): Promise<unknown[]> {
    const workflowId = DBOS.workflowID!;
    let outcome: GroupOutcome;
    try {
      outcome = await DBOS.runStep(
        async (): Promise<GroupOutcome> => {
          const results: unknown[] = [];
          for (const part of parts) {
            try {
              results.push(await attempts(this.type, workflowId, part.name, part.run));
            } catch (error) {
              const unavailable = error instanceof RetriableError ? { unavailable: true } : {};
              return { results, failed: { step: part.name, message: errorMessage(error), ...unavailable } };
            }
            if (part.last?.(results.at(-1))) break;
          }
          return { results };
        },
        { name: round === 0 ? name : `${name}#${round}` },
      );
    } catch (error) {
      throw new StepFailed(name, error);
    }
    outcome.results.forEach((result, i) => {
      const compensate = parts[i]!.compensate;
      if (compensate) this.compensations.push({ step: parts[i]!.name, run: () => compensate(result) });
    });
    if (outcome.failed?.unavailable) {
      // Its system stayed unavailable: parked; on retry the parts from the one that failed run again.
      const by = await this.park(outcome.failed.step, round, outcome.failed.message, retriedBy);
      const rest = await this.steps(name, parts.slice(outcome.results.length), round + 1, by);
      return [...outcome.results, ...rest];
    }
    if (outcome.failed) {
      // The part's own failure, as recorded: it failed for good (not retriable).
      throw new StepFailed(outcome.failed.step, new NonRetriableError(outcome.failed.message));
    }
    return outcome.results;
  }

  /**
   * Parks the instance at a forward step whose system stayed unavailable (`PARKED`, an alert of kind
   * `step_unavailable`, `eai_workflow_parked_total`) until an operator's `retry` (it then runs the step again) or
   * `cancel` (it compensates what was done, as a cancel at a wait does); the hub retries it by itself on a schedule
   * (parked-retry.ts). Temporal retries such an activity without end; failing the instance for good would drop the
   * order, with no retry to offer (an order whose credit check found SAP down for a few seconds ended COMPENSATED, and
   * nothing was ever sent to SAP). Parked again after an automatic retry (`retriedBy` 'auto'), it logs at warn and
   * raises no second alert. Returns who retried it.
   */
  private async park(
    step: string,
    round: number,
    message: string,
    retriedBy?: string,
  ): Promise<string | undefined> {
    const workflowId = DBOS.workflowID!;
    setState({ status: 'PARKED', step, detail: message });
    await runStep(this.type, `unavailable:${step}#${round}`, async () => {
      if (retriedBy === 'auto') {
        deps().log.warn(
          { workflowId, step, error: message },
          'automatic retry: its system still unavailable; instance parked again',
        );
        return;
      }
      orchestratorMetrics.parked.inc({ type: this.type });
      deps().log.error(
        { workflowId, step, error: message },
        'step failed, its system unavailable: instance parked',
      );
      await sendAlert(
        this.trace,
        {
          kind: 'step_unavailable',
          workflowId,
          type: this.type,
          step,
          message: `step_unavailable: ${message}`,
        },
        `alert:${step}#${round}`,
      );
    });
    const decision = await waitForOperator(['retry', 'cancel']);
    if (decision.action === 'cancel') {
      throw new Interrupted({
        kind: OPERATOR_CANCEL,
        eventId: decision.id ?? `cancel:${step}#${round}`,
        data: decision,
      });
    }
    setState({ status: 'RUNNING', step });
    return decision.by;
  }

  /** Drops a completed step's compensation once a later step supersedes it (a credit hold, once approved). */
  release(step: string): void {
    const i = this.compensations.findIndex((c) => c.step === step);
    if (i >= 0) this.compensations.splice(i, 1);
  }

  /** Registers a compensation for something done outside `step` (rare). */
  register(step: string, run: () => Promise<void>): void {
    this.compensations.push({ step, run });
  }

  /** Runs the registered compensations in reverse order; returns the compensated step names in that order. */
  async compensate(): Promise<string[]> {
    const done: string[] = [];
    const workflowId = DBOS.workflowID!;
    for (const compensation of [...this.compensations].reverse()) {
      const name = `compensate:${compensation.step}`;
      let retriedBy: string | undefined;
      for (let round = 0; ; round++) {
        setState({ status: 'COMPENSATING', step: name });
        try {
          await runStep(this.type, round === 0 ? name : `${name}#${round}`, async () => {
            await compensation.run();
            orchestratorMetrics.compensations.inc({
              type: this.type,
              step: compensation.step,
              outcome: 'ok',
            });
          });
          break;
        } catch (error) {
          const message = errorMessage(error);
          setState({ status: 'PARKED', step: name, detail: message });
          await runStep(this.type, `park:${compensation.step}#${round}`, async () => {
            orchestratorMetrics.compensations.inc({
              type: this.type,
              step: compensation.step,
              outcome: 'failed',
            });
            if (retriedBy === 'auto') {
              deps().log.warn(
                { workflowId, step: name, error: message },
                'automatic retry: compensation failed again; instance parked again',
              );
              return;
            }
            orchestratorMetrics.parked.inc({ type: this.type });
            deps().log.error(
              { workflowId, step: name, error: message },
              'compensation failed: instance parked',
            );
            await sendAlert(
              this.trace,
              {
                kind: 'compensation_failed',
                workflowId,
                type: this.type,
                step: name,
                message: `compensation_failed: ${message}`,
              },
              `alert:${name}#${round}`,
            );
          });
          retriedBy = (await waitForOperatorRetry()).by;
        }
      }
      done.push(compensation.step);
    }
    return done;
  }
}

/** An operator's action on a parked instance, on the `operator` topic (`retryWorkflow`, `cancelWorkflow`). */
interface OperatorAction {
  action: string;
  id?: string;
  reason?: string;
  /** A retry's sender: an operator, or the hub's automatic retry (parked-retry.ts). */
  by?: string;
}

/** Waits (durably, without bound) for one of `actions` on the `operator` topic; others are dropped. */
async function waitForOperator(actions: string[]): Promise<OperatorAction> {
  for (;;) {
    const message = await DBOS.recv<OperatorAction>(OPERATOR_TOPIC, { timeoutSeconds: 24 * 3600 });
    if (message && actions.includes(message.action)) return message;
  }
}

/** A parked compensation waits for a retry only: a cancel cannot stop what is undoing the instance's work. */
function waitForOperatorRetry(): Promise<OperatorAction> {
  return waitForOperator(['retry']);
}
