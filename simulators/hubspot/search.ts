import { validationError } from './errors.ts';
import { CONTACT_TYPE, type ObjectType } from './object-types.ts';
import { DATETIME_PROPERTIES } from './properties.ts';
import type { Contact } from './state.ts';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
type Operator = (typeof OPERATORS)[number];

export interface Filter {
  propertyName: string;
  operator: Operator;
  value?: string;
  highValue?: string;
  values?: string[];
}
export interface Sort {
  propertyName: string;
  direction: 'ASCENDING' | 'DESCENDING';
}

const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;

function problem(message: string, code: string): never {
  throw validationError('There was a problem with the request.', { errors: [{ message, code }] });
}

function checkProperty(name: unknown, type: ObjectType): string {
  if (typeof name !== 'string' || !type.properties.has(name)) {
    problem(`Property ${String(name)} does not exist on object type ${type.name}`, 'INVALID_PROPERTY');
  }
  return name;
}

const scalar = (value: unknown) => (value === undefined || value === null ? undefined : String(value));

export function parseFilterGroups(input: unknown, type: ObjectType = CONTACT_TYPE): Filter[][] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) problem('filterGroups must be an array', 'INVALID_FILTER_GROUPS');
  if (input.length > MAX_GROUPS)
    problem(`at most ${MAX_GROUPS} filterGroups allowed`, 'TOO_MANY_FILTER_GROUPS');
  const groups = input.map((group) => {
    const filters = (group as { filters?: unknown } | null)?.filters;
    if (!Array.isArray(filters)) problem('each filterGroup needs a filters array', 'INVALID_FILTER_GROUPS');
    if (filters.length > MAX_FILTERS_PER_GROUP) {
      problem(`at most ${MAX_FILTERS_PER_GROUP} filters per group allowed`, 'TOO_MANY_FILTERS');
    }
    return filters.map((raw): Filter => {
      const f = (raw ?? {}) as Record<string, unknown>;
      const operator = f.operator as Operator;
      if (!OPERATORS.includes(operator))
        problem(`Unknown operator ${String(f.operator)}`, 'INVALID_OPERATOR');
      const filter: Filter = { propertyName: checkProperty(f.propertyName, type), operator };
      const value = scalar(f.value);
      const highValue = scalar(f.highValue);
      if (value !== undefined) filter.value = value;
      if (highValue !== undefined) filter.highValue = highValue;
      if (Array.isArray(f.values)) filter.values = f.values.map(String);
      const needsValue = !['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(operator);
      if (needsValue && filter.value === undefined) problem(`${operator} needs a value`, 'MISSING_VALUE');
      if ((operator === 'IN' || operator === 'NOT_IN') && !filter.values) {
        problem(`${operator} needs values`, 'MISSING_VALUES');
      }
      if (operator === 'BETWEEN' && filter.highValue === undefined)
        problem('BETWEEN needs highValue', 'MISSING_VALUE');
      return filter;
    });
  });
  if (groups.flat().length > MAX_FILTERS)
    problem(`at most ${MAX_FILTERS} filters allowed`, 'TOO_MANY_FILTERS');
  return groups;
}

export function parseSorts(input: unknown, type: ObjectType = CONTACT_TYPE): Sort[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) problem('sorts must be an array', 'INVALID_SORTS');
  if (input.length > 1) problem('Only one sort is allowed', 'TOO_MANY_SORTS');
  return input.map((raw) => {
    // Both `{propertyName, direction}` and the short string form ("createdate", "-createdate") are accepted.
    if (typeof raw === 'string') {
      const descending = raw.startsWith('-');
      return {
        propertyName: checkProperty(descending ? raw.slice(1) : raw, type),
        direction: descending ? 'DESCENDING' : 'ASCENDING',
      };
    }
    const s = (raw ?? {}) as Record<string, unknown>;
    const direction = s.direction ?? 'ASCENDING';
    if (direction !== 'ASCENDING' && direction !== 'DESCENDING')
      problem('direction must be ASCENDING or DESCENDING', 'INVALID_SORT');
    return { propertyName: checkProperty(s.propertyName, type), direction };
  });
}

/** Datetime filter values may be epoch milliseconds or ISO dates; stored values are ISO. */
function timeOf(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

function compare(property: string, stored: string, wanted: string): number {
  if (DATETIME_PROPERTIES.has(property)) return timeOf(stored) - timeOf(wanted);
  const a = Number(stored);
  const b = Number(wanted);
  if (stored !== '' && wanted !== '' && !Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  return stored.toLowerCase().localeCompare(wanted.toLowerCase());
}

function containsToken(stored: string, token: string): boolean {
  const pattern = new RegExp(
    `^${token
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return stored
    .toLowerCase()
    .split(/[\s@.,;]+/)
    .concat(stored.toLowerCase())
    .some((part) => pattern.test(part));
}

function matches(contact: Contact, filter: Filter): boolean {
  const stored = contact.properties[filter.propertyName];
  const has = stored !== undefined && stored !== '';
  const value = filter.value ?? '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'NEQ':
      return !has || compare(filter.propertyName, stored, value) !== 0;
    case 'NOT_IN':
      return !has || !(filter.values ?? []).some((v) => compare(filter.propertyName, stored, v) === 0);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(stored, value);
    default:
      break;
  }
  if (!has) return false;
  const order = compare(filter.propertyName, stored, value);
  switch (filter.operator) {
    case 'EQ':
      return order === 0;
    case 'LT':
      return order < 0;
    case 'LTE':
      return order <= 0;
    case 'GT':
      return order > 0;
    case 'GTE':
      return order >= 0;
    case 'BETWEEN':
      return order >= 0 && compare(filter.propertyName, stored, filter.highValue ?? '') <= 0;
    case 'IN':
      return (filter.values ?? []).some((v) => compare(filter.propertyName, stored, v) === 0);
    case 'CONTAINS_TOKEN':
      return containsToken(stored, value);
    default:
      return false;
  }
}

/** Groups are ORed, filters within a group ANDed; no groups matches everything. */
export function matchesGroups(contact: Contact, groups: Filter[][]): boolean {
  return groups.length === 0 || groups.some((group) => group.every((filter) => matches(contact, filter)));
}

/** The default searchable properties `query` is matched on, per object type. */
const SEARCHABLE: Record<ObjectType['name'], string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company', 'hs_additional_emails'],
  companies: ['name', 'domain', 'website', 'phone'],
};

/** Free-text `query`: a word match on the default searchable properties. */
export function matchesQuery(
  contact: Contact,
  query: string | undefined,
  type: ObjectType = CONTACT_TYPE,
): boolean {
  if (!query) return true;
  const text = query.toLowerCase();
  return SEARCHABLE[type.name].some((name) => (contact.properties[name] ?? '').toLowerCase().includes(text));
}

/** Sorts by the one sort given, ids ascending otherwise and as the tie-breaker. */
export function sortContacts(contacts: Contact[], sorts: Sort[]): Contact[] {
  const sort = sorts[0];
  return [...contacts].sort((a, b) => {
    if (sort) {
      const av = a.properties[sort.propertyName] ?? '';
      const bv = b.properties[sort.propertyName] ?? '';
      if (av !== bv) {
        // Missing values sort last either way.
        if (av === '') return 1;
        if (bv === '') return -1;
        const order = compare(sort.propertyName, av, bv);
        if (order !== 0) return sort.direction === 'DESCENDING' ? -order : order;
      }
    }
    return Number(a.id) - Number(b.id);
  });
}
