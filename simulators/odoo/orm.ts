import { matchesDomain, mentionsActive, parseDomain } from './domain.ts';
import { OdooFault, valueError } from './errors.ts';
import type { ModelDef } from './models.ts';
import { parseOrder, sortRecords } from './order.ts';
import { createRecord, findRecord, unlinkRecord, type WriteContext, writeRecord } from './records.ts';
import type { OdooRecord } from './state.ts';
import { modelDef, readValue } from './values.ts';

/**
 * Positional parameter names per method, so args and kwargs bind as Python binds them; `ids` stands for the records a
 * record method runs on (the first positional argument of execute_kw, the `ids` of a JSON-2 body).
 */
export const SIGNATURES: Record<string, string[]> = {
  search_read: ['domain', 'fields', 'offset', 'limit', 'order'],
  search: ['domain', 'offset', 'limit', 'order'],
  search_count: ['domain', 'limit'],
  read: ['ids', 'fields'],
  create: ['vals_list'],
  write: ['ids', 'vals'],
  unlink: ['ids'],
  fields_get: ['allfields', 'attributes'],
  action_confirm: ['ids'],
  action_cancel: ['ids'],
  action_draft: ['ids'],
  // res.users only: the user's context, `uid` included (how a JSON-2 client learns whose API key it holds).
  context_get: [],
};

/** Methods decorated `@api.model` in Odoo (they run on no records): JSON-2 refuses `ids` for them (422). */
export const MODEL_METHODS = new Set([
  'search_read',
  'search',
  'search_count',
  'create',
  'fields_get',
  'context_get',
]);

/** Parameters without a default in Odoo's signatures (a call without one is a TypeError). */
export const REQUIRED: Record<string, string[]> = {
  search: ['domain'],
  search_count: ['domain'],
  create: ['vals_list'],
  write: ['vals'],
};

/** Methods only some models have: the others answer that the method does not exist. */
const OWN_METHODS: Record<string, string> = {
  action_confirm: 'sale.order',
  action_cancel: 'sale.order',
  action_draft: 'sale.order',
  context_get: 'res.users',
};

/** Whether `model` has the public method `method` (as Odoo's get_public_method finds it). */
export function hasMethod(model: string, method: string): boolean {
  if (!SIGNATURES[method]) return false;
  const owner = OWN_METHODS[method];
  return owner === undefined || owner === model;
}

function bind(method: string, args: unknown, kwargs: unknown): Record<string, unknown> {
  const names = SIGNATURES[method]!;
  const list = Array.isArray(args) ? args : [];
  if (list.length > names.length) {
    throw new OdooFault(
      'builtins.TypeError',
      `${method}() takes ${names.length + 1} positional arguments but ${list.length + 1} were given`,
    );
  }
  const bound: Record<string, unknown> = {};
  list.forEach((value, index) => {
    bound[names[index]!] = value;
  });
  for (const [name, value] of Object.entries((kwargs ?? {}) as Record<string, unknown>)) {
    if (name === 'context') continue;
    if (!names.includes(name))
      throw new OdooFault('builtins.TypeError', `${method}() got an unexpected keyword argument '${name}'`);
    if (name in bound)
      throw new OdooFault('builtins.TypeError', `${method}() got multiple values for argument '${name}'`);
    bound[name] = value;
  }
  return bound;
}

function idList(value: unknown): number[] {
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || !list.every((id) => Number.isInteger(id)))
    throw valueError(`Invalid ids: ${JSON.stringify(value)}`);
  return list as number[];
}

function fieldNames(def: ModelDef, fields: unknown): string[] {
  if (
    fields === undefined ||
    fields === null ||
    fields === false ||
    (Array.isArray(fields) && fields.length === 0)
  ) {
    return Object.keys(def.fields);
  }
  if (!Array.isArray(fields))
    throw valueError(`fields must be a list of field names, got ${JSON.stringify(fields)}`);
  for (const name of fields) {
    if (typeof name !== 'string' || !def.fields[name])
      throw valueError(`Invalid field '${String(name)}' on model '${def.name}'`);
  }
  return ['id', ...fields.filter((name) => name !== 'id')];
}

function nonNegative(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0)
    throw valueError(`${name} must be a non-negative integer`);
  return value as number;
}

function search(
  ctx: WriteContext,
  def: ModelDef,
  p: Record<string, unknown>,
  context: Record<string, unknown>,
): OdooRecord[] {
  const node = parseDomain(def, p.domain ?? []);
  // Archived records stay hidden unless the domain names `active` or the context turns active_test off.
  const hideArchived = 'active' in def.fields && !mentionsActive(p.domain) && context.active_test !== false;
  const hits = Object.values(ctx.state.records[def.name] ?? {}).filter(
    (record) => (!hideArchived || record.active !== false) && matchesDomain(ctx.state, def, record, node),
  );
  const sorted = sortRecords(ctx.state, def, hits, parseOrder(def, p.order));
  const offset = nonNegative(p.offset, 'offset') ?? 0;
  const limit = nonNegative(p.limit, 'limit');
  return sorted.slice(offset, limit === undefined ? undefined : offset + limit);
}

function read(
  ctx: WriteContext,
  def: ModelDef,
  records: OdooRecord[],
  fields: unknown,
): Array<Record<string, unknown>> {
  const names = fieldNames(def, fields);
  return records.map((record) =>
    Object.fromEntries(names.map((name) => [name, readValue(ctx.state, def, record, name)])),
  );
}

function setOrderState(
  ctx: WriteContext,
  def: ModelDef,
  ids: number[],
  from: string[],
  to: string,
  message: string,
): boolean {
  if (def.name !== 'sale.order')
    throw new OdooFault(
      'builtins.AttributeError',
      `The method '${to}' does not exist on the model '${def.name}'`,
    );
  const records = ids.map((id) => findRecord(ctx, def, id));
  if (records.some((record) => !from.includes(String(record.state))))
    throw new OdooFault('odoo.exceptions.UserError', message);
  for (const record of records) writeRecord(ctx, def, record.id, { state: to });
  return true;
}

/** `execute_kw(db, uid, password, model, method, args, kwargs)` once authenticated. */
export function executeKw(
  ctx: WriteContext,
  model: string,
  method: string,
  args: unknown,
  kwargs: unknown,
): unknown {
  const def = modelDef(model, ctx.state.serverVersion);
  if (method.startsWith('_')) {
    throw new OdooFault(
      'odoo.exceptions.AccessError',
      `Private methods (such as '${method}') cannot be called remotely.`,
    );
  }
  if (!hasMethod(model, method))
    throw new OdooFault(
      'builtins.AttributeError',
      `The method '${method}' does not exist on the model '${model}'`,
    );
  const p = bind(method, args, kwargs);
  const context = ((kwargs as { context?: unknown } | undefined)?.context ?? {}) as Record<string, unknown>;
  switch (method) {
    case 'search_read':
      return read(ctx, def, search(ctx, def, p, context), p.fields);
    case 'search':
      return search(ctx, def, p, context).map((record) => record.id);
    case 'search_count':
      return search(ctx, def, { domain: p.domain, limit: p.limit }, context).length;
    case 'read': {
      const ids = idList(p.ids);
      const missing = ids.filter((id) => !ctx.state.records[model]?.[String(id)]);
      if (missing.length > 0) {
        throw new OdooFault(
          'odoo.exceptions.MissingError',
          `Record does not exist or has been deleted.\n(Record: ${model}(${missing.join(', ')},), User: ${ctx.uid})`,
        );
      }
      return read(
        ctx,
        def,
        ids.map((id) => findRecord(ctx, def, id)),
        p.fields,
      );
    }
    case 'create': {
      // A list of dicts creates several records and answers their ids; a dict answers one id.
      if (Array.isArray(p.vals_list)) return p.vals_list.map((values) => createRecord(ctx, def, values));
      return createRecord(ctx, def, p.vals_list);
    }
    case 'write':
      for (const id of idList(p.ids)) writeRecord(ctx, def, id, p.vals);
      return true;
    case 'unlink':
      for (const id of idList(p.ids)) unlinkRecord(ctx, def, id);
      return true;
    case 'fields_get':
      return Object.fromEntries(
        Object.entries(def.fields).map(([name, field]) => [
          name,
          {
            type: field.type,
            string: field.string,
            required: Boolean(field.required),
            readonly: Boolean(field.readonly || field.compute),
            ...(field.relation ? { relation: field.relation } : {}),
            ...(field.selection ? { selection: field.selection } : {}),
          },
        ]),
      );
    case 'context_get':
      return { lang: 'en_US', tz: 'Europe/Brussels', uid: ctx.uid };
    case 'action_confirm':
      return setOrderState(
        ctx,
        def,
        idList(p.ids),
        ['draft', 'sent'],
        'sale',
        'Some orders are not in a state requiring confirmation.',
      );
    case 'action_cancel':
      return setOrderState(
        ctx,
        def,
        idList(p.ids),
        ['draft', 'sent', 'sale'],
        'cancel',
        'You cannot cancel a locked order. Please unlock it first.',
      );
    default:
      return setOrderState(
        ctx,
        def,
        idList(p.ids),
        ['cancel'],
        'draft',
        'Only cancelled orders can be set back to quotation.',
      );
  }
}
