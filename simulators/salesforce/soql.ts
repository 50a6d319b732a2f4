import { sfError } from './errors.ts';
import { canonicalField, isSObjectType, SOBJECT_TYPES, SOBJECTS, type SObjectType } from './schema.ts';
import type { SfRecord } from './state.ts';

/**
 * The SOQL subset the simulator understands:
 *   SELECT f1, f2 FROM Type [WHERE cond [AND cond]...] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST]] [LIMIT n] [OFFSET n]
 * where cond is `field op literal` (=, !=, <>, <, <=, >, >=, LIKE) or `field [NOT] IN (literal, ...)`;
 * literals: 'text', numbers, true/false, null, datetimes (2024-01-01T00:00:00Z) and dates (2024-01-01).
 */
export interface SoqlQuery {
  type: SObjectType;
  fields: string[];
  where: Condition[];
  orderBy?: { field: string; descending: boolean; nullsLast: boolean };
  limit?: number;
  offset?: number;
}

type Literal = string | number | boolean | null;
interface Condition {
  field: string;
  op: string;
  values: Literal[];
}

const TOKEN =
  /\s*('(?:[^'\\]|\\.)*'|\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})|\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?|!=|<>|<=|>=|[=<>(),]|[A-Za-z_][\w.]*)/y;

function tokenize(soql: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < soql.length) {
    if (/^\s*$/.test(soql.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(soql);
    if (!match?.[1])
      throw sfError(400, 'MALFORMED_QUERY', `unexpected token: '${soql.slice(at).trim().split(/\s/)[0]}'`);
    tokens.push(match[1]);
  }
  return tokens;
}

class Parser {
  private index = 0;
  private readonly tokens: string[];
  constructor(tokens: string[]) {
    this.tokens = tokens;
  }
  peek(): string | undefined {
    return this.tokens[this.index];
  }
  isKeyword(word: string): boolean {
    return this.peek()?.toUpperCase() === word;
  }
  next(): string {
    const token = this.tokens[this.index++];
    if (token === undefined) throw sfError(400, 'MALFORMED_QUERY', 'unexpected end of query');
    return token;
  }
  expect(word: string): void {
    const token = this.next();
    if (token.toUpperCase() !== word) throw sfError(400, 'MALFORMED_QUERY', `unexpected token: '${token}'`);
  }
  done(): boolean {
    return this.index >= this.tokens.length;
  }
}

function noSuchColumn(type: string, name: string) {
  return sfError(
    400,
    'INVALID_FIELD',
    `No such column '${name}' on entity '${type}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function literal(type: SObjectType, field: string, token: string): Literal {
  const kind = SOBJECTS[type][field]?.type;
  const quoted = token.startsWith("'");
  if ((kind === 'datetime' || kind === 'date') && quoted) {
    throw sfError(
      400,
      'INVALID_FIELD',
      `value of filter criterion for field '${field}' must be of type ${kind === 'datetime' ? 'dateTime' : 'date'} and should not be enclosed in quotes`,
    );
  }
  if (quoted) return token.slice(1, -1).replace(/\\(.)/g, '$1');
  const lower = token.toLowerCase();
  if (lower === 'null') return null;
  if (lower === 'true' || lower === 'false') return lower === 'true';
  if (/^\d{4}-\d{2}-\d{2}/.test(token)) {
    if (kind === 'datetime' && !token.includes('T'))
      throw sfError(
        400,
        'INVALID_FIELD',
        `value of filter criterion for field '${field}' must be of type dateTime`,
      );
    const time = Date.parse(token.includes('T') ? token : `${token}T00:00:00Z`);
    if (Number.isNaN(time)) throw sfError(400, 'MALFORMED_QUERY', `invalid date: ${token}`);
    return time;
  }
  if (/^-?\d/.test(token)) return Number(token);
  throw sfError(400, 'MALFORMED_QUERY', `unexpected token: '${token}'`);
}

export function parseSoql(soql: string): SoqlQuery {
  const parser = new Parser(tokenize(soql));
  parser.expect('SELECT');
  const rawFields: string[] = [parser.next()];
  while (parser.peek() === ',') {
    parser.next();
    rawFields.push(parser.next());
  }
  parser.expect('FROM');
  const typeName = parser.next();
  const type = isSObjectType(typeName)
    ? typeName
    : SOBJECT_TYPES.find((t) => t.toLowerCase() === typeName.toLowerCase());
  if (!type) throw sfError(400, 'INVALID_TYPE', `sObject type '${typeName}' is not supported.`);
  const field = (name: string) =>
    canonicalField(type, name) ??
    (() => {
      throw noSuchColumn(type, name);
    })();
  const query: SoqlQuery = { type, fields: rawFields.map(field), where: [] };
  if (parser.isKeyword('WHERE')) {
    parser.next();
    do {
      const name = field(parser.next());
      let op = parser.next().toUpperCase();
      if (op === 'NOT') {
        parser.expect('IN');
        op = 'NOT IN';
      }
      const values: Literal[] = [];
      if (op === 'IN' || op === 'NOT IN') {
        parser.expect('(');
        do values.push(literal(type, name, parser.next()));
        while (parser.peek() === ',' && parser.next());
        parser.expect(')');
      } else if (['=', '!=', '<>', '<', '<=', '>', '>=', 'LIKE'].includes(op)) {
        values.push(literal(type, name, parser.next()));
      } else {
        throw sfError(400, 'MALFORMED_QUERY', `unexpected token: '${op}'`);
      }
      query.where.push({ field: name, op, values });
    } while (parser.isKeyword('AND') && parser.next());
  }
  if (parser.isKeyword('ORDER')) {
    parser.next();
    parser.expect('BY');
    const name = field(parser.next());
    let descending = false;
    if (parser.isKeyword('ASC') || parser.isKeyword('DESC'))
      descending = parser.next().toUpperCase() === 'DESC';
    let nullsLast = descending;
    if (parser.isKeyword('NULLS')) {
      parser.next();
      nullsLast = parser.next().toUpperCase() === 'LAST';
    }
    query.orderBy = { field: name, descending, nullsLast };
  }
  for (const clause of ['LIMIT', 'OFFSET'] as const) {
    if (parser.isKeyword(clause)) {
      parser.next();
      const value = Number(parser.next());
      if (!Number.isInteger(value) || value < 0)
        throw sfError(400, 'MALFORMED_QUERY', `${clause} must be a non-negative integer`);
      query[clause === 'LIMIT' ? 'limit' : 'offset'] = value;
    }
  }
  if (!parser.done()) throw sfError(400, 'MALFORMED_QUERY', `unexpected token: '${parser.peek()}'`);
  return query;
}

/** A stored value in comparable form: epoch ms for dates, lower case for text (SOQL compares text case-insensitively). */
function comparable(type: SObjectType, field: string, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  const kind = SOBJECTS[type][field]?.type;
  if (kind === 'datetime') return Date.parse(String(value).replace('+0000', 'Z'));
  if (kind === 'date') return Date.parse(`${value}T00:00:00Z`);
  return typeof value === 'string' ? value.toLowerCase() : (value as boolean);
}

function likeRegex(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+?^${}()|[\]\\*]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${source}$`, 'is');
}

function matches(query: SoqlQuery, record: SfRecord, condition: Condition): boolean {
  const actual = comparable(query.type, condition.field, record[condition.field]);
  const wanted = condition.values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  const first = wanted[0] ?? null;
  switch (condition.op) {
    case '=':
      return actual === first;
    case '!=':
    case '<>':
      return actual !== first;
    case 'IN':
      return wanted.includes(actual);
    case 'NOT IN':
      return !wanted.includes(actual);
    case 'LIKE':
      return typeof actual === 'string' && likeRegex(String(first)).test(actual);
    default: {
      if (actual === null || first === null) return false;
      if (condition.op === '<') return actual < first;
      if (condition.op === '<=') return actual <= first;
      if (condition.op === '>') return actual > first;
      return actual >= first;
    }
  }
}

/**
 * Runs the query over live (not deleted) records, or with `all` (`queryAll`) over the deleted ones in the Recycle Bin
 * too (their `IsDeleted` true); returns them in result order.
 */
export function runSoql(query: SoqlQuery, records: SfRecord[], options: { all?: boolean } = {}): SfRecord[] {
  let result = records.filter(
    (record) =>
      (options.all === true || !record.IsDeleted) && query.where.every((c) => matches(query, record, c)),
  );
  const order = query.orderBy;
  if (order) {
    result = [...result].sort((a, b) => {
      const left = comparable(query.type, order.field, a[order.field]);
      const right = comparable(query.type, order.field, b[order.field]);
      if (left === right) return 0;
      if (left === null) return order.nullsLast ? 1 : -1;
      if (right === null) return order.nullsLast ? -1 : 1;
      return (left < right ? -1 : 1) * (order.descending ? -1 : 1);
    });
  }
  const offset = query.offset ?? 0;
  return result.slice(offset, query.limit === undefined ? undefined : offset + query.limit);
}
