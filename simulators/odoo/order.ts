import { valueError } from './errors.ts';
import type { ModelDef } from './models.ts';
import type { OdooRecord, OdooState } from './state.ts';
import { readValue } from './values.ts';

interface OrderTerm {
  field: string;
  descending: boolean;
}

/** Parses `write_date asc, id asc`; unknown fields and directions fail as Odoo's ValueError does. */
export function parseOrder(def: ModelDef, order: unknown): OrderTerm[] {
  const text = typeof order === 'string' && order.trim() !== '' ? order : def.order;
  return text.split(',').map((part) => {
    const [field, direction = 'asc', ...rest] = part.trim().split(/\s+/);
    const fieldDef = def.fields[field ?? ''];
    const dir = direction.toLowerCase();
    if (
      !field ||
      !fieldDef ||
      fieldDef.type === 'one2many' ||
      rest.length > 0 ||
      (dir !== 'asc' && dir !== 'desc')
    ) {
      throw valueError(
        `Invalid "order" specified (${text}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`,
      );
    }
    return { field, descending: dir === 'desc' };
  });
}

function sortKey(value: unknown): string | number {
  if (Array.isArray(value)) return String(value[1] ?? '');
  if (typeof value === 'number') return value;
  if (value === false || value === null || value === undefined) return '';
  return String(value);
}

/** Sorts as PostgreSQL would (unset values last ascending, first descending); id asc breaks ties. */
export function sortRecords(
  state: OdooState,
  def: ModelDef,
  records: OdooRecord[],
  terms: OrderTerm[],
): OdooRecord[] {
  const all = terms.some((t) => t.field === 'id') ? terms : [...terms, { field: 'id', descending: false }];
  return [...records].sort((a, b) => {
    for (const term of all) {
      const av = sortKey(readValue(state, def, a, term.field));
      const bv = sortKey(readValue(state, def, b, term.field));
      if (av === bv) continue;
      if (av === '') return term.descending ? -1 : 1;
      if (bv === '') return term.descending ? 1 : -1;
      const order =
        typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv));
      if (order !== 0) return term.descending ? -order : order;
    }
    return 0;
  });
}
