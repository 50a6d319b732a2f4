import { DBOS } from '@dbos-inc/dbos-sdk';
import type { ConsumedEvent } from '../bus/index.ts';
import type { Timers } from './config.ts';

/**
 * What a canonical event means for one workflow type: start an instance (by rule), or hand a message of some kind
 * to the instance it correlates to. The workflow id is the business key, so correlation by that key needs no
 * lookup; an event that names the document only by keys the instance gave another system (a PO number sent in a
 * despatch request) carries `references` instead (`references.ts`: one entry per document, its keys most specific
 * first), which the router resolves through what the instances recorded.
 */
export type RouteDecision =
  | { start: true; workflowId: string; input: unknown }
  | {
      start?: false;
      workflowId: string;
      kind: string;
      data: unknown;
      /**
       * Only instances of this version or later take it (an order's amendment, order-to-delivery v7 on): handed over
       * only to an instance in flight (never kept for one that does not exist yet, nor sent to a finished one,
       * `ignored`); to one of an earlier version in flight the router logs `notApplied` at warn and counts it
       * (`outcome="not_applied"`), so the change is not dropped unseen.
       */
      appliedFrom?: { version: number; notApplied: string };
    }
  | { start?: false; workflowId?: undefined; references: string[][]; kind: string; data: unknown }
  /**
   * An event about an instance's business key that the definition does not apply (an order's amendment): if that
   * instance is in flight, the router logs `notApplied` at warn and counts it (`outcome="not_applied"`), so the
   * change is not dropped unseen; else it is ignored like any event no rule takes.
   */
  | { start?: false; workflowId: string; notApplied: string };

/**
 * What every instance gets at start besides its input, recorded with it: the deployment's timer durations (an instance
 * keeps those it started with, and reading them costs no step).
 */
export interface InstanceSettings {
  timers: Timers;
}

/** One version of a workflow type, as its author declares it. */
export interface WorkflowDeclaration<I, O> {
  type: string;
  version: number;
  description: string;
  /** Step and wait names in order, for operators and the graph. */
  steps: string[];
  /**
   * The signals an operator may send an instance (`approve-credit`; `POST /workflows/{id}/signals/{name}`); any
   * other name is refused there, where it would wait in the inbox unread. None when not given.
   */
  signals?: string[];
  /**
   * The waits that read each signal (`approve-credit` → `await-credit-approval`): a signal sent while the instance
   * waits elsewhere is refused, as it would never be read. A signal not named here is taken at any point.
   */
  signalWaits?: Record<string, string[]>;
  /** Mermaid `flowchart` text of the definition. */
  graph: string;
  /** Canonical topics whose events this type reacts to. */
  topics: string[];
  route(event: ConsumedEvent): RouteDecision[];
  /** The workflow: a plain async function whose only effects are DBOS steps, sends, receives and sleeps. */
  workflow: (input: I, settings: InstanceSettings) => Promise<O>;
}

export interface WorkflowDefinition<I = unknown, O = unknown> extends WorkflowDeclaration<I, O> {
  /** The DBOS workflow name: `<type>@<version>`. Instances run the version whose name they were started with. */
  name: string;
  /** The registered DBOS workflow function (started by `startInstance`, which gives it the settings). */
  registered: (input: I, settings: InstanceSettings) => Promise<O>;
}

const registeredByName = new Map<string, (input: never, settings: InstanceSettings) => Promise<unknown>>();

/**
 * Registers one version with DBOS (before launch), under `<type>@<version>`. Versions live in workflow names and
 * the DBOS application version stays pinned, so after a redeploy that adds version 2 an instance started on
 * version 1 is recovered and replayed by version 1's code, still shipped beside version 2, while new instances start
 * on version 2. Drop a version from the code once `listWorkflows` shows none of it in flight. Defining a name again
 * (another routing, same workflow) reuses its registration.
 */
export function defineWorkflow<I, O>(declaration: WorkflowDeclaration<I, O>): WorkflowDefinition<I, O> {
  const name = `${declaration.type}@${declaration.version}`;
  let registered = registeredByName.get(name) as
    | ((input: I, settings: InstanceSettings) => Promise<O>)
    | undefined;
  if (!registered) {
    registered = DBOS.registerWorkflow(declaration.workflow, { name });
    registeredByName.set(name, registered as (input: never, settings: InstanceSettings) => Promise<unknown>);
  }
  return { ...declaration, name, registered };
}

/**
 * The next version of a workflow type: everything the previous version declares (signals, topics, routing, steps),
 * with the changes given. A version written out field by field once forgot the signals, and its instances refused
 * `approve-credit`.
 */
export function nextVersion<I, O>(
  previous: WorkflowDefinition<I, O>,
  changes: Partial<WorkflowDeclaration<I, O>> &
    Pick<WorkflowDeclaration<I, O>, 'version' | 'description' | 'workflow'>,
): WorkflowDefinition<I, O> {
  const { name: _name, registered: _registered, ...declared } = previous;
  return defineWorkflow<I, O>({ ...declared, ...changes });
}

/** Any version of any type, as the engine holds them (inputs are checked by each workflow's own types). */
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of definitions; each is typed where it is made
export type AnyWorkflowDefinition = WorkflowDefinition<any, any>;

/** The definitions a deployment ships: every version still in flight, the newest of each type starts new ones. */
export class DefinitionSet {
  readonly all: AnyWorkflowDefinition[];
  constructor(definitions: AnyWorkflowDefinition[]) {
    this.all = [...definitions].sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version);
  }

  latest(type: string): AnyWorkflowDefinition | undefined {
    return this.all.filter((d) => d.type === type).at(-1);
  }

  types(): string[] {
    return [...new Set(this.all.map((d) => d.type))];
  }

  topics(): string[] {
    return [...new Set(this.types().flatMap((t) => this.latest(t)!.topics))];
  }

  /** For operators: name, version and graph of every definition. */
  list(): Array<{
    type: string;
    version: number;
    name: string;
    description: string;
    steps: string[];
    signals: string[];
    graph: string;
  }> {
    return this.all.map(({ type, version, name, description, steps, signals, graph }) => ({
      type,
      version,
      name,
      description,
      steps,
      signals: signals ?? [],
      graph,
    }));
  }
}
