import { OdooFault, validationError, valueError } from './errors.ts';
import { displayNameOf, type FieldDef, MODELS, type ModelDef, modelForVersion } from './models.ts';
import type { OdooRecord, OdooState } from './state.ts';

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The model as the database's server `version` has it (default the simulated 17.0). */
export function modelDef(model: string, version = '17.0'): ModelDef {
  const def = MODELS[model];
  // Odoo looks the model up in the registry: an unknown name is a KeyError.
  if (!def) throw new OdooFault('builtins.KeyError', `'${model}'`);
  return modelForVersion(def, version);
}

/** The raw value of a field: computed, derived (one2many ids, display_name) or stored. */
export function rawValue(state: OdooState, def: ModelDef, record: OdooRecord, name: string): unknown {
  const field = def.fields[name];
  if (!field) return undefined;
  if (name === 'display_name') return def.displayName(record, state);
  if (field.compute) return field.compute(record, state);
  if (field.type === 'one2many' && field.relation && field.inverse) {
    const inverse = field.inverse;
    return Object.values(state.records[field.relation] ?? {})
      .filter((other) => other[inverse] === record.id && !(field.activeOnly && other.active === false))
      .map((other) => other.id)
      .sort((a, b) => a - b);
  }
  const value = record[name];
  if (value === undefined || value === null) return field.type === 'many2many' ? [] : defaultEmpty(field);
  return value;
}

function defaultEmpty(field: FieldDef): unknown {
  if (field.type === 'integer' || field.type === 'float' || field.type === 'monetary') return 0;
  return false;
}

/** A field value as read/search_read answer it: many2one as `[id, "display name"]` or false. */
export function readValue(state: OdooState, def: ModelDef, record: OdooRecord, name: string): unknown {
  const value = rawValue(state, def, record, name);
  const field = def.fields[name];
  if (field?.type === 'many2one') {
    return typeof value === 'number' && field.relation
      ? [value, displayNameOf(state, field.relation, value)]
      : false;
  }
  return value;
}

function fieldLabel(def: ModelDef, name: string): string {
  return `${def.fields[name]?.string ?? name} (${name})`;
}

/** Converts a create/write value to what is stored; wrong values fail as Odoo fails on them. */
export function storedValue(state: OdooState, def: ModelDef, name: string, value: unknown): unknown {
  const field = def.fields[name] as FieldDef;
  if (value === false || value === null) return false;
  switch (field.type) {
    case 'char':
    case 'text':
      return String(value);
    case 'boolean':
      return Boolean(value);
    case 'integer':
    case 'float':
    case 'monetary': {
      const number = Number(value);
      if (typeof value === 'object' || Number.isNaN(number)) {
        throw valueError(`could not convert string to float: '${String(value)}'`);
      }
      return field.type === 'integer' ? Math.trunc(number) : number;
    }
    case 'date':
      if (typeof value !== 'string' || !DATE.test(value)) {
        throw valueError(`time data '${String(value)}' does not match format '%Y-%m-%d'`);
      }
      return value;
    case 'datetime': {
      const text = typeof value === 'string' && DATE.test(value) ? `${value} 00:00:00` : value;
      if (typeof text !== 'string' || !DATETIME.test(text)) {
        throw valueError(`time data '${String(value)}' does not match format '%Y-%m-%d %H:%M:%S'`);
      }
      return text;
    }
    case 'selection': {
      const allowed = (field.selection ?? []).map(([key]) => key);
      if (!allowed.includes(String(value))) {
        throw valueError(`Wrong value for ${def.name}.${name}: '${String(value)}'`);
      }
      return String(value);
    }
    case 'many2one': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw valueError(`Wrong value for ${def.name}.${name}: ${JSON.stringify(value)}`);
      }
      if (!state.records[field.relation ?? '']?.[String(value)]) {
        throw validationError(
          `The operation cannot be completed: the referenced record does not exist.\n\nModel: ${def.description} (${def.name})\nField: ${fieldLabel(def, name)}`,
        );
      }
      return value;
    }
    default:
      throw valueError(`Wrong value for ${def.name}.${name}: ${JSON.stringify(value)}`);
  }
}
