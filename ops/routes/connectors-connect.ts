import { z } from 'zod';
import {
  type ConnectorDefinition,
  type ConnectorPlugin,
  type ConnectorRuntime,
  type ConnectorStatus,
  connectorDefinition,
  redactConfig,
} from '../../connectors/index.ts';
import { findMapping, inboundMapping } from '../../mappings/index.ts';
import { HttpError } from '../api/index.ts';

/**
 * Kafka Connect's REST shapes over the hub's own (ops/routes/connectors.ts): Connect's flat config (`connector.class`,
 * string values) read as a hub definition, a status's `connector` and `tasks`, a definition as Connect's config and
 * info, a plugin's config keys as Connect's `ConfigKeyInfo`, and the topics a connector uses (KIP-558). The hub runs
 * one task per connector: task 0.
 */

type Json = Record<string, unknown>;
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  [key: string]: unknown;
};

/** Connect's framework keys the hub has no use for: one task per connector, whatever `tasks.max` says. */
const ignoredConnectKeys = new Set(['connector.class', 'tasks.max']);

const commonKeys = Object.keys(connectorDefinition.shape).filter((k) => k !== 'config' && k !== 'name');
const commonSchema = z.toJSONSchema(connectorDefinition.omit({ config: true, name: true }), {
  io: 'input',
  unrepresentable: 'any',
}) as JsonSchema;

export function pluginSchema(plugin: ConnectorPlugin): JsonSchema {
  return z.toJSONSchema(plugin.config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function typesOf(schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  return variants ? variants.flatMap(typesOf) : [];
}

/** A Connect config value (a string, as Connect's configs are) as the field's JSON type wants it. */
function coerce(value: unknown, schema: JsonSchema | undefined): unknown {
  if (typeof value !== 'string') return value;
  const types = typesOf(schema);
  const text = value.trim();
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(?:\.\d+)?$/.test(text))
    return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if ((types.includes('object') || types.includes('array')) && /^[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return value;
    }
  }
  // Connect's LIST type: comma-separated.
  if (types.includes('array') && !types.includes('string'))
    return text === '' ? [] : text.split(',').map((item) => item.trim());
  return value;
}

/** Sets a flat key (`signature.scheme`) into `target`, nested where the schema has an object of that name. */
function assign(target: Json, schema: JsonSchema, key: string, value: unknown): void {
  const props = schema.properties ?? {};
  if (key in props || !key.includes('.')) {
    target[key] = coerce(value, props[key]);
    return;
  }
  const dot = key.indexOf('.');
  const head = key.slice(0, dot);
  const sub = props[head];
  if (!sub || !typesOf(sub).includes('object')) {
    target[key] = value;
    return;
  }
  target[head] ??= {};
  assign(target[head] as Json, sub, key.slice(dot + 1), value);
}

/**
 * A connector as Kafka Connect's calls send it, as a hub definition: the hub's own shape (`type`, a nested `config`)
 * as it is; Connect's flat config (`connector.class` the type, `tasks.max` ignored, the definition's own fields such
 * as `format`, `mapping`, `topics` among the keys, the rest the plugin's options, dotted keys nested, string values
 * read as their fields' types) turned into one. What the hub cannot take is left for its checks to name.
 */
export function definitionFromConnect(
  body: Json,
  plugins: ReadonlyMap<string, ConnectorPlugin>,
  initialState?: string,
): Json {
  const { 'connector.class': connectorClass, ...rest } = body;
  const state = initialState === undefined ? {} : { state: initialState };
  if (rest.type !== undefined || connectorClass === undefined) {
    if (connectorClass !== undefined && connectorClass !== rest.type)
      throw new HttpError(
        400,
        `connector.class "${String(connectorClass)}" differs from type "${String(rest.type)}"`,
        [{ in: 'body', path: 'connector.class', message: 'must equal type when both are given' }],
      );
    return { ...rest, ...state };
  }
  if (typeof connectorClass !== 'string')
    throw new HttpError(400, 'connector.class must be a connector type', [
      { in: 'body', path: 'connector.class', message: 'must be a string: a type of GET /connector-plugins' },
    ]);
  const plugin = plugins.get(connectorClass);
  const definition: Json = { type: connectorClass, ...state };
  const config: Json = {};
  const ownSchema = plugin ? pluginSchema(plugin) : {};
  for (const [key, value] of Object.entries(rest)) {
    if (ignoredConnectKeys.has(key)) continue;
    // A definition's field by its name, or a dotted key under it: `restart.enabled`, `outputTopics.<schema full
    // name>` (`outputTopics.eai.canonical.SalesOrderEvent`), `mappingsBySender.<sender>`.
    if (key === 'name' || commonKeys.includes(key) || commonKeys.includes(key.split('.')[0]!))
      assign(definition, commonSchema, key, value);
    else assign(config, ownSchema, key, value);
  }
  return { ...definition, config };
}

/** A hub definition as Connect's config: its fields with `connector.class` (the type), what `…/config` answers. */
export function connectConfig(definition: ConnectorDefinition): Json {
  return { 'connector.class': definition.type, ...definition };
}

type ConnectState = ConnectorStatus['state'] | 'RESTARTING';

/**
 * Connect's `connector` and `tasks` of a status: task 0 is the one task the hub runs (none while STOPPED). Their
 * `worker_id` is the instance's name (host:port by default, as Connect's), its worker id in a status an older hub wrote.
 */
export function connectStatusView(status: ConnectorStatus, restarting = false) {
  const state: ConnectState = restarting ? 'RESTARTING' : status.state;
  const trace = status.state === 'FAILED' && status.trace ? { trace: status.trace } : {};
  const worker = status.instance ?? status.workerId;
  return {
    connector: { state, worker_id: worker, ...trace },
    tasks: status.state === 'STOPPED' ? [] : [{ id: 0, state, worker_id: worker, ...trace }],
  };
}

const connectStateSchema = z.enum(['RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'UNASSIGNED', 'RESTARTING']);
export const connectTaskStateSchema = z
  .object({
    id: z.number().int().describe('The task: 0, the one task each connector runs.'),
    state: connectStateSchema,
    worker_id: z.string().nullable().describe('The hub instance that runs it.'),
    trace: z.string().optional().describe('Why it failed, when FAILED.'),
  })
  .meta({ id: 'ConnectTaskState' });
export const connectStatusFields = {
  connector: z
    .object({
      state: connectStateSchema,
      worker_id: z.string().nullable(),
      trace: z.string().optional(),
    })
    .optional()
    .describe("Kafka Connect's view of the state: the connector's (`state` and `instance` again)."),
  tasks: z
    .array(connectTaskStateSchema)
    .optional()
    .describe("Kafka Connect's view: its one task, id 0, in the connector's state; none while STOPPED."),
};

/** Connect's `ConnectorInfo`: name, config, tasks and type (`source` or `sink`). */
export const connectInfoSchema = z
  .object({
    name: z.string(),
    config: z.record(z.string(), z.json()).describe('The definition, with `connector.class` (its type).'),
    tasks: z.array(z.object({ connector: z.string(), task: z.number().int() })),
    type: z.enum(['source', 'sink']),
  })
  .meta({ id: 'ConnectorInfo' });

export function connectInfo(definition: ConnectorDefinition, kind: 'source' | 'sink') {
  return {
    name: definition.name,
    config: connectConfig(definition),
    tasks: definition.state === 'STOPPED' ? [] : [{ connector: definition.name, task: 0 }],
    type: kind,
  };
}

/** Connect's `ConfigKeyInfo` of one option. */
export const configKeySchema = z
  .object({
    name: z.string(),
    type: z
      .string()
      .describe("Connect's type: STRING, INT, DOUBLE, BOOLEAN, LIST; an object or a choice is STRING."),
    required: z.boolean(),
    default_value: z.string().nullable(),
    importance: z.enum(['HIGH', 'MEDIUM', 'LOW']),
    documentation: z.string(),
    group: z.string().describe("`Common` (the definition's own fields) or the connector type."),
    width: z.string(),
    display_name: z.string(),
    dependents: z.array(z.string()),
    order_in_group: z.number().int(),
  })
  .meta({ id: 'ConfigKeyInfo' });
type ConfigKey = z.infer<typeof configKeySchema>;

function connectType(schema: JsonSchema): string {
  const types = typesOf(schema);
  if (types.includes('integer')) return 'INT';
  if (types.includes('number')) return 'DOUBLE';
  if (types.includes('boolean')) return 'BOOLEAN';
  if (types.includes('array')) return 'LIST';
  return 'STRING';
}

function keysOf(schema: JsonSchema, group: string, importance: ConfigKey['importance']): ConfigKey[] {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, prop], i) => ({
    name,
    type: connectType(prop),
    required: required.has(name),
    default_value:
      prop.default === undefined
        ? null
        : typeof prop.default === 'string'
          ? prop.default
          : JSON.stringify(prop.default),
    importance: required.has(name) ? 'HIGH' : importance,
    documentation: typeof prop.description === 'string' ? prop.description : '',
    group,
    width: 'NONE',
    display_name: name,
    dependents: [],
    order_in_group: i + 1,
  }));
}

/** A connector type's options as Connect's config keys: the definition's common fields, then the type's own. */
export function configKeys(plugin: ConnectorPlugin): ConfigKey[] {
  const common = keysOf(
    z.toJSONSchema(connectorDefinition.omit({ config: true }), {
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema,
    'Common',
    'MEDIUM',
  ).filter((key) => key.name !== 'type');
  return [
    ...common,
    {
      ...common[0]!,
      name: 'connector.class',
      type: 'STRING',
      required: true,
      importance: 'HIGH',
      default_value: null,
      documentation: `The connector type (the hub's \`type\`): ${plugin.type}.`,
      display_name: 'connector.class',
      order_in_group: 0,
    },
    ...keysOf(pluginSchema(plugin), plugin.type, 'LOW'),
  ];
}

/**
 * The topics a connector uses (KIP-558's active topics, here from its definition): a sink's topics, a source's
 * output topics (its `outputTopics`, else the canonical topic of each mapping it maps with).
 */
export function connectorTopics(runtime: ConnectorRuntime, name: string): string[] | undefined {
  const definition = runtime.definition(name);
  if (!definition) return undefined;
  const sink = runtime.sinkInput(name);
  if (sink) return sink.topics;
  if (definition.outputTopics) return [...new Set(Object.values(definition.outputTopics))].sort();
  const plugin = runtime.plugins.get(definition.type);
  const baseDir = runtime.deployedFrom(name);
  const refs = [
    definition.mapping ?? plugin?.defaults?.mapping,
    ...Object.values(definition.mappingsBySender ?? {}),
  ];
  const topics = new Set<string>();
  for (const ref of refs) {
    try {
      if (ref) topics.add(findMapping(ref, baseDir).schema.topic);
    } catch {
      // A mapping gone since deployment: the connector fails at its start and says so; here it is only not listed.
    }
  }
  const format = definition.format ?? plugin?.defaults?.format;
  if (topics.size === 0 && format) {
    try {
      topics.add(inboundMapping(format).schema.topic);
    } catch {
      // No one shipped mapping for the format: the definition names its own, or the connector is refused at start.
    }
  }
  return [...topics].sort();
}

/**
 * Connect's `configs` of a validation: each config key of the type with the value given and the errors of its field
 * (`config.dir` is the key `dir`); an error of a field with no key (an unknown one) gets an entry of its own.
 */
export function connectValidation(
  plugin: ConnectorPlugin,
  definition: Json,
  errors: ReadonlyArray<{ field: string; message: string }>,
) {
  const keys = configKeys(plugin);
  const common = new Set(keys.filter((k) => k.group === 'Common').map((k) => k.name));
  const fieldOf = (key: string) =>
    key === 'connector.class' ? 'type' : common.has(key) ? key : `config.${key}`;
  const under = (field: string, path: string) =>
    field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
  // Literal secrets shown `[redacted]`, as GET /connectors/{name} shows them; a config that is no object (a string)
  // has no options, not String.prototype's (`split`).
  const shown = redactConfig(definition) as Json;
  const own = (isObject(shown.config) ? shown.config : {}) as Json;
  const given = (key: string) => {
    const from = key === 'connector.class' || common.has(key) ? shown : own;
    const value = key === 'connector.class' ? shown.type : Object.hasOwn(from, key) ? from[key] : undefined;
    if (value === undefined || value === null) return null;
    return typeof value === 'string' ? value : JSON.stringify(value);
  };
  const placed = new Set<number>();
  const entry = (key: ConfigKey, value: string | null, messages: string[]) => ({
    definition: key,
    value: { name: key.name, value, recommended_values: [], errors: messages, visible: true },
  });
  const configs = keys.map((key) => {
    const messages: string[] = [];
    for (const [i, e] of errors.entries()) {
      if (!under(e.field, fieldOf(key.name))) continue;
      placed.add(i);
      messages.push(e.message);
    }
    return entry(key, given(key.name), messages);
  });
  for (const [i, e] of errors.entries()) {
    if (placed.has(i)) continue;
    const name = e.field.startsWith('config.') ? e.field.slice('config.'.length) : e.field || 'connector';
    configs.push(
      entry(
        {
          ...keys[0]!,
          name,
          type: 'STRING',
          required: false,
          default_value: null,
          documentation: '',
          group: plugin.type,
          display_name: name,
          order_in_group: 0,
        },
        null,
        [e.message],
      ),
    );
  }
  return { error_count: errors.length, groups: ['Common', plugin.type], configs };
}

type OffsetEntry = { partition: unknown; offset: unknown };
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A sink's offset with KIP-875's keys beside the hub's (`kafka_topic`, `kafka_partition`, `kafka_offset`). */
export function withConnectOffsetKeys(entry: OffsetEntry): OffsetEntry {
  const { partition, offset } = entry;
  if (!isObject(partition) || typeof partition.topic !== 'string') return entry;
  return {
    partition: { ...partition, kafka_topic: partition.topic, kafka_partition: partition.partition },
    offset: isObject(offset) ? { ...offset, kafka_offset: offset.offset } : offset,
  };
}

/** A sink offset written with KIP-875's keys (or both, as GET answers) as the hub's `{topic, partition}` → `{offset}`. */
export function fromConnectOffsetKeys(entry: OffsetEntry): OffsetEntry {
  const { partition, offset } = entry;
  if (!isObject(partition) || !('kafka_topic' in partition || 'kafka_partition' in partition)) return entry;
  const { kafka_topic: topic, kafka_partition: number, ...rest } = partition;
  const hubOffset =
    isObject(offset) && 'kafka_offset' in offset
      ? (({ kafka_offset: value, ...others }) => ({ ...others, offset: value }))(offset)
      : offset;
  return { partition: { ...rest, topic, partition: number }, offset: hubOffset };
}
