import { z } from 'zod';
import { registryAuthEnvSchema } from '../bus/registry-auth.ts';
import { busEnvSchema } from '../bus/transport/compression.ts';
import { kafkaPrefixEnvSchema } from '../bus/transport/prefix.ts';
import { kafkaSecurityEnvSchema } from '../bus/transport/security.ts';
import { builtinPlugins, connectorDefinition } from '../connectors/index.ts';
import { readers, writers } from '../formats/index.ts';
import { mappingSchema } from '../mappings/engine/spec.ts';
import { loadMappings } from '../mappings/index.ts';
import { mdmConfigSchema } from '../masterdata/config.ts';
import { adminEnvSchema } from '../ops/api/index.ts';
import { instanceEnvSchema } from '../ops/instance-env.ts';
import { orchestratorEnvSchema } from '../ops/orchestrator-env.ts';
import { parkedRetrySchema } from '../orchestrator/index.ts';
import { stackEnvSchema } from '../stack/settings.ts';

/**
 * Tables in the docs rendered from code (zod schemas, the format registry, the mapping catalog), so docs and code
 * cannot drift. `npm run docs` rewrites each file between its `GENERATED:<name>` markers; docs.spec.ts fails when
 * a file is stale.
 */
function defaultOf(schema: unknown): string {
  const def = (schema as { def?: { defaultValue?: unknown } }).def;
  return def && 'defaultValue' in def && def.defaultValue !== undefined
    ? `\`${JSON.stringify(def.defaultValue)}\``
    : '';
}

export function renderEnvTable(): string {
  const rows = Object.entries({
    ...stackEnvSchema.shape,
    ...busEnvSchema.shape,
    ...kafkaPrefixEnvSchema.shape,
    ...kafkaSecurityEnvSchema.shape,
    ...registryAuthEnvSchema.shape,
    ...adminEnvSchema.shape,
    ...instanceEnvSchema.shape,
    ...orchestratorEnvSchema.shape,
  }).map(([name, schema]) => {
    const fallback = defaultOf(schema).replace(/^`"(.*)"`$/, '`$1`');
    return `| \`${name}\` | ${schema.description ?? ''} | ${fallback} |`;
  });
  return ['| variable | meaning | default |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Unwraps zod default/optional wrappers to reach an object's shape. */
function shapeOf(schema: unknown): Record<string, z.ZodType> | undefined {
  let current = schema as { shape?: Record<string, z.ZodType>; def?: { innerType?: unknown } };
  for (let i = 0; i < 4 && current; i++) {
    if (current.shape) return current.shape;
    current = current.def?.innerType as typeof current;
  }
  return undefined;
}

export function renderMappingFileTable(): string {
  const rows: string[] = [];
  // A key, then the keys of its object (`options.csv`, then `options.csv.delimiter`), but not the fields map's.
  const add = (name: string, schema: z.ZodType) => {
    const optional = (schema as { isOptional(): boolean }).isOptional();
    rows.push(
      `| \`${name}\` | ${optional ? 'no' : 'yes'} | ${cell(schema.description)} | ${cell(defaultOf(schema))} |`,
    );
    const nested = name === 'fields' ? undefined : shapeOf(schema);
    for (const [child, childSchema] of Object.entries(nested ?? {})) add(`${name}.${child}`, childSchema);
  };
  for (const [name, schema] of Object.entries(mappingSchema.shape)) add(name, schema);
  return ['| key | required | meaning | default |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderFormatTable(): string {
  const mappings = loadMappings();
  const rows = readers.map((r) => {
    // The format's default mapping first, then those used where a connector names them.
    const ordered = (list: typeof mappings) =>
      [...list].sort((a, b) => Number(a.spec.onlyByName) - Number(b.spec.onlyByName));
    const inbound = ordered(
      mappings.filter((m) => m.direction === 'to-canonical' && m.spec.input === r.name),
    );
    const outbound = writers.some((w) => w.name === r.name)
      ? ordered(mappings.filter((m) => m.direction === 'from-canonical' && m.spec.output === r.name))
      : [];
    const files = (list: typeof mappings) => list.map((m) => `\`${m.file}\``).join(', ');
    return `| \`${r.name}\` | ${r.family.toUpperCase()} | ${r.description} | ${files(inbound)} | ${files(outbound)} |`;
  });
  return [
    '| format | family | what it reads | to canonical | from canonical |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The formats the hub writes, with the from-canonical mappings that write them (the default first). */
export function renderWriterTable(): string {
  const mappings = loadMappings();
  const rows = writers.map((w) => {
    const outbound = mappings
      .filter((m) => m.direction === 'from-canonical' && m.spec.output === w.name)
      .sort((a, b) => Number(a.spec.onlyByName) - Number(b.spec.onlyByName))
      .map((m) => `\`${m.file}\`${m.spec.onlyByName ? ' (by name)' : ''}`);
    return `| \`${w.name}\` | ${w.family.toUpperCase()} | ${w.description} | \`${w.extension}\`, \`${w.mediaType}\` | ${outbound.join(', ')} |`;
  });
  return [
    '| format | family | what it writes | file, media type | from-canonical mappings |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
};

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).join(' | ');
  if (schema.type === 'array' && schema.items) return `${typeOf(schema.items)}[]`;
  return Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any');
}

const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One row per option, nested objects (and each variant of a union of objects) flattened with dotted names. */
function optionRows(schema: JsonSchema, prefix = ''): string[] {
  const rows: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, option] of Object.entries(schema.properties ?? {})) {
    const key = `${prefix}${name}`;
    const fallback = option.default === undefined ? '' : `\`${JSON.stringify(option.default)}\``;
    const variants = (option.anyOf ?? option.oneOf ?? []).filter((v) => v.properties);
    const nested = option.properties ? [option] : variants;
    rows.push(
      `| \`${key}\` | ${nested.length ? 'object' : cell(typeOf(option))} | ${required.has(name) && option.default === undefined ? 'yes' : 'no'} | ${cell(option.description)} | ${cell(fallback)} |`,
    );
    for (const variant of nested) rows.push(...optionRows(variant, `${key}.`));
    // A map of named entries (z.record: `sync.systems.<name>`): the options of each entry.
    const entry = option.additionalProperties;
    if (typeof entry === 'object' && entry.properties) rows.push(...optionRows(entry, `${key}.<name>.`));
  }
  return rows;
}

function optionTable(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return [
    '| option | type | required | meaning | default |',
    '| --- | --- | --- | --- | --- |',
    ...optionRows(json),
  ].join('\n');
}

export function renderConnectorFileTable(): string {
  return optionTable(connectorDefinition);
}

export function renderPluginTables(): string {
  return builtinPlugins
    .map((plugin) =>
      [
        `### \`${plugin.type}\` (${plugin.kind})`,
        '',
        plugin.description,
        '',
        optionTable(plugin.config),
      ].join('\n'),
    )
    .join('\n\n');
}

const sections: Record<string, Record<string, () => string>> = {
  'docs/connectors.md': { 'connector-file': renderConnectorFileTable, plugins: renderPluginTables },
  'README.md': { env: renderEnvTable },
  'docs/orchestrator.md': { 'parked-retry': () => optionTable(parkedRetrySchema) },
  'masterdata/README.md': { config: () => optionTable(mdmConfigSchema) },
  'docs/mappings.md': {
    'mapping-file': renderMappingFileTable,
    formats: renderFormatTable,
    writers: renderWriterTable,
  },
};

export function docFiles(): string[] {
  return Object.keys(sections);
}

/** The file's text with every generated section rendered afresh. */
export function renderDoc(file: string, text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(sections[file] ?? {})) {
    const begin = `<!-- GENERATED:${name} (npm run docs) -->`;
    const end = `<!-- /GENERATED:${name} -->`;
    const start = out.indexOf(begin);
    const stop = out.indexOf(end);
    if (start < 0 || stop < 0) throw new Error(`${file} lacks the ${begin} … ${end} markers`);
    out = `${out.slice(0, start + begin.length)}\n${render()}\n${out.slice(stop)}`;
  }
  return out;
}
