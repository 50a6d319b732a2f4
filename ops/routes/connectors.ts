import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import {
  type ConnectorRuntime,
  type ConnectorStatus,
  connectorDefinition,
  MAX_SKIPPED_REASONS,
  OTHER_REASONS,
} from '../../connectors/index.ts';
import { ConfigError, errorMessage, NonRetriableError } from '../../lib/errors.ts';
import { meant } from '../../lib/zod-problems.ts';
import {
  type AdminApi,
  HttpError,
  messageFor,
  type Principal,
  type RouteHandler,
  type RouteSpec,
  roleAllows,
} from '../api/index.ts';
import {
  configKeySchema,
  configKeys,
  connectConfig,
  connectInfo,
  connectInfoSchema,
  connectorTopics,
  connectStatusFields,
  connectStatusView,
  connectTaskStateSchema,
  connectValidation,
  definitionFromConnect,
  fromConnectOffsetKeys,
  withConnectOffsetKeys,
} from './connectors-connect.ts';

/**
 * The connector REST API in Kafka Connect's style (`/connectors`, `/connectors/{name}/config|status|tasks|topics|
 * pause|resume|stop|restart|offsets`, `/connector-plugins`), with offsets as KIP-875 has them and Connect's shapes
 * beside the hub's own (connectors-connect.ts). Reads need `viewer`, lifecycle `operator`, creating, validating,
 * deleting and offsets `admin`. Errors carry Connect's `error_code` and `message` too.
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
      'Sources: documents read that mapped to no record and no dead letter (the mapping selects nothing from them: `eai map` shows it). Sinks: records received but not for the sink (its mapping writes nothing for them), not applied.',
    ),
  skippedReasons: z
    .record(z.string(), z.number())
    .describe(
      `How many of the skipped were skipped for each reason, in the words the mapping step or the sink gave (\`{"status CREATED is not written to Odoo": 12}\`); at most ${MAX_SKIPPED_REASONS} reasons, the rest counted under \`${OTHER_REASONS}\`.`,
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
    workerId: z
      .string()
      .nullable()
      .describe('The runtime instance that runs it: an id that instance takes anew at each start.'),
    instance: z
      .string()
      .nullable()
      .optional()
      .describe(
        "The name of the hub instance that runs it, stable across that instance's restarts: its `EAI_INSTANCE_ID`, else `<host name>:<ops port>` (Kafka Connect's `worker_id` says it too). Null while no instance holds it (UNASSIGNED); absent in a status an older hub wrote.",
      ),
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
    ...connectStatusFields,
  })
  .meta({ id: 'ConnectorStatus' });

const offsetsSchema = z
  .object({
    offsets: z
      .array(
        z.object({
          partition: z
            .json()
            .describe(
              "Sources: the source partition (a string); sinks: `{topic, partition}`, KIP-875's `kafka_topic` and `kafka_partition` beside them (either pair is taken).",
            ),
          offset: z
            .json()
            .nullable()
            .describe(
              "Sources: the position; sinks: `{offset}` (the next to read), KIP-875's `kafka_offset` beside it (either is taken). `null` resets the partition, as KIP-875: a source's position is deleted, a sink's committed offset too (it starts there by its startAt).",
            ),
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
  class: z.string().describe("Kafka Connect's key: the type again (what `connector.class` names)."),
  version: z.string().describe("Kafka Connect's key: the hub's version."),
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
    error_count: z.number().int().describe("Kafka Connect's key: `errorCount` again."),
    groups: z
      .array(z.string())
      .describe("Kafka Connect's key: the config keys' groups (`Common`, the type)."),
    configs: z
      .array(
        z.object({
          definition: configKeySchema,
          value: z.object({
            name: z.string(),
            value: z.string().nullable().describe('As given (objects as JSON); null when not given.'),
            recommended_values: z.array(z.string()),
            errors: z.array(z.string()),
            visible: z.boolean(),
          }),
        }),
      )
      .describe(
        "Kafka Connect's `configs`: each config key of the type (GET …/config) with the value given and its errors; a wrong field the type has no key for (an unknown one) is added under its own name.",
      ),
  })
  .meta({ id: 'ConnectorValidation' });

/**
 * `nameInPath`: the connector's name came from the path (PUT /connectors/{name}…), so a wrong `name` is named
 * there, not in a body that never held it.
 */
function asHttpError(error: unknown, nameInPath = false, renamed: Record<string, string> = {}): never {
  if (error instanceof HttpError) throw error;
  // A definition's or an offset's wrong fields, each named in `details` as a request-shape error is (paths from the body).
  if (error instanceof ConfigError) {
    const fields = error.fields.map((f) => ({ ...f, field: renamed[f.field] ?? f.field }));
    const renaming = error.fields.some((f) => renamed[f.field] !== undefined);
    throw new HttpError(
      400,
      renaming ? `body: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}` : errorMessage(error),
      fields.map((f) => ({
        in: nameInPath && f.field === 'name' ? ('params' as const) : ('body' as const),
        path: f.field,
        message: f.problem,
      })),
    );
  }
  if (error instanceof NonRetriableError) throw new HttpError(409, errorMessage(error));
  throw error;
}

/** 404 for a connector the group lacks, with the name meant when it is a slip of one it has (`sap-ordrs`). */
function missing(name: string, runtime: Pick<ConnectorRuntime, 'names'>): never {
  const hint = meant(name, runtime.names());
  throw new HttpError(404, `no connector "${name}"${hint ? `; ${hint}` : ''}`);
}

/** A status as the caller may read it, with Kafka Connect's `connector` and `tasks` beside the hub's fields. */
function viewed(principal: Principal, status: ConnectorStatus | undefined, restarting = false) {
  const seen = asSeenBy(principal, status);
  return seen && { ...seen, ...connectStatusView(seen, restarting) };
}

const expandSchema = z.enum(['status', 'info']);
const targetStates = z.enum(['RUNNING', 'PAUSED', 'STOPPED']);

/**
 * What the framework checks of a connector route's body: a JSON object, no more. The definition in it is checked by
 * validateDefinition (through the runtime), which names every problem at once, the plugin's options too, in the words
 * `eai connectors validate` uses; a zod schema here refused the request at its first wrong common field.
 */
const definitionEnvelope = z.record(z.string(), z.unknown());
type Json = z.output<typeof definitionEnvelope>;

/**
 * POST /connectors's body as documented: a definition, or Kafka Connect's `{name, config: {connector.class, …},
 * initial_state}`.
 */
const createSchema = connectorDefinition
  .extend({
    type: z
      .string()
      .optional()
      .describe(
        'Connector type (a plugin of `GET /connector-plugins`), e.g. `sap-idoc-file-source`; or `config["connector.class"]`, as Kafka Connect has it.',
      ),
    initial_state: targetStates
      .optional()
      .describe("Kafka Connect's (KIP-980): the state it starts in, as `state`."),
  })
  .meta({ id: 'ConnectorCreate' });

/** A boolean query flag of Kafka Connect's (`?onlyFailed=true`). */
const connectFlag = z
  .enum(['true', 'false'])
  .optional()
  .transform((value) => value === 'true');

const hubVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The definition POST /connectors creates: the body as it is, or Connect's shape turned into one. */
function createBody(given: Json, runtime: ConnectorRuntime): Json {
  const { initial_state: initialState, ...body } = given;
  const state = initialState === undefined ? undefined : String(initialState);
  if (body.type !== undefined) return state ? { ...body, state } : body;
  const config = (typeof body.config === 'object' && body.config !== null ? body.config : {}) as Json;
  if (config['connector.class'] === undefined)
    throw new HttpError(
      400,
      'invalid request: body.type: required (or config["connector.class"], as Kafka Connect)',
      [{ in: 'body', path: 'type', message: 'required: a type of GET /connector-plugins' }],
    );
  const { config: _config, state: _state, ...top } = body;
  const translated = definitionFromConnect(config, runtime.plugins, state);
  if (translated.name !== undefined && translated.name !== body.name)
    throw new HttpError(
      400,
      `config.name "${String(translated.name)}" differs from name "${String(body.name)}"`,
      [{ in: 'body', path: 'config.name', message: 'must equal name' }],
    );
  return { ...top, ...translated, name: body.name };
}

export function registerConnectorRoutes(admin: AdminApi, runtime: ConnectorRuntime): void {
  // Every connector route's errors carry Connect's keys too, for the tools built for its REST API.
  const api = {
    route<P, Q, B>(spec: RouteSpec<P, Q, B>, handler: RouteHandler<P, Q, B>) {
      admin.route({ ...spec, connectErrors: true }, handler);
    },
  };
  const kindOf = (type: string) => runtime.plugins.get(type)?.kind ?? 'source';

  api.route(
    {
      method: 'get',
      path: '/connectors',
      summary:
        "Connector names, or with ?expand=status and/or ?expand=info every connector's status and info",
      tag,
      role: 'viewer',
      query: z.object({
        expand: z
          .union([expandSchema, z.array(expandSchema)])
          .optional()
          .describe(
            '`status`, `info`, or both (`?expand=status&expand=info`), as Kafka Connect: answer name → {status, info}.',
          ),
      }),
      responses: {
        200: {
          description: "Names, or by name its status and / or its info (Connect's ConnectorInfo).",
          schema: z.union([
            z.array(z.string()),
            z.record(
              z.string(),
              z.object({ status: connectorStatusSchema.optional(), info: connectInfoSchema.optional() }),
            ),
          ]),
        },
      },
    },
    async ({ query, principal }) => {
      const names = runtime.names();
      const expand = new Set([query.expand ?? []].flat());
      if (expand.size === 0) return { status: 200, body: names };
      const out: Record<string, { status?: unknown; info?: unknown }> = {};
      // Side by side: each may wait out its lag query's deadline while Kafka is down.
      const statuses = expand.has('status')
        ? await Promise.all(names.map((name) => runtime.status(name)))
        : [];
      for (const [i, name] of names.entries()) {
        const definition = expand.has('info') ? runtime.definition(name) : undefined;
        out[name] = {
          ...(expand.has('status') ? { status: viewed(principal, statuses[i]) } : {}),
          ...(definition ? { info: connectInfo(definition, kindOf(definition.type)) } : {}),
        };
      }
      return { status: 200, body: out };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/connectors',
      summary: 'Create a connector',
      description:
        "The body is a definition, or Kafka Connect's `{name, config, initial_state}` with `config[\"connector.class\"]` the type (Connect's flat config: the definition's fields and the type's options as keys, dotted keys nested, strings read as their fields' types, `tasks.max` ignored: one task per connector).",
      tag,
      role: 'admin',
      body: definitionEnvelope,
      documentedBody: createSchema,
      responses: {
        201: { description: 'Created.', schema: definitionSchema },
        400: {
          description: 'The definition is invalid: `details` names each wrong field (`config.baseUrl`).',
        },
        409: { description: 'A connector of that name exists.' },
      },
    },
    async ({ body: given }) => {
      const body = createBody(given, runtime);
      if (typeof body.name === 'string' && runtime.definition(body.name))
        throw new HttpError(409, `connector "${body.name}" exists; PUT /connectors/${body.name} changes it`);
      try {
        const { definition } = await runtime.put(body, 'body');
        return { status: 201, body: definition, headers: { Location: `/connectors/${definition.name}` } };
      } catch (error) {
        // Connect's `initial_state` is the definition's `state`: a wrong one is named as the caller wrote it.
        return asHttpError(error, false, given.initial_state === undefined ? {} : { state: 'initial_state' });
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
      if (!definition) missing(params.name, runtime);
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
      body: definitionEnvelope,
      documentedBody: definitionSchema.omit({ name: true }).extend({ name: z.string().optional() }),
      responses: {
        200: { description: 'Replaced.', schema: definitionSchema },
        201: { description: 'Created.', schema: definitionSchema },
        400: {
          description: 'The definition is invalid: `details` names each wrong field (`config.baseUrl`).',
        },
      },
    },
    async ({ params, query, body }) => {
      if (body.name !== undefined && body.name !== params.name) {
        throw new HttpError(
          400,
          `body.name "${String(body.name)}" differs from the path's "${params.name}"`,
          [{ in: 'body', path: 'name', message: 'must equal the name in the path' }],
        );
      }
      try {
        const { created, definition } = await runtime.put(
          { ...body, name: params.name },
          'body',
          query.baseDir,
        );
        return { status: created ? 201 : 200, body: definition };
      } catch (error) {
        return asHttpError(error, true);
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
      if (!(await runtime.remove(params.name))) missing(params.name, runtime);
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
      if (!status) missing(params.name, runtime);
      return { status: 200, body: viewed(principal, status) };
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
        if (!(await runtime.setTargetState(params.name, state))) missing(params.name, runtime);
        return { status: 202 };
      },
    );
  }

  api.route(
    {
      method: 'post',
      path: '/connectors/{name}/restart',
      summary: "Restart the connector's task on the instance that runs it",
      description:
        "The connector and its one task restart together. Kafka Connect's `includeTasks` changes nothing (the task restarts either way); `onlyFailed=true` restarts it only when FAILED. Answers 202 with its status, `connector` and `tasks` RESTARTING when restarted (KIP-745), where Connect answers 204 without the flags.",
      tag,
      role: 'operator',
      params: nameParams,
      query: z.object({
        includeTasks: connectFlag.describe(
          "Kafka Connect's flag: the one task restarts with the connector either way.",
        ),
        onlyFailed: connectFlag.describe('true: restart only a FAILED connector.'),
      }),
      responses: {
        202: { description: 'Accepted: its status, RESTARTING if restarted.', schema: connectorStatusSchema },
        ...notFound,
      },
    },
    async ({ params, query, principal }) => {
      const before = await runtime.status(params.name);
      if (!before) missing(params.name, runtime);
      const restart = !query.onlyFailed || before.state === 'FAILED';
      if (restart && !(await runtime.restart(params.name))) missing(params.name, runtime);
      return { status: 202, body: viewed(principal, before, restart) };
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
      if (!offsets) missing(params.name, runtime);
      return { status: 200, body: { offsets: offsets.map(withConnectOffsetKeys) } };
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
            "An entry is invalid, an offset one the connector type cannot resume from, or a sink's offset past its partition's end: `details` names it (`offsets[0].offset`) and its partition.",
        },
        409: { description: 'The connector is not STOPPED.' },
        ...notFound,
      },
    },
    async ({ params, body }) => {
      try {
        const offsets = body.offsets.map(fromConnectOffsetKeys) as typeof body.offsets;
        if (!(await runtime.alterOffsets(params.name, offsets))) missing(params.name, runtime);
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
        if (!(await runtime.alterOffsets(params.name, null))) missing(params.name, runtime);
      } catch (error) {
        return asHttpError(error);
      }
      // A drop folder's position is within the files still there: what it finished is in done/ already.
      const fileSource = /file-source$/.test(runtime.definition(params.name)?.type ?? '');
      return {
        status: 200,
        body: {
          message: fileSource
            ? 'offsets reset; resume the connector to read the files in its folder from their start (files it finished are in done/: move them back into the folder to read them again)'
            : "offsets reset; resume the connector to read from the beginning (a sink with startAt: latest, from the topics' end)",
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
        "Every check `POST /connectors` makes (common fields, the type's options with references resolved on this hub, format, mappings found and compiled, output topics existing), nothing stored or started. Answers 200 whether the definition is valid or not: `errorCount` and `errors` name each wrong field. The body is a definition as `POST /connectors` takes it, or Kafka Connect's flat config (`connector.class`, as `PUT …/config` takes it); its type, if given, must be the path's. Connect's `error_count`, `groups` and `configs` (each config key with its value and errors) come beside the hub's own keys; `name` is the definition's, where Connect's names the class.",
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
    async ({ params, body: given }) => {
      const plugin = runtime.plugins.get(params.type);
      if (!plugin)
        throw new HttpError(
          404,
          `no connector type "${params.type}"; known: ${[...runtime.plugins.keys()].join(', ')}`,
        );
      const body = definitionFromConnect(given, runtime.plugins);
      const name = typeof body.name === 'string' ? body.name : null;
      type Problem = { field: string; message: string };
      const answer = (errors: Problem[], warnings: Problem[] = []) => ({
        status: 200,
        body: {
          type: params.type,
          name,
          errorCount: errors.length,
          errors,
          warnings,
          ...connectValidation(plugin, body, errors),
        },
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
      description:
        "Kafka Connect's `connectorsOnly=false` lists the same: the hub has no transforms, converters or predicates to add.",
      tag,
      role: 'viewer',
      query: z.object({
        connectorsOnly: connectFlag.describe("Kafka Connect's flag; the list is the same either way."),
      }),
      responses: { 200: { description: 'The plugins.', schema: z.array(pluginSchema) } },
    },
    async () => ({
      status: 200,
      body: [...runtime.plugins.values()].map((p) => ({
        type: p.type,
        kind: p.kind,
        description: p.description,
        config: z.toJSONSchema(p.config, { io: 'input', unrepresentable: 'any' }),
        class: p.type,
        version: hubVersion,
      })),
    }),
  );
  registerConnectCompatRoutes(api, runtime);
}

type ConnectorApi = { route: AdminApi['route'] };
const taskParams = nameParams.extend({
  task: z.string().describe('The task id: 0, the one task a connector runs.'),
});

/** The routes of Kafka Connect's REST API the hub's own do not answer: root, config, tasks, topics, plugin config. */
function registerConnectCompatRoutes(api: ConnectorApi, runtime: ConnectorRuntime): void {
  const kindOf = (type: string) => runtime.plugins.get(type)?.kind ?? 'source';
  const onlyTask = (name: string, task: string) => {
    if (task !== '0') throw new HttpError(404, `connector "${name}" has one task, 0: no task ${task}`);
  };

  api.route(
    {
      method: 'get',
      path: '/',
      summary: "The hub's version, as Kafka Connect's root answers it",
      tag,
      role: 'viewer',
      responses: {
        200: {
          description: 'Its version.',
          schema: z.object({
            version: z.string().describe("The hub's version."),
            commit: z.string().nullable().describe('Null: the hub does not record its commit.'),
            kafka_cluster_id: z.string().nullable().describe('Null: see `/health/ready` for the cluster.'),
            connect_group: z.string().describe('The connect group this hub runs connectors of.'),
          }),
        },
      },
    },
    async () => ({
      status: 200,
      body: { version: hubVersion, commit: null, kafka_cluster_id: null, connect_group: runtime.group },
    }),
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}/config',
      summary: "A connector's config, as Kafka Connect's: the definition with `connector.class` (its type)",
      tag,
      role: 'viewer',
      params: nameParams,
      responses: {
        200: {
          description: 'The definition, with `connector.class`.',
          schema: z.record(z.string(), z.json()),
        },
        ...notFound,
      },
    },
    async ({ params }) => {
      const definition = runtime.definition(params.name);
      if (!definition) missing(params.name, runtime);
      return { status: 200, body: connectConfig(definition) };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/connectors/{name}/config',
      summary: 'Create or replace a connector from its config, as Kafka Connect does',
      description:
        "The body is what `GET …/config` answers (a definition, `connector.class` allowed beside `type`), or Kafka Connect's flat config: `connector.class` the type, the definition's fields (`format`, `mapping`, `topics`, …) and the type's options as keys, dotted keys nested (`signature.scheme`), strings read as their fields' types (`\"50\"` for a number, `\"a,b\"` for a list), `tasks.max` ignored (one task per connector). Answers Connect's ConnectorInfo.",
      tag,
      role: 'admin',
      params: nameParams,
      body: z.record(z.string(), z.unknown()).describe("The config: a definition or Connect's flat config."),
      responses: {
        200: { description: 'Replaced.', schema: connectInfoSchema },
        201: { description: 'Created.', schema: connectInfoSchema },
        400: {
          description: 'The definition is invalid: `details` names each wrong field (`config.dir`).',
        },
      },
    },
    async ({ params, body }) => {
      const definition = definitionFromConnect(body, runtime.plugins);
      if (definition.name !== undefined && definition.name !== params.name)
        throw new HttpError(
          400,
          `body.name "${String(definition.name)}" differs from the path's "${params.name}"`,
          [{ in: 'body', path: 'name', message: 'must equal the name in the path' }],
        );
      try {
        const put = await runtime.put({ ...definition, name: params.name }, 'body');
        return {
          status: put.created ? 201 : 200,
          body: connectInfo(put.definition, kindOf(put.definition.type)),
        };
      } catch (error) {
        return asHttpError(error, true);
      }
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}/tasks',
      summary: "A connector's tasks, as Kafka Connect lists them: its one task, 0 (none while STOPPED)",
      tag,
      role: 'viewer',
      params: nameParams,
      responses: {
        200: {
          description: "Its task with its config (the connector's).",
          schema: z.array(
            z.object({
              id: z.object({ connector: z.string(), task: z.number().int() }),
              config: z.record(z.string(), z.json()),
            }),
          ),
        },
        ...notFound,
      },
    },
    async ({ params }) => {
      const definition = runtime.definition(params.name);
      if (!definition) missing(params.name, runtime);
      const tasks =
        definition.state === 'STOPPED'
          ? []
          : [{ id: { connector: params.name, task: 0 }, config: connectConfig(definition) }];
      return { status: 200, body: tasks };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}/tasks/{task}/status',
      summary: "The state of a connector's task, as Kafka Connect's: task 0 is in the connector's state",
      tag,
      role: 'viewer',
      params: taskParams,
      responses: {
        200: { description: 'Its state.', schema: connectTaskStateSchema },
        404: { description: 'No connector of that name, or a task other than 0.' },
      },
    },
    async ({ params }) => {
      const status = await runtime.status(params.name);
      if (!status) missing(params.name, runtime);
      onlyTask(params.name, params.task);
      const [task] = connectStatusView(status).tasks;
      if (!task) throw new HttpError(404, `connector "${params.name}" is STOPPED: it has no task`);
      return { status: 200, body: task };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/connectors/{name}/tasks/{task}/restart',
      summary: "Restart a connector's task (task 0: the connector's restart)",
      tag,
      role: 'operator',
      params: taskParams,
      responses: {
        204: { description: 'Restarting.' },
        404: { description: 'No connector of that name, or a task other than 0.' },
      },
    },
    async ({ params }) => {
      if (!runtime.definition(params.name)) missing(params.name, runtime);
      onlyTask(params.name, params.task);
      if (!(await runtime.restart(params.name))) missing(params.name, runtime);
      return { status: 204 };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connectors/{name}/topics',
      summary: 'The topics a connector uses (KIP-558), from its definition',
      description:
        "A sink's topics; a source's output topics (its `outputTopics`, else the canonical topic of each mapping it maps with). As Kafka Connect answers: `{<name>: {topics}}`.",
      tag,
      role: 'viewer',
      params: nameParams,
      responses: {
        200: {
          description: 'Its topics.',
          schema: z.record(z.string(), z.object({ topics: z.array(z.string()) })),
        },
        ...notFound,
      },
    },
    async ({ params }) => {
      const topics = connectorTopics(runtime, params.name);
      if (!topics) missing(params.name, runtime);
      return { status: 200, body: { [params.name]: { topics } } };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/connectors/{name}/topics/reset',
      summary: "Reset a connector's active topics (KIP-558): nothing to do, the hub's follow its definition",
      tag,
      role: 'operator',
      params: nameParams,
      responses: { ...accepted, ...notFound },
    },
    async ({ params }) => {
      if (!runtime.definition(params.name)) missing(params.name, runtime);
      return { status: 202 };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/connector-plugins/{type}/config',
      summary:
        "A connector type's options as Kafka Connect's config keys (the definition's common fields, then its own)",
      tag,
      role: 'viewer',
      params: z.object({ type: z.string().describe('A connector type of `GET /connector-plugins`.') }),
      responses: {
        200: { description: 'Its config keys.', schema: z.array(configKeySchema) },
        404: { description: 'No connector type of that name.' },
      },
    },
    async ({ params }) => {
      const plugin = runtime.plugins.get(params.type);
      if (!plugin)
        throw new HttpError(
          404,
          `no connector type "${params.type}"; known: ${[...runtime.plugins.keys()].join(', ')}`,
        );
      return { status: 200, body: configKeys(plugin) };
    },
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
    // A FAILED connector's trace is the error its lastError holds (and Kafka Connect's `connector.trace` and
    // `tasks[0].trace` repeat it): cut as lastError is, or a viewer read the answer body there.
    trace: status.trace === null ? null : trim(status.trace),
    ...(status.autoRestart?.error
      ? { autoRestart: { ...status.autoRestart, error: trim(status.autoRestart.error) } }
      : {}),
    metrics: {
      ...status.metrics,
      lastError: lastError === null ? null : trim(lastError),
      retrying: retrying === null ? null : { ...retrying, error: trim(retrying.error) },
    },
  };
}
