import { valueError } from './errors.ts';
import type { FieldDef, ModelDef } from './models.ts';
import { MODELS } from './models.ts';
import type { OdooRecord, OdooState } from './state.ts';
import { rawValue } from './values.ts';

export const OPERATORS = [
  '=',
  '!=',
  '<>',
  '>',
  '>=',
  '<',
  '<=',
  '=?',
  'like',
  'not like',
  'ilike',
  'not ilike',
  '=like',
  '=ilike',
  'in',
  'not in',
  'child_of',
  'parent_of',
] as const;

type Leaf = { kind: 'leaf'; path: string[]; operator: string; value: unknown; text: string };
type Node =
  | Leaf
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; node: Node }
  | { kind: 'true' };

const leafText = (item: unknown[]) => `(${item.map((v) => JSON.stringify(v)).join(', ')})`;

/**
 * Parses a domain in Odoo's prefix notation: `&`, `|` take two terms, `!` one, consecutive terms are
 * ANDed. Field paths may go through many2one and one2many fields (`partner_id.country_id.code`).
 */
export function parseDomain(def: ModelDef, domain: unknown): Node {
  if (domain === undefined || domain === null || domain === false) return { kind: 'true' };
  if (!Array.isArray(domain)) throw valueError(`Invalid domain: ${JSON.stringify(domain)}`);
  let position = 0;
  const term = (): Node => {
    if (position >= domain.length) {
      throw valueError(`Domain ${JSON.stringify(domain)} is syntactically not correct.`);
    }
    const item = domain[position++] as unknown;
    if (item === '&' || item === '|') {
      const left = term();
      const right = term();
      return { kind: item === '&' ? 'and' : 'or', left, right };
    }
    if (item === '!') return { kind: 'not', node: term() };
    return parseLeaf(def, item);
  };
  let node: Node = { kind: 'true' };
  let first = true;
  while (position < domain.length) {
    const next = term();
    node = first ? next : { kind: 'and', left: node, right: next };
    first = false;
  }
  return node;
}

function parseLeaf(def: ModelDef, item: unknown): Leaf | { kind: 'true' } {
  if (!Array.isArray(item) || item.length !== 3) throw valueError(`Invalid leaf ${JSON.stringify(item)}`);
  const [left, operator, value] = item as [unknown, unknown, unknown];
  // The constant leaves Odoo writes for "always true" and "always false".
  if (left === 1 && operator === '=' && value === 1) return { kind: 'true' };
  if (left === 0 && operator === '=' && value === 1) {
    return { kind: 'leaf', path: ['id'], operator: 'in', value: [], text: leafText(item) };
  }
  if (typeof left !== 'string' || typeof operator !== 'string')
    throw valueError(`Invalid leaf ${leafText(item)}`);
  if (!(OPERATORS as readonly string[]).includes(operator.toLowerCase())) {
    throw valueError(`Invalid leaf ${leafText(item)}: unknown operator ${operator}`);
  }
  const path = left.split('.');
  let current: ModelDef | undefined = def;
  for (const [index, name] of path.entries()) {
    const field: FieldDef | undefined = current?.fields[name];
    if (!current || !field)
      throw valueError(`Invalid field ${current?.name ?? def.name}.${name} in leaf ${leafText(item)}`);
    current = index < path.length - 1 ? MODELS[field.relation ?? ''] : current;
  }
  return { kind: 'leaf', path, operator: operator.toLowerCase(), value, text: leafText(item) };
}

/** The values a path reaches from a record (several through one2many fields). */
function valuesAt(state: OdooState, def: ModelDef, record: OdooRecord, path: string[]): unknown[] {
  const [name, ...rest] = path as [string, ...string[]];
  const value = rawValue(state, def, record, name);
  if (rest.length === 0) return [value];
  const field = def.fields[name];
  const target = MODELS[field?.relation ?? ''];
  if (!target) return [false];
  const ids = Array.isArray(value) ? value : typeof value === 'number' ? [value] : [];
  if (ids.length === 0) return [false];
  return ids.flatMap((id) => {
    const next = state.records[target.name]?.[String(id)];
    return next ? valuesAt(state, target, next, rest) : [false];
  });
}

const isUnset = (v: unknown) => v === false || v === null || v === undefined || v === '';

function likePattern(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = wrap ? `.*${escaped}.*` : escaped.replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, insensitive ? 'is' : 's');
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Value a many2one leaf compares: a string value is matched against the related record's name. */
function comparable(state: OdooState, def: ModelDef, leaf: Leaf, value: unknown): unknown {
  const field = leaf.path.length === 1 ? def.fields[leaf.path[0]!] : undefined;
  if (field?.type === 'many2one' && typeof value === 'number' && typeof leaf.value === 'string') {
    const related = MODELS[field.relation ?? ''];
    const record = state.records[field.relation ?? '']?.[String(value)];
    return related && record ? related.displayName(record, state) : false;
  }
  return value;
}

function matchValue(operator: string, stored: unknown, wanted: unknown): boolean {
  switch (operator) {
    case '=':
      return isUnset(wanted) ? isUnset(stored) : !isUnset(stored) && compare(stored, wanted) === 0;
    case '!=':
    case '<>':
      return isUnset(wanted) ? !isUnset(stored) : isUnset(stored) || compare(stored, wanted) !== 0;
    case '>':
      return !isUnset(stored) && compare(stored, wanted) > 0;
    case '>=':
      return !isUnset(stored) && compare(stored, wanted) >= 0;
    case '<':
      return !isUnset(stored) && compare(stored, wanted) < 0;
    case '<=':
      return !isUnset(stored) && compare(stored, wanted) <= 0;
    case 'like':
    case 'ilike':
      return !isUnset(stored) && likePattern(String(wanted), true, operator === 'ilike').test(String(stored));
    case 'not like':
    case 'not ilike':
      return (
        isUnset(stored) || !likePattern(String(wanted), true, operator === 'not ilike').test(String(stored))
      );
    case '=like':
    case '=ilike':
      return (
        !isUnset(stored) && likePattern(String(wanted), false, operator === '=ilike').test(String(stored))
      );
    case 'in':
    case 'not in': {
      const list = Array.isArray(wanted) ? wanted : [wanted];
      const found = list.some((item) =>
        isUnset(item) ? isUnset(stored) : !isUnset(stored) && compare(stored, item) === 0,
      );
      return operator === 'in' ? found : !found;
    }
    default:
      return false;
  }
}

function matchLeaf(state: OdooState, def: ModelDef, record: OdooRecord, leaf: Leaf): boolean {
  if (leaf.operator === '=?')
    return isUnset(leaf.value) || matchLeaf(state, def, record, { ...leaf, operator: '=' });
  if (leaf.operator === 'child_of' || leaf.operator === 'parent_of') {
    throw valueError(`Invalid leaf ${leaf.text}: ${leaf.operator} is not supported by this simulator`);
  }
  if (
    (leaf.operator === 'in' || leaf.operator === 'not in') &&
    !Array.isArray(leaf.value) &&
    !isUnset(leaf.value) &&
    typeof leaf.value === 'object'
  ) {
    throw valueError(`Invalid leaf ${leaf.text}`);
  }
  const values = valuesAt(state, def, record, leaf.path).flatMap((v) =>
    Array.isArray(v) ? (v.length ? v : [false]) : [v],
  );
  const negative = leaf.operator === '!=' || leaf.operator === '<>' || leaf.operator.startsWith('not');
  const test = (v: unknown) => matchValue(leaf.operator, comparable(state, def, leaf, v), leaf.value);
  // Through x2many paths a positive leaf holds when any value matches, a negative one when all do.
  return negative ? values.every(test) : values.some(test);
}

export function matchesDomain(state: OdooState, def: ModelDef, record: OdooRecord, node: Node): boolean {
  switch (node.kind) {
    case 'true':
      return true;
    case 'and':
      return matchesDomain(state, def, record, node.left) && matchesDomain(state, def, record, node.right);
    case 'or':
      return matchesDomain(state, def, record, node.left) || matchesDomain(state, def, record, node.right);
    case 'not':
      return !matchesDomain(state, def, record, node.node);
    default:
      return matchLeaf(state, def, record, node);
  }
}

/** Whether a domain names the `active` field: then archived records are not hidden implicitly. */
export function mentionsActive(domain: unknown): boolean {
  return Array.isArray(domain) && domain.some((item) => Array.isArray(item) && item[0] === 'active');
}
