import { OdooFault, validationError, valueError } from './errors.ts';
import type { ModelDef } from './models.ts';
import { MODELS } from './models.ts';
import { nextId, type OdooRecord, type OdooState, odooDateTime } from './state.ts';
import { readValue, storedValue } from './values.ts';

/** One applied change, for the effects ledger. */
export interface AppliedChange {
  model: string;
  id: number;
  operation: 'create' | 'write' | 'unlink';
}

export interface WriteContext {
  state: OdooState;
  uid: number;
  changes: AppliedChange[];
}

function stamp(record: OdooRecord, uid: number, creating: boolean): void {
  const now = odooDateTime(new Date());
  if (creating) {
    record.create_date = now;
    record.create_uid = uid;
  }
  record.write_date = now;
  record.write_uid = uid;
}

/** Defaults a fresh record gets, as the real models compute them. */
function defaults(
  ctx: WriteContext,
  def: ModelDef,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const { state } = ctx;
  switch (def.name) {
    case 'res.partner':
      return {
        active: true,
        is_company: false,
        type: 'contact',
        lang: 'en_US',
        customer_rank: 0,
        supplier_rank: 0,
        parent_id: false,
      };
    case 'sale.order': {
      const partner = typeof values.partner_id === 'number' ? values.partner_id : false;
      return {
        state: 'draft',
        date_order: odooDateTime(new Date()),
        currency_id: 1,
        partner_invoice_id: partner,
        partner_shipping_id: partner,
      };
    }
    case 'sale.order.line': {
      const product =
        typeof values.product_id === 'number'
          ? state.records['product.product']?.[String(values.product_id)]
          : undefined;
      return {
        sequence: 10,
        product_uom_qty: 1,
        discount: 0,
        name: product ? String(product.name) : false,
        price_unit: product ? Number(product.list_price ?? 0) : 0,
        product_uom: product?.uom_id ?? 1,
      };
    }
    default:
      return { active: true };
  }
}

function checkWritable(def: ModelDef, operation: string): void {
  if (!def.writable) {
    throw new OdooFault(
      'odoo.exceptions.AccessError',
      `You are not allowed to ${operation} '${def.description}' (${def.name}) records.`,
    );
  }
}

/** Splits values into stored fields and one2many commands; unknown fields fail, computed ones are ignored. */
function splitValues(
  def: ModelDef,
  values: unknown,
): { plain: Record<string, unknown>; x2many: Record<string, unknown> } {
  if (!values || typeof values !== 'object' || Array.isArray(values)) {
    throw valueError(`${def.name}: values must be a dictionary, got ${JSON.stringify(values)}`);
  }
  const plain: Record<string, unknown> = {};
  const x2many: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const field = def.fields[name];
    if (!field) throw valueError(`Invalid field '${name}' on model '${def.name}'`);
    if (field.readonly || field.compute) {
      if (name === 'company_type') plain.is_company = value === 'company';
      continue;
    }
    if (field.type === 'one2many') x2many[name] = value;
    else plain[name] = value;
  }
  return { plain, x2many };
}

function checkRequired(def: ModelDef, record: OdooRecord): void {
  for (const [name, field] of Object.entries(def.fields)) {
    if (field.required && (record[name] === false || record[name] === undefined)) {
      throw validationError(
        `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${def.description} (${def.name})\nField: ${field.string} (${name})`,
      );
    }
  }
  if (def.name === 'res.partner' && record.type === 'contact' && !record.name) {
    throw validationError('Contacts require a name');
  }
}

/** The stored totals of an order, which Odoo recomputes when its lines change. */
const TOTALS = ['amount_untaxed', 'amount_tax', 'amount_total'];
function orderTotals(ctx: WriteContext, order: OdooRecord): string {
  const def = MODELS['sale.order']!;
  return JSON.stringify(TOTALS.map((name) => readValue(ctx.state, def, order, name)));
}

/**
 * Before a change to sale.order.line `line` (or several states of it: moved to another order), the totals of the
 * orders it belongs to; `stampRecomputed` then stamps those whose totals the change altered. As Odoo: a line written
 * alone (sale.order.line.write through the API, an import, a module) stamps the line only; the order's write_date
 * and write_uid move only when its stored totals are recomputed to another value (the ORM's flush of computed fields
 * sets them, `_write_multi`), e.g. a new quantity or price, not a new description. An order written with its lines
 * (the web client's save: `order_line` commands) is stamped by its own write.
 */
function totalsBefore(ctx: WriteContext, def: ModelDef, ...lines: OdooRecord[]): Map<OdooRecord, string> {
  const before = new Map<OdooRecord, string>();
  if (def.name !== 'sale.order.line') return before;
  for (const line of lines) {
    const order =
      typeof line.order_id === 'number'
        ? ctx.state.records['sale.order']?.[String(line.order_id)]
        : undefined;
    if (order && !before.has(order)) before.set(order, orderTotals(ctx, order));
  }
  return before;
}

function stampRecomputed(ctx: WriteContext, before: Map<OdooRecord, string>): void {
  for (const [order, totals] of before) {
    const stillThere = ctx.state.records['sale.order']?.[String(order.id)] === order;
    if (stillThere && orderTotals(ctx, order) !== totals) stamp(order, ctx.uid, false);
  }
}

export function createRecord(ctx: WriteContext, def: ModelDef, values: unknown): number {
  checkWritable(def, 'create');
  const { plain, x2many } = splitValues(def, values);
  const id = nextId(ctx.state, def.name);
  const record: OdooRecord = { id };
  for (const [name, value] of Object.entries(plain)) record[name] = storedValue(ctx.state, def, name, value);
  for (const [name, value] of Object.entries(defaults(ctx, def, record))) {
    if (record[name] === undefined) record[name] = value;
  }
  if (def.name === 'sale.order' && (!record.name || record.name === 'New')) {
    ctx.state.orderSequence++;
    record.name = `S${String(ctx.state.orderSequence).padStart(5, '0')}`;
  }
  checkRequired(def, record);
  stamp(record, ctx.uid, true);
  const before = totalsBefore(ctx, def, record);
  const table = ctx.state.records[def.name] ?? {};
  ctx.state.records[def.name] = table;
  table[String(id)] = record;
  ctx.changes.push({ model: def.name, id, operation: 'create' });
  stampRecomputed(ctx, before);
  for (const [name, commands] of Object.entries(x2many)) applyCommands(ctx, def, record, name, commands);
  return id;
}

export function findRecord(ctx: WriteContext, def: ModelDef, id: number): OdooRecord {
  const record = ctx.state.records[def.name]?.[String(id)];
  if (!record)
    throw new OdooFault(
      'odoo.exceptions.MissingError',
      `Record does not exist or has been deleted.\n(Record: ${def.name}(${id},), User: ${ctx.uid})`,
    );
  return record;
}

export function writeRecord(ctx: WriteContext, def: ModelDef, id: number, values: unknown): void {
  checkWritable(def, 'modify');
  const record = findRecord(ctx, def, id);
  const locked = `${def.name}/${id}`;
  if (ctx.state.locks?.[locked]) {
    // Another transaction updates the row: PostgreSQL refuses ours, and Odoo's `retrying` gave up (5 tries).
    ctx.state.locks[locked] -= 1;
    throw new OdooFault(
      'psycopg2.errors.SerializationFailure',
      'could not serialize access due to concurrent update',
    );
  }
  const { plain, x2many } = splitValues(def, values);
  const updated: OdooRecord = { ...record };
  for (const [name, value] of Object.entries(plain)) updated[name] = storedValue(ctx.state, def, name, value);
  checkRequired(def, updated);
  const before = totalsBefore(ctx, def, record, updated);
  Object.assign(record, updated);
  stamp(record, ctx.uid, false);
  ctx.changes.push({ model: def.name, id, operation: 'write' });
  stampRecomputed(ctx, before);
  for (const [name, commands] of Object.entries(x2many)) applyCommands(ctx, def, record, name, commands);
}

export function unlinkRecord(ctx: WriteContext, def: ModelDef, id: number): void {
  checkWritable(def, 'delete');
  const record = findRecord(ctx, def, id);
  if (def.name === 'sale.order' && record.state !== 'draft' && record.state !== 'cancel') {
    throw new OdooFault(
      'odoo.exceptions.UserError',
      'You can not delete a sent quotation or a confirmed sales order. You must first cancel it.',
    );
  }
  // Records pointing here through a required many2one block the delete, as the foreign key does.
  for (const other of Object.values(MODELS)) {
    for (const [name, field] of Object.entries(other.fields)) {
      if (field.type !== 'many2one' || field.relation !== def.name || field.compute || field.readonly)
        continue;
      const referencing = Object.values(ctx.state.records[other.name] ?? {}).filter((r) => r[name] === id);
      if (referencing.length === 0) continue;
      if (def.name === 'sale.order' && other.name === 'sale.order.line') continue;
      if (field.required || other.name === 'sale.order') {
        throw validationError(
          `The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: ${other.description} (${other.name}), Constraint: ${other.name.replace(/\./g, '_')}_${name}_fkey`,
        );
      }
      for (const r of referencing) r[name] = false;
    }
  }
  const before = totalsBefore(ctx, def, record);
  if (def.name === 'sale.order') {
    for (const line of Object.values(ctx.state.records['sale.order.line'] ?? {})) {
      if (line.order_id === id) delete ctx.state.records['sale.order.line']?.[String(line.id)];
    }
  }
  delete ctx.state.records[def.name]?.[String(id)];
  ctx.changes.push({ model: def.name, id, operation: 'unlink' });
  stampRecomputed(ctx, before);
}

/** Odoo's x2many commands: (0,0,vals) create, (1,id,vals) update, (2,id) delete, (3,id) unlink, (4,id) link, (5) clear, (6,0,ids) replace. */
function applyCommands(
  ctx: WriteContext,
  def: ModelDef,
  record: OdooRecord,
  name: string,
  commands: unknown,
): void {
  const field = def.fields[name]!;
  const target = MODELS[field.relation ?? '']!;
  const inverse = field.inverse!;
  if (!Array.isArray(commands))
    throw valueError(`Wrong value for ${def.name}.${name}: ${JSON.stringify(commands)}`);
  const current = () =>
    Object.values(ctx.state.records[target.name] ?? {}).filter((r) => r[inverse] === record.id);
  const detach = (other: OdooRecord) => {
    if (target.fields[inverse]?.required) unlinkRecord(ctx, target, other.id);
    else writeRecord(ctx, target, other.id, { [inverse]: false });
  };
  for (const command of commands) {
    if (!Array.isArray(command))
      throw valueError(`Wrong value for ${def.name}.${name}: ${JSON.stringify(command)}`);
    const [code, id, values] = command as [number, number, unknown];
    if (code === 0) createRecord(ctx, target, { ...(values as object), [inverse]: record.id });
    else if (code === 1) writeRecord(ctx, target, id, values);
    else if (code === 2) unlinkRecord(ctx, target, id);
    else if (code === 3) detach(findRecord(ctx, target, id));
    else if (code === 4) writeRecord(ctx, target, id, { [inverse]: record.id });
    else if (code === 5) for (const other of current()) detach(other);
    else if (code === 6) {
      const keep = new Set((values as number[] | undefined) ?? []);
      for (const other of current()) if (!keep.has(other.id)) detach(other);
      for (const otherId of keep) writeRecord(ctx, target, otherId, { [inverse]: record.id });
    } else throw valueError(`Unknown command ${JSON.stringify(command)} for ${def.name}.${name}`);
  }
}
