import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { type ConnectorRuntime, type ConnectorStatus, connectorDefinition } from '../../connectors/index.ts';
import { ConfigError, errorMessage, NonRetriableError } from '../../lib/errors.ts';
import { type AdminApi, HttpError, messageFor, type Principal, roleAllows } from '../api/index.ts';

/**
 * The connector REST API in Kafka Connect's style (`/connectors`, `/connectors/{name}/status|pause|resume|stop|
 * restart|offsets`, `/connector-plugins`), with offsets as KIP-875 has them. Reads need `viewer`, lifecycle
 * `operator`, creating, validating, deleting and offsets `admin`.
 */

/** A connector's automatic restarts (auto-restart.ts's `AutoRestartStatus`); sync health's sinks carry it too. */
export const autoRestartSchema = z
  .object({
    restarts: z
      .number()
      .describe(
        'Restarts it made by itself since it last ran `restart.resetAfterMs` without failing, or an operator acted on it.',
      ),
    nextRestartAt: z
      .string()
      .nullable()
      .describe('When the pending restart is due (ISO 8601); null when none is pending.'),
    lastRestartAt: z.string().nullable().describe('When the last one was made (ISO 8601).'),
    error: z.string().nullable().describe('The failure that called for the pending or the last restart.'),
  })
  .nullable();
const tag = 'connectors';
const nameParams = z.object({ name: z.string().describe('The connector name.') });

const definitionSchema = connectorDefinition.meta({ id: 'ConnectorDefinition' });

const countersSchema = z.object({
  recordsIn: z.number().describe('Documents read (sources) or records received (sinks).'),
  recordsOut: z.number().describe('Canonical records committed to Kafka (sources) or applied (sinks).'),
  recordsSkipped: z
    .number()
    .describe(
      'Sinks: records received but not for the sink (its mapping writes nothing for them), not applied.',
    ),
  recordsFailed: z.number().describe('Documents or records sent to a dead-letter topic.'),
  lastSuccessAt: z.string().nullable().describe('When the last batch was committed or applied (ISO 8601).'),
  lastError: z
    .string()
    .nullable()
    .describe(
      "The last error, if the last attempt failed; a viewer's stops before the answer body a target quoted (an operator reads it whole).",
    ),
  retrying: z
    .object({
      since: z.string().describe('When the first failed attempt began (ISO 8601).'),
      attempts: z
        .number()
        .describe(
          "Attempts so far, the one under way counted, the sink's own retries within a write included.",
        ),
      error: z.string().describe("The last attempt's error."),
    })
    .nullable()
    .describe(
      'Sinks: a record whose write failed retriably and is being retried (`retryTimeoutMs`); its partition waits behind it. Set from its first failed attempt (a timeout, a 429 or 5xx), not once the write gives up.',
    ),
  lagRecords: z.number().nullable().describe('Sinks: records not yet applied.'),
  lagSeconds: z
    .number()
    .nullable()
    .describe(
      'Sinks: the age of the oldest record not yet applied: the one being applied or retried; while none is, the time since one was last applied.',
    ),
});

export const connectorStatusSchema = z
  .object({
    name: z.string(),
    type: z.string(),
    kind: z.enum(['source', 'sink']),
    state: z.enum(['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED']),
    workerId: z.string().nullable().describe('The runtime instance that runs it.'),
    workerUrl: z
      .string()
      .nullable()
      .optional()
      .describe(
        "That instance's base URL, as it advertises it: webhook requests reaching another instance are forwarded there.",
      ),
    trace: z.string().nullable().describe('Why it failed, when FAILED.'),
    updatedAt: z.string().nullable(),
    metrics: countersSchema,
    waiting: z
      .object({
        on: z.literal('kafka').describe('What it waits for: the Kafka cluster.'),
        since: z.string().describe('Since when it has not answered (ISO 8601).'),
        reason: z.string().describe('In words: which brokers, the error, and what waits meanwhile.'),
      })
      .nullable()
      .optional()
      .describe(
        "A RUNNING connector of the instance that answers, waiting for Kafka: its state stays RUNNING (as Kafka Connect keeps it) while the cluster does not answer, and its transaction fails only after the client's retries (about two minutes); this says so at once. Null while Kafka answers; absent for a connector another instance runs.",
      ),
    autoRestart: autoRestartSchema
      .optional()
      .describe(
        "Its restarts by itself after a transient failure (the definition's `restart`): while it is FAILED with `nextRestartAt` set, it restarts then, through the same path as `POST …/restart`; FAILED with none pending, it waits for an operator (the error is one a retry cannot help). Null when it made none since it last ran well; absent for a connector another instance runs when that instance wrote none.",
      ),
    task: z
      .record(z.string(), z.json())
      .optional()
      .describe(
        'What a source task reports of itself: `snapshot` `{mode, state (off, running, waiting, done, failed), records, pages, startedAt, finishedAt, lastError}` for one with an initial snapshot.',
      ),
  })
  .meta({ id: 'ConnectorStatus' });

const offsetsSchema = z
  .object({
    offsets: z
      .array(
        z.object({
          partition: z
            .json()
            .describe('Sources: the source partition (a string); sinks: `{topic, partition}`.'),
          offset: z
            .json()
            .nullable()
            .describe('Sources: the position; sinks: `{offset}` (the next to read).'),
        }),
      )
      .describe('One entry per partition.'),
  })
  .meta({ id: 'ConnectorOffsets' });

const pluginSchema = z.object({
  type: z.string(),
  kind: z.enum(['source', 'sink']),
  description: z.string(),
  config: z.json().describe("The JSON Schema of the plugin's `config`."),
});

const accepted = { 202: { description: 'Accepted: the runtime acts on it.' } };
const notFound = { 404: { description: 'No connector of that name.' } };

const problemSchema = z.object({
  field: z
    .string()
    .describe('The field, as a path in the definition (`config.baseUrl`); empty for the whole.'),
  message: z.string(),
});
const validationSchema = z
  .object({
    type: z.string().describe('The connector type checked.'),
    name: z.string().nullable().describe("The definition's name, when it has one."),
    errorCount: z.number().int().describe('Wrong fields: a connector with any is refused by POST and PUT.'),
    errors: z.array(problemSchema),
    warnings: z
      .array(problemSchema)
      .describe('Allowed but unwise (a secret written out rather than a reference).'),
  })
  .meta({ id: 'ConnectorValidation' });

function asHttpError(error: unknown): never {
  if (error instanceof HttpError) throw error;
  // A definition's or an offset's wrong fields, each named in `details` as a request-shape error is (paths from the body).
  if (error instanceof ConfigError)
    throw new HttpError(
      400,
      errorMessage(error),
      error.fields.map((f) => ({ in: 'body' as const, path: f.field, message: f.problem })),
    );
  if (error instanceof NonRetriableError) throw new HttpError(409, errorMessage(error));
  throw error;
}

function missing(name: string): never {
  throw new HttpError(404, `no connector "${name}"`);
}

export function registerConnectorRoutes(api: AdminApi, runtime: ConnectorRuntime): void {
  api.route(
    {
      method: 'get',
      path: '/connectors',
      summary: "Connector names, or with ?expand=status every connector's status",
      tag,
      role: 'viewer',
      query: z.object({ expand: z.enum(['status']).optional().describe('`status`: answer name → status.') }),
      responses: {
        200: {
          description: 'Names, or statuses by name.',
          schema: z.union([
            z.array(z.string()),
            z.record(z.string(), z.object({ status: connectorStatusSchema })),
          ]),
        },
      },
    },
    async ({ query, principal }) => {
      const names = runtime.names();
      if (query.expand !== 'status') return { status: 200, body: names };
      const out: Record<string, { status: unknown }> = {};
      // Side by side: each may wait out its lag query's deadline while Kafka is down.
      const statuses = await Promise.all(names.map((name) => runtime.status(name)));
      for (const [i, name] of names.entries()) out[name] = { status: asSeenBy(principal, statuses[i]) };
      return { status: 200, body: out };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/connectors',
      summary: 'Create a connector',
      tag,
      role: 'admin',
      body: definitionSchema,
      responses: {
        201: { description: 'Created.', schema: definitionSchema },
        400: {
          description: 'The definition is invalid: `details` names each wrong field (`config.baseUrl`).',
        },
        409: { description: 'A connector of that name exists.' },
      },
    },
    async ({ body }) => {
      if (runtime.definition(body.name))
        throw new HttpError(409, `connector "${body.name}" exists; PUT /connectors/${body.name} changes it`);
      try {
        const { definition } = await runtime.put(body, 'body');
        return { status: 201, body: definition, headers: { Location: `/connectors/${body.name}` } };
      } catch (error) {
        return asHttpError(error);
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}',
      summary: "A connector's definition (secret references kept, literal secrets redacted)",
      tag,
      role: 'viewer',
      params: nameParams,
      responses: { 200: { description: 'The definition.', schema: definitionSchema }, ...notFound },
    },
    async ({ params }) => {
      const definition = runtime.definition(params.name);
      if (!definition) missing(params.name);
      return { status: 200, body: definition };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/connectors/{name}',
      summary: 'Create or replace a connector',
      tag,
      role: 'admin',
      params: nameParams,
      query: z.object({
        baseDir: z
          .string()
          .refine(isAbsolute, 'must be an absolute path')
          .optional()
          .describe(
            "Folder on the hub's machine that the definition's relative paths (mapping files, file secret references, folders) are resolved against, e.g. the folder of the file it was written in (`eai connectors apply` sends it for a hub on this machine). Default: the hub's deployment folder.",
          ),
      }),
      body: definitionSchema.omit({ name: true }).extend({ name: z.string().optional() }),
      responses: {
        200: { description: 'Replaced.', schema: definitionSchema },
        201: { description: 'Created.', schema: definitionSchema },
        400: {
          description: 'The definition is invalid: `details` names each wrong field (`config.baseUrl`).',
        },
      },
    },
    async ({ params, query, body }) => {
      if (body.name && body.name !== params.name) {
        throw new HttpError(400, `body.name "${body.name}" differs from the path's "${params.name}"`, [
          { in: 'body', path: 'name', message: 'must equal the name in the path' },
        ]);
      }
      try {
        const { created, definition } = await runtime.put(
          { ...body, name: params.name },
          'body',
          query.baseDir,
        );
        return { status: created ? 201 : 200, body: definition };
      } catch (error) {
        return asHttpError(error);
      }
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/connectors/{name}',
      summary: 'Delete a connector (its offsets stay until reset)',
      tag,
      role: 'admin',
      params: nameParams,
      responses: { 204: { description: 'Deleted.' }, ...notFound },
    },
    async ({ params }) => {
      if (!(await runtime.remove(params.name))) missing(params.name);
      return { status: 204 };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}/status',
      summary: 'State, instance, last error and counters of a connector',
      tag,
      role: 'viewer',
      params: nameParams,
      responses: { 200: { description: 'Its status.', schema: connectorStatusSchema }, ...notFound },
    },
    async ({ params, principal }) => {
      const status = await runtime.status(params.name);
      if (!status) missing(params.name);
      return { status: 200, body: asSeenBy(principal, status) };
    },
  );

  const lifecycle: Array<[string, 'RUNNING' | 'PAUSED' | 'STOPPED', string]> = [
    ['pause', 'PAUSED', 'Pause: tasks stop reading, the connector stays assigned'],
    ['resume', 'RUNNING', 'Resume a paused or stopped connector'],
    ['stop', 'STOPPED', 'Stop: no tasks; offsets may then be changed (KIP-875)'],
  ];
  for (const [verb, state, summary] of lifecycle) {
    api.route(
      {
        method: 'put',
        path: `/connectors/{name}/${verb}`,
        summary,
        tag,
        role: 'operator',
        params: nameParams,
        responses: { ...accepted, ...notFound },
      },
      async ({ params }) => {
        if (!(await runtime.setTargetState(params.name, state))) missing(params.name);
        return { status: 202 };
      },
    );
  }

  api.route(
    {
      method: 'post',
      path: '/connectors/{name}/restart',
      summary: "Restart the connector's task on the instance that runs it",
      tag,
      role: 'operator',
      params: nameParams,
      responses: { ...accepted, ...notFound },
    },
    async ({ params }) => {
      if (!(await runtime.restart(params.name))) missing(params.name);
      return { status: 202 };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}/offsets',
      summary: 'Committed offsets: source positions or sink consumer offsets',
      tag,
      role: 'viewer',
      params: nameParams,
      responses: { 200: { description: 'The offsets.', schema: offsetsSchema }, ...notFound },
    },
    async ({ params }) => {
      const offsets = await runtime.offsets(params.name);
      if (!offsets) missing(params.name);
      return { status: 200, body: { offsets } };
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/connectors/{name}/offsets',
      summary: 'Set offsets (the connector must be STOPPED)',
      tag,
      role: 'admin',
      params: nameParams,
      body: offsetsSchema,
      responses: {
        200: { description: 'Set.', schema: z.object({ message: z.string() }) },
        400: {
          description:
            'An entry is invalid, or an offset one the connector type cannot resume from: `details` names it (`offsets[0].offset`) and its partition.',
        },
        409: { description: 'The connector is not STOPPED.' },
        ...notFound,
      },
    },
    async ({ params, body }) => {
      try {
        if (!(await runtime.alterOffsets(params.name, body.offsets))) missing(params.name);
      } catch (error) {
        return asHttpError(error);
      }
      return { status: 200, body: { message: 'offsets set; resume the connector to read from them' } };
    },
  );

  api.route(
    {
      method: 'delete',
      path: '/connectors/{name}/offsets',
      summary:
        "Reset offsets (the connector must be STOPPED): a source starts over, a sink starts as a new one does (its startAt: the topics' beginning by default)",
      tag,
      role: 'admin',
      params: nameParams,
      responses: {
        200: { description: 'Reset.', schema: z.object({ message: z.string() }) },
        409: { description: 'The connector is not STOPPED.' },
        ...notFound,
      },
    },
    async ({ params }) => {
      try {
        if (!(await runtime.alterOffsets(params.name, null))) missing(params.name);
      } catch (error) {
        return asHttpError(error);
      }
      return {
        status: 200,
        body: {
          message:
            "offsets reset; resume the connector to read from the beginning (a sink with startAt: latest, from the topics' end)",
        },
      };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/connector-plugins/{type}/config/validate',
      summary: 'Check a connector definition without creating it (as Kafka Connect validates a config)',
      description:
        "Every check `POST /connectors` makes (common fields, the type's options with references resolved on this hub, format, mappings found and compiled, output topics existing), nothing stored or started. Answers 200 whether the definition is valid or not: `errorCount` and `errors` name each wrong field. The body is a definition as `POST /connectors` takes it; its `type`, if given, must be the path's.",
      tag,
      role: 'admin',
      roleReason:
        "it reads the definition's mapping and its file and environment references on the hub's machine, as creating one does, and its answer quotes what it found",
      params: z.object({ type: z.string().describe('A connector type of `GET /connector-plugins`.') }),
      body: z.record(z.string(), z.unknown()).describe('A connector definition (name, type, config, …).'),
      responses: {
        200: { description: 'What is wrong, if anything.', schema: validationSchema },
        404: { description: 'No connector type of that name.' },
      },
    },
    async ({ params, body }) => {
      if (!runtime.plugins.has(params.type))
        throw new HttpError(
          404,
          `no connector type "${params.type}"; known: ${[...runtime.plugins.keys()].join(', ')}`,
        );
      const name = typeof body.name === 'string' ? body.name : null;
      type Problem = { field: string; message: string };
      const answer = (errors: Problem[], warnings: Problem[] = []) => ({
        status: 200,
        body: { type: params.type, name, errorCount: errors.length, errors, warnings },
      });
      if (body.type !== undefined && body.type !== params.type)
        return answer([
          { field: 'type', message: `"${String(body.type)}" differs from the path's "${params.type}"` },
        ]);
      try {
        const { warnings } = await runtime.validate({ ...body, type: params.type }, 'body');
        return answer(
          [],
          warnings.map((w) => ({ field: w.field, message: w.problem })),
        );
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return answer(
          error.fields.length > 0
            ? error.fields.map((f) => ({ field: f.field, message: f.problem }))
            : [{ field: '', message: errorMessage(error) }],
        );
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connector-plugins',
      summary: 'Connector types this hub can run, with the JSON Schema of their config',
      tag,
      role: 'viewer',
      responses: { 200: { description: 'The plugins.', schema: z.array(pluginSchema) } },
    },
    async () => ({
      status: 200,
      body: [...runtime.plugins.values()].map((p) => ({
        type: p.type,
        kind: p.kind,
        description: p.description,
        config: z.toJSONSchema(p.config, { io: 'input', unrepresentable: 'any' }),
      })),
    }),
  );
}

/**
 * A status as the caller may read it: a viewer's errors stop before the answer body they quote (a target that refused
 * a record often echoes it: a customer's name and email), as the logs and sync health have them; an operator reads
 * them whole.
 */
function asSeenBy<T extends ConnectorStatus | undefined>(principal: Principal, status: T): T {
  if (!status || roleAllows(principal.role, 'operator')) return status;
  const trim = (message: string) => messageFor(principal.role, message);
  const { lastError, retrying } = status.metrics;
  return {
    ...status,
    metrics: {
      ...status.metrics,
      lastError: lastError === null ? null : trim(lastError),
      retrying: retrying === null ? null : { ...retrying, error: trim(retrying.error) },
    },
  };
}
