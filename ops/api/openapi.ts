import { z } from 'zod';
import { errorBodySchema } from './errors.ts';
import { roles } from './roles.ts';
import type { AnyRouteSpec, OpenRouteSpec, RouteResponse } from './route.ts';

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & {
  openapi: '3.1.0';
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
};

const errorRef = { $ref: '#/components/schemas/Error' };
const securityScheme = 'bearerAuth';

/**
 * Turns zod schemas into JSON Schema 2020-12 (OpenAPI 3.1's dialect). Schemas named with `.meta({ id })` become
 * shared components; an id whose request form (io: input: defaults optional) differs from its response form is
 * kept twice, the request one as `<id>Input`.
 */
function createSchemaCollector() {
  const schemas: Record<string, JsonSchema> = {};
  const raw = new Map<string, string>();

  function place(preferred: string, def: unknown): string {
    const text = JSON.stringify(def);
    const candidates = [preferred, ...[2, 3, 4, 5].map((n) => `${preferred}${n}`)];
    const name = candidates.find((c) => raw.get(c) === undefined || raw.get(c) === text);
    if (!name) throw new Error(`schema id "${preferred}" names too many different schemas`);
    raw.set(name, text);
    return name;
  }

  function convert(schema: z.ZodType, io: 'input' | 'output') {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as JsonSchema;
    const { $schema: _, $defs, ...root } = json;
    return { root, defs: ($defs ?? {}) as Record<string, JsonSchema> };
  }

  function add(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const { root, defs } = convert(schema, io);
    // A request schema's component keeps its id when it reads the same as the response form.
    const outputDefs = io === 'input' ? convert(schema, 'output').defs : defs;
    const renames = new Map<string, string>();
    for (const [id, def] of Object.entries(defs)) {
      const same = JSON.stringify(def) === JSON.stringify(outputDefs[id]);
      renames.set(id, place(same ? id : `${id}Input`, def));
    }
    const rewrite = (value: unknown): JsonSchema =>
      JSON.parse(
        JSON.stringify(value).replace(
          /"#\/\$defs\/([^"]+)"/g,
          (_m, id: string) => `"#/components/schemas/${renames.get(id) ?? id}"`,
        ),
      );
    for (const [id, def] of Object.entries(defs)) schemas[renames.get(id)!] ??= rewrite(def);
    return rewrite(root);
  }

  /** The properties of an object schema (following a $ref to a component), for parameters. */
  function properties(schema: JsonSchema): { props: Record<string, JsonSchema>; required: string[] } {
    const ref =
      typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;
    const target = ref ? (schemas[ref] ?? {}) : schema;
    return {
      props: (target.properties ?? {}) as Record<string, JsonSchema>,
      required: (target.required ?? []) as string[],
    };
  }

  const { $schema: _, ...errorSchema } = z.toJSONSchema(errorBodySchema, { target: 'draft-2020-12' });
  schemas.Error = errorSchema;
  raw.set('Error', JSON.stringify(errorSchema));
  return { schemas, add, properties };
}

function operationId(route: Pick<AnyRouteSpec, 'method' | 'path'>): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}]/g, ''))
    .flatMap((part) => part.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [route.method, ...words].map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

function parameters(
  collect: ReturnType<typeof createSchemaCollector>,
  where: 'path' | 'query',
  schema: AnyRouteSpec['params'],
) {
  if (!schema) return [];
  const { props, required } = collect.properties(collect.add(schema, 'input'));
  return Object.entries(props).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    schema: prop,
  }));
}

function jsonContent(schema: unknown, contentType = 'application/json') {
  return { content: { [contentType]: { schema } } };
}

/** The answers the framework itself gives, added to each route's own. */
function frameworkResponses(route: AnyRouteSpec): Record<string, { description: string; headers?: unknown }> {
  const responses: Record<string, { description: string; headers?: unknown }> = {};
  if (route.params || route.query || route.body) {
    responses[400] = { description: 'Invalid request: `details` names each invalid field.' };
  }
  responses[401] = {
    description: 'No token, or an unknown one.',
    headers: { 'WWW-Authenticate': { description: 'Bearer challenge', schema: { type: 'string' } } },
  };
  if (route.role !== 'viewer') {
    const why = route.roleReason ? ` (${route.roleReason})` : '';
    responses[403] = { description: `The token's role is below ${route.role}${why}.` };
  }
  if (route.body) {
    responses[413] = { description: 'The body is larger than 1 MB.' };
    responses[415] = { description: 'The body is not application/json.' };
  }
  if (route.backend) {
    responses[503] = {
      description: `${route.backend.name} is unreachable (it refused or did not answer within ${route.backend.patienceMs / 1000} s): the answer says what to do.`,
    };
  }
  responses[500] = { description: 'Unexpected failure (logged on the hub; the answer says no more).' };
  return responses;
}

function response(
  collect: ReturnType<typeof createSchemaCollector>,
  status: number,
  declared: RouteResponse,
) {
  if (declared.schema)
    return {
      description: declared.description,
      ...jsonContent(collect.add(declared.schema, 'output'), declared.contentType),
    };
  if (status >= 400) return { description: declared.description, ...jsonContent(errorRef) };
  return { description: declared.description };
}

/** Who may call an open route, as the document says it: `[]` anyone, `[{}, bearer]` anyone and a token shows more. */
const openAccess: Record<OpenRouteSpec['access'], { security: unknown[]; note: string }> = {
  open: { security: [], note: 'Open: no token.' },
  'open-viewer-detail': {
    security: [{}, { [securityScheme]: [] }],
    note: 'Open: no token for the answer itself; its detail needs a token of role `viewer` (or operator, admin).',
  },
  connector: {
    security: [],
    note: "No admin token: the connector checks the sender's own credentials (its signature or bearer token setting).",
  },
};

/** The operation of a route the ops server serves itself (route.ts OpenRouteSpec). */
function openOperation(collect: ReturnType<typeof createSchemaCollector>, route: OpenRouteSpec) {
  const responses: Record<string, unknown> = {};
  for (const [status, declared] of Object.entries(route.responses)) {
    responses[status] = response(collect, Number(status), declared);
  }
  const access = openAccess[route.access];
  const params = parameters(collect, 'path', route.params);
  return {
    operationId: operationId(route),
    summary: route.summary,
    description: route.description ? `${route.description}\n\n${access.note}` : access.note,
    tags: [route.tag],
    'x-eai-access': route.access,
    security: access.security,
    ...(params.length ? { parameters: params } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            description: route.body.description,
            content: { [route.body.contentType]: { schema: {} } },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of the declared routes: every admin route needs a bearer token of at least its role; the
 * open routes (probes, metrics, the document, webhooks) say who may call them.
 */
export function buildOpenApi(
  info: { title: string; version: string },
  routes: AnyRouteSpec[],
  openRoutes: OpenRouteSpec[] = [],
): OpenApiDocument {
  const collect = createSchemaCollector();
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, declared] of Object.entries(route.responses)) {
      responses[status] = response(collect, Number(status), declared);
    }
    for (const [status, answer] of Object.entries(frameworkResponses(route))) {
      responses[status] ??= { ...answer, ...jsonContent(errorRef) };
    }
    const above = roles.slice(roles.indexOf(route.role) + 1);
    const roleNote = `Requires role \`${route.role}\`${above.length ? ` (or ${above.join(', ')})` : ''}.`;
    const params = [
      ...parameters(collect, 'path', route.params),
      ...parameters(collect, 'query', route.query),
    ];
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      operationId: operationId(route),
      summary: route.summary,
      description: route.description ? `${route.description}\n\n${roleNote}` : roleNote,
      tags: [route.tag],
      'x-eai-role': route.role,
      security: [{ [securityScheme]: [] }],
      ...(params.length ? { parameters: params } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              ...jsonContent(collect.add(route.documentedBody ?? route.body, 'input')),
            },
          }
        : {}),
      responses,
    };
  }
  for (const route of openRoutes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = openOperation(collect, route);
  }
  const tags = [...new Set([...routes, ...openRoutes].map((r) => r.tag))].sort().map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        "The hub's admin API. Every route needs `Authorization: Bearer <token>` with at least the role named in " +
        'its `x-eai-role` (viewer < operator < admin): no or an unknown token gets 401, too small a role 403. ' +
        'Errors always have the `Error` shape.',
    },
    tags,
    security: [{ [securityScheme]: [] }],
    paths,
    components: {
      schemas: collect.schemas,
      securitySchemes: {
        [securityScheme]: {
          type: 'http',
          scheme: 'bearer',
          description: 'An admin token; the hub stores only its SHA-256 (EAI_ADMIN_TOKENS).',
        },
      },
    },
  };
}
