import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks a real answer of the admin API against the OpenAPI document the hub serves: the route must declare the
 * status, and the body must match the status's JSON schema (JSON Schema 2020-12, ajv). Call it for every route in
 * integration tests:
 *
 *   const doc = await (await fetch(`${url}/openapi.json`)).json();
 *   const res = await fetch(`${url}/connectors`, { headers });
 *   assertConformsToOpenApi(doc, { method: 'get', path: '/connectors', status: res.status, body: await res.json() });
 */
export interface ObservedResponse {
  method: string;
  /** The path template as declared, e.g. `/connectors/{name}/pause`. */
  path: string;
  status: number;
  /** The parsed JSON body; `undefined` for an answer without one; the text of one of another media type. */
  body: unknown;
}

type Document = {
  paths?: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  components?: { schemas?: Record<string, unknown> };
};
type ResponseObject = { description?: string; content?: Record<string, { schema?: unknown }> };

export class OpenApiMismatchError extends Error {}

// zod emits these formats with a `pattern` beside them, which ajv checks; ajv-formats does not know them.
const zodOnlyFormats = [
  'cuid',
  'cuid2',
  'ulid',
  'nanoid',
  'xid',
  'ksuid',
  'emoji',
  'jwt',
  'base64url',
  'e164',
];
const validators = new WeakMap<object, Map<string, ValidateFunction>>();

function compile(document: Document, key: string, schema: unknown): ValidateFunction {
  const cache = validators.get(document) ?? new Map<string, ValidateFunction>();
  validators.set(document, cache);
  const cached = cache.get(key);
  if (cached) return cached;
  // The response schema with the document's components as its $defs, so the refs resolve inside it.
  const local = (value: unknown) =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/$defs/'));
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  for (const format of zodOnlyFormats) ajv.addFormat(format, true);
  const validate = ajv.compile({ ...local(schema), $defs: local(document.components?.schemas ?? {}) });
  cache.set(key, validate);
  return validate;
}

function describe(errors: ErrorObject[]): string {
  return errors
    .map(
      (e) => `  ${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    )
    .join('\n');
}

/** Throws an OpenApiMismatchError listing every mismatch between the answer and the document. */
export function assertConformsToOpenApi(document: object, observed: ObservedResponse): void {
  const doc = document as Document;
  const method = observed.method.toLowerCase();
  const where = `${method.toUpperCase()} ${observed.path} ${observed.status}`;
  const operation = doc.paths?.[observed.path]?.[method];
  if (!operation) throw new OpenApiMismatchError(`${where}: the document declares no such route`);
  const declared = operation.responses?.[String(observed.status)];
  if (!declared) {
    const statuses = Object.keys(operation.responses ?? {}).join(', ');
    throw new OpenApiMismatchError(`${where}: status not declared (declared: ${statuses})`);
  }
  const content = declared.content ?? {};
  const schema = content['application/json']?.schema;
  if (schema === undefined) {
    // A body of another media type (`/metrics`: text/plain) arrives as its text.
    if (Object.keys(content).length > 0 && typeof observed.body === 'string') return;
    if (observed.body === undefined || observed.body === '') return;
    throw new OpenApiMismatchError(`${where}: the document declares no body, but one came`);
  }
  const validate = compile(doc, `${where}`, schema);
  if (!validate(observed.body)) {
    throw new OpenApiMismatchError(
      `${where}: the body does not match the document:\n${describe(validate.errors ?? [])}`,
    );
  }
}
