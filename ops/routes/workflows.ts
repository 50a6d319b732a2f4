import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { errorMessage, quotedText, withoutValueMarks } from '../../lib/errors.ts';
import {
  cancelWorkflow,
  type DefinitionSet,
  type InstanceDetail,
  InstanceNotRetriable,
  listInstances,
  retryInstance,
  SignalRefused,
  showInstance,
  signalWorkflow,
} from '../../orchestrator/index.ts';
import {
  type AdminApi,
  HttpError,
  messageFor,
  PERSONAL_DATA_ROLE,
  type Role,
  type RouteBackend,
  roleAllows,
} from '../api/index.ts';

/**
 * The workflow routes of the admin API: instances by type and status, one instance with its timeline, the
 * operators' actions (retry a parked instance, cancel with compensation, send a signal), and the definitions with
 * their Mermaid graphs. Reads need `viewer`, actions `operator`. Needs an orchestrator started in this process.
 */
export interface WorkflowRouteDeps {
  definitions: DefinitionSet;
  /** The workflows' database (routes/postgres.ts postgresBackend): every route but the definitions waits on it. */
  database: RouteBackend;
}

const tag = 'workflows';
const statuses = [
  'RUNNING',
  'WAITING',
  'COMPENSATING',
  'PARKED',
  'COMPLETED',
  'COMPENSATED',
  'CANCELLED',
  'FAILED',
] as const;
const FINISHED: readonly string[] = ['COMPLETED', 'COMPENSATED', 'CANCELLED', 'FAILED'];
const idParams = z.object({
  id: z.string().min(1).describe('The workflow id, e.g. `order-to-delivery:sap:0000004711`.'),
});

const summarySchema = z
  .object({
    id: z.string(),
    type: z.string().describe('e.g. `order-to-delivery`.'),
    version: z.number().int().nullable().describe('The definition version the instance runs on.'),
    status: z.enum(statuses),
    step: z.string().nullable().describe('The step running, waited for, or that failed.'),
    startedAt: z.string(),
    updatedAt: z
      .string()
      .nullable()
      .describe(
        'DBOS’s last change of the instance’s record (its bookkeeping too: a recovery, a resume), not when it ended.',
      ),
    endedAt: z
      .string()
      .nullable()
      .describe(
        'When it finished (DBOS’s `completed_at`, recorded with its outcome, cancellation or last recovery attempt; for a run finished before DBOS recorded it, its row’s `updated_at`); null while in flight.',
      ),
    correlationId: z.string().nullable(),
  })
  .meta({ id: 'WorkflowInstance' });

const detailSchema = summarySchema
  .extend({
    executorId: z.string().nullable().describe('The orchestrator instance that runs (or ran) it.'),
    detail: z
      .string()
      .nullable()
      .describe(
        'Why it is parked, failed or compensated, or what an operator must act on once it completed (order-to-delivery v7: the amendments that came too late, with what they changed); for a viewer without the document values it quotes (`"…"`): a customer’s words, an order’s quantities and totals.',
      ),
    output: z
      .json()
      .nullable()
      .describe(
        'Its result (outcome, what was compensated, the shipment, an order’s amendments with their quantities and totals); null for a viewer (`outputsShown` false).',
      ),
    outputsShown: z
      .boolean()
      .describe(
        "Whether `output` and the steps' outputs are served: they hold the document's data (an order's ship-to, its amendments' quantities and totals, a customer's credit figures, an event's payload), so an operator and up reads them and a viewer reads null in their place.",
      ),
    error: z
      .string()
      .nullable()
      .describe('Why it failed; for a viewer without the document values it quotes (`"…"`).'),
    autoRetry: z
      .object({
        attempts: z
          .number()
          .int()
          .describe('Automatic retries sent at the step it is (or was last) parked at.'),
        state: z
          .enum(['scheduled', 'sent', 'exhausted', 'off', 'none'])
          .describe(
            '`scheduled` (the next at `nextAt`), `sent` (a retry or cancel is on its way), `exhausted` (they ran out: it waits for an operator), `off`, `none` (not parked).',
          ),
        nextAt: z.string().nullable().describe('When the next automatic retry is due.'),
        lastAction: z.enum(['auto', 'operator', 'cancel']).nullable(),
        lastActionAt: z.string().nullable(),
        gaveUpAt: z.string().nullable(),
      })
      .nullable()
      .describe('Automatic retries of a parked instance; null when none ran and it is not parked.'),
    timeline: z.array(
      z.object({
        n: z.number().int(),
        name: z.string().describe('A step, `compensate:<step>`, `DBOS.recv` (an event in), `DBOS.sleep`, …'),
        at: z.string().nullable(),
        ms: z.number().nullable(),
        output: z
          .json()
          .nullable()
          .describe(
            'What the step returned or the event it received; null for a viewer (`outputsShown` false).',
          ),
        error: z
          .string()
          .nullable()
          .describe('Why it failed; for a viewer without the document values it quotes (`"…"`).'),
      }),
    ),
  })
  .meta({ id: 'WorkflowInstanceDetail' });

const accepted = z.object({ id: z.string(), action: z.string() }).meta({ id: 'WorkflowActionAccepted' });

/**
 * An instance as `role` reads it. An operator and up: whole, each message without the marks (`messageFor`). A viewer:
 * what ran, when, how it stands and why (its `detail`, `error` and each step's error as `messageFor` gives them:
 * without the document values their makers marked, nor a target's answer body), and no payload: the instance's
 * `output` and each step's are null (`outputsShown` false). A step's output is what the step read or wrote (the
 * order an event brought with its ship-to address, a customer's credit figures, a partner's answer), unmarked data
 * of the document whose values a viewer may not read; as Temporal's UI shows payloads only to whom the codec decodes
 * them for, the hub serves them only to the role that reads customers' personal data.
 */
export function instanceFor(
  role: Role,
  instance: InstanceDetail,
): InstanceDetail & { outputsShown: boolean } {
  const text = (message: string | null) => (message === null ? null : messageFor(role, message));
  const shown = roleAllows(role, PERSONAL_DATA_ROLE);
  return {
    ...instance,
    detail: text(instance.detail),
    error: text(instance.error),
    output: shown ? plain(instance.output) : null,
    outputsShown: shown,
    timeline: instance.timeline.map((step) => ({
      ...step,
      output: shown ? plain(step.output) : null,
      error: text(step.error),
    })),
  };
}

/** An output as an operator reads it: each text that marks a value (an outcome's `reason`) without the marks. */
function plain(value: unknown): unknown {
  if (typeof value === 'string') return withoutValueMarks(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, plain(field)]));
}

export function registerWorkflowRoutes(api: AdminApi, deps: WorkflowRouteDeps): void {
  async function existing(id: string) {
    const instance = await showInstance(id);
    if (!instance) throw new HttpError(404, `no workflow ${id}`);
    return instance;
  }

  // A type no definition has (`complaint-returns`, `order_to_delivery`) was answered with no instances, as if there
  // were none of it; a status not known is refused, and so is a type.
  function knownType(type: string | undefined, where: 'query' | 'body'): void {
    const types = deps.definitions.types();
    if (type === undefined || types.includes(type)) return;
    const message = `no workflow type "${type}" (the types: ${types.join(', ')})`;
    throw new HttpError(400, message, [{ in: where, path: 'type', message }]);
  }

  api.route(
    {
      method: 'get',
      path: '/workflows',
      summary: 'Workflow instances, newest first',
      description:
        "What ran, when and how it stands (id, type, version, status, step, times, correlation id), the same for a viewer and an operator: no document's data (an order's lines, quantities or totals, a customer's figures), which `GET /workflows/{id}` serves an operator.",
      tag,
      role: 'viewer',
      backend: deps.database,
      query: z.object({
        type: z.string().min(1).optional().describe('Only this workflow type.'),
        status: z.enum(statuses).optional().describe('Only instances in this status.'),
        since: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('Only instances started at or after this time (ISO 8601).'),
        until: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('Only instances started before this time (ISO 8601).'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      responses: {
        200: { description: 'The instances.', schema: z.array(summarySchema) },
        400: { description: 'A status or type no definition has, or a time that is not ISO 8601.' },
      },
    },
    async ({ query }) => {
      knownType(query.type, 'query');
      return { status: 200, body: await listInstances(query) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/workflows/{id}',
      summary: 'One instance with its timeline of steps, events in and commands out',
      description:
        "A viewer reads what ran, when, how it stands and why, with the document values its messages quote as `\"…\"` (a customer's words, an order amendment's quantities and totals), and no outputs (`outputsShown` false: the steps' results and the events they received hold the document's data, an order's ship-to and amended lines, a customer's credit figures); an operator and up reads the outputs and the messages whole.",
      tag,
      role: 'viewer',
      backend: deps.database,
      params: idParams,
      responses: {
        200: { description: 'The instance.', schema: detailSchema },
        404: { description: 'No such instance.' },
      },
    },
    async ({ params, principal }) => ({
      status: 200,
      body: instanceFor(principal.role, await existing(params.id)),
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/workflows/{id}/retry',
      summary:
        'Retries a parked instance (the step whose system was unavailable, or the failed compensation), or resumes one that FAILED after its recovery attempts',
      tag,
      role: 'operator',
      backend: deps.database,
      params: idParams,
      responses: {
        202: {
          description:
            'The instance goes on: `retry` (the parked step again) or `resume` (a FAILED instance that ran out of recovery attempts, from its last checkpoint under its own id).',
          schema: accepted,
        },
        404: { description: 'No such instance.' },
        409: {
          description:
            'Neither parked nor FAILED, or FAILED with an error, which cannot be retried safely (the answer says why and what to do instead).',
        },
      },
    },
    async ({ params }) => {
      const instance = await existing(params.id);
      if (instance.status !== 'PARKED' && instance.status !== 'FAILED')
        throw new HttpError(409, `workflow ${params.id} is ${instance.status}, not PARKED or FAILED`);
      try {
        const action = await retryInstance(params.id);
        return { status: 202, body: { id: params.id, action } };
      } catch (error) {
        if (error instanceof InstanceNotRetriable) throw new HttpError(409, error.message);
        throw error;
      }
    },
  );

  api.route(
    {
      method: 'post',
      path: '/workflows/retry',
      summary:
        'Retries every parked instance that matches (after an outage), or says which would be (dryRun)',
      tag,
      role: 'operator',
      backend: deps.database,
      // Strict: a bulk retry with a key it does not know (`ids`, `status`) would retry every parked instance.
      body: z
        .strictObject({
          type: z.string().min(1).optional().describe('Only this workflow type.'),
          step: z.string().min(1).optional().describe('Only instances parked at this step.'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .default(1000)
            .describe('At most this many, newest first.'),
          dryRun: z.boolean().default(false).describe('List what would be retried; retry nothing.'),
        })
        .prefault({}),
      responses: {
        200: {
          description: 'What matched, what was retried and what could not be.',
          schema: z
            .object({
              matched: z.number().int(),
              retried: z.array(z.string()),
              failed: z.array(z.object({ id: z.string(), error: z.string() })),
              dryRun: z.boolean(),
            })
            .meta({ id: 'WorkflowBulkRetry' }),
        },
      },
    },
    async ({ body, principal }) => {
      knownType(body.type, 'body');
      const parked = (await listInstances({ type: body.type, status: 'PARKED', limit: body.limit })).filter(
        (instance) => body.step === undefined || instance.step === body.step,
      );
      const retried: string[] = [];
      const failed: Array<{ id: string; error: string }> = [];
      if (!body.dryRun) {
        for (const { id } of parked) {
          try {
            // The operators' one retry path: recorded, so the automatic retries do not send one as well.
            await retryInstance(id);
            retried.push(id);
          } catch (error) {
            failed.push({ id, error: messageFor(principal.role, errorMessage(error)) });
          }
        }
      }
      return {
        status: 200,
        body: {
          matched: parked.length,
          retried: body.dryRun ? parked.map((instance) => instance.id) : retried,
          failed,
          dryRun: body.dryRun,
        },
      };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/workflows/{id}/cancel',
      summary: 'Cancels an instance at its current or next wait; what it did is compensated',
      tag,
      role: 'operator',
      backend: deps.database,
      params: idParams,
      body: z.object({ reason: z.string().max(500).default('cancelled by an operator') }).optional(),
      responses: {
        202: { description: 'The instance will cancel and compensate.', schema: accepted },
        404: { description: 'No such instance.' },
        409: { description: 'The instance has finished.' },
      },
    },
    async ({ params, body, principal }) => {
      const instance = await existing(params.id);
      if (FINISHED.includes(instance.status)) {
        throw new HttpError(409, `workflow ${params.id} has finished (${instance.status})`);
      }
      await cancelWorkflow(
        params.id,
        // The operator's own words may name a customer or an order's figures: marked as a value, as a document's
        // are (a viewer reads `"…" (oncall)`); who cancelled stays plain.
        `${body?.reason ? quotedText(body.reason, 500) : 'cancelled'} (${principal.name})`,
        `cancel-${randomUUID()}`,
      );
      return { status: 202, body: { id: params.id, action: 'cancel' } };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/workflows/{id}/signals/{name}',
      summary: 'Sends a signal (e.g. `approve-credit`) to an instance',
      tag,
      role: 'operator',
      backend: deps.database,
      params: idParams.extend({
        name: z
          .string()
          .regex(/^[a-z][a-z0-9-]*$/)
          .describe('e.g. `approve-credit`.'),
      }),
      body: z.json().optional(),
      responses: {
        202: { description: 'The signal is in the instance’s inbox.', schema: accepted },
        400: {
          description:
            'The instance’s definition takes no signal of that name (the ones it takes are named).',
        },
        404: { description: 'No such instance.' },
        409: {
          description:
            'The instance has finished, is PARKED (it reads only a retry or cancel until then), or waits at a step that reads no such signal (nothing would read it), or an earlier signal for the same wait (`approve-credit` or `reject-credit` at a credit hold) is not read yet: a wait takes one decision.',
        },
      },
    },
    async ({ params, body, principal }) => {
      // The checks are signalWorkflow's own (orchestrator/signals.ts), so every caller gets them.
      try {
        await signalWorkflow(deps.definitions, params.id, params.name, body ?? null, {
          signalId: `signal-${randomUUID()}`,
          by: principal.name,
        });
      } catch (error) {
        if (!(error instanceof SignalRefused)) throw error;
        if (error.kind === 'unknown') throw new HttpError(404, error.message);
        if (error.kind === 'not-taken') {
          const message = error.takes.length ? `one of ${error.takes.join(', ')}` : 'none is taken';
          throw new HttpError(400, error.message, [{ in: 'params', path: 'name', message }]);
        }
        throw new HttpError(409, error.message);
      }
      return { status: 202, body: { id: params.id, action: `signal.${params.name}` } };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/workflow-definitions',
      summary: 'Workflow definitions with name, version, steps and a Mermaid graph',
      tag,
      role: 'viewer',
      responses: {
        200: {
          description: 'Every version this instance ships.',
          schema: z.array(
            z.object({
              type: z.string(),
              version: z.number().int(),
              name: z.string(),
              description: z.string(),
              steps: z.array(z.string()),
              signals: z.array(z.string()).describe('The signals an operator may send its instances.'),
              graph: z.string().describe('Mermaid flowchart text.'),
            }),
          ),
        },
      },
    },
    async () => ({ status: 200, body: deps.definitions.list() }),
  );
}
