import type avro from 'avsc';
import {
  allExpressions,
  type CompiledMapping,
  type ExpressionNode,
  type FieldNode,
  type RecordNode,
} from './compile.ts';

/**
 * The static half of `mappings:check`: a to-canonical mapping is compared with its output schema without running
 * it. Every required field (no default) must be produced by an expression, no expression may write a field the
 * schema lacks, nested maps must sit on record fields and `$each` on arrays of records, literals must fit their
 * field, a `$from` record must be nullable (it is null when `$from` finds nothing), and every `$lookup` must name a
 * table the mapping declares. The other half runs the fixtures (fixtures.ts).
 */
export interface Problem {
  file: string;
  /** Where in the mapping file, e.g. `fields.salesOrder.lines.quantity`. */
  at: string;
  message: string;
}

type AstNode = { type?: string; value?: unknown; [key: string]: unknown };

function walkAst(node: unknown, visit: (n: AstNode) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walkAst(child, visit);
    return;
  }
  visit(node as AstNode);
  for (const value of Object.values(node)) if (value && typeof value === 'object') walkAst(value, visit);
}

/** The literal an expression is, if it is one (`'CREATED'`, `42`, `true`, `null`). */
function literal(node: ExpressionNode): { value: unknown } | undefined {
  const ast = node.expression.ast() as AstNode;
  if (ast.type === 'string' || ast.type === 'number') return { value: ast.value };
  if (ast.type === 'value') return { value: ast.value };
  return undefined;
}

function branches(type: avro.Type): avro.Type[] {
  return type.typeName.startsWith('union') ? (type as avro.types.UnwrappedUnionType).types : [type];
}

function checkRecord(mapping: CompiledMapping, node: RecordNode, type: avro.Type, problems: Problem[]): void {
  const record = type as avro.types.RecordType;
  const known = new Map(record.fields.map((f) => [f.name, f]));
  for (const field of record.fields) {
    if (!node.fields.has(field.name) && field.defaultValue() === undefined) {
      problems.push({
        file: mapping.file,
        at: `${node.at}.${field.name}`,
        message: `required field "${field.name}" of ${record.name} is produced by no expression`,
      });
    }
  }
  for (const [name, child] of node.fields) {
    const field = known.get(name);
    if (!field) {
      problems.push({
        file: mapping.file,
        at: child.at,
        message: `${record.name} has no field "${name}" (fields: ${[...known.keys()].join(', ')})`,
      });
      continue;
    }
    checkField(mapping, child, field.type, problems);
  }
}

function checkField(mapping: CompiledMapping, node: FieldNode, type: avro.Type, problems: Problem[]): void {
  const options = branches(type);
  const nullable = options.some((t) => t.typeName === 'null');
  if (node.kind === 'expression') {
    const lit = literal(node);
    if (lit && !type.isValid(lit.value)) {
      problems.push({
        file: mapping.file,
        at: node.at,
        message: `literal ${JSON.stringify(lit.value)} does not fit ${JSON.stringify(type.schema()).slice(0, 120)}`,
      });
    }
    return;
  }
  if (node.each) {
    const array = options.find((t) => t.typeName === 'array') as avro.types.ArrayType | undefined;
    const items = array?.itemsType;
    if (items?.typeName !== 'record') {
      problems.push({ file: mapping.file, at: node.at, message: '$each needs an array-of-records field' });
      return;
    }
    checkRecord(mapping, node, items, problems);
    return;
  }
  const target = options.find((t) => t.typeName === 'record');
  if (!target) {
    problems.push({
      file: mapping.file,
      at: node.at,
      message: `a nested map needs a record field; this one is ${JSON.stringify(type.schema()).slice(0, 80)}`,
    });
    return;
  }
  if (node.from && !nullable) {
    problems.push({
      file: mapping.file,
      at: node.from.at,
      message:
        'this record is not nullable, but $from makes it null when it finds nothing: map it without $from',
    });
  }
  checkRecord(mapping, node, target, problems);
}

export function staticProblems(mapping: CompiledMapping): Problem[] {
  const problems: Problem[] = [];
  for (const node of allExpressions(mapping)) {
    walkAst(node.expression.ast(), (ast) => {
      const procedure = ast.procedure as AstNode | undefined;
      const args = ast.arguments as AstNode[] | undefined;
      if (ast.type !== 'function' || procedure?.value !== 'lookup' || !args?.[0]) return;
      if (args[0].type === 'string' && !Object.hasOwn(mapping.tables, String(args[0].value))) {
        problems.push({
          file: mapping.file,
          at: node.at,
          message: `$lookup names table "${args[0].value}", which the mapping does not declare under lookups (declared: ${Object.keys(mapping.tables).join(', ') || 'none'})`,
        });
      }
    });
  }
  if (mapping.direction === 'to-canonical' && mapping.outputType) {
    if (mapping.root.each || mapping.root.from) {
      problems.push({
        file: mapping.file,
        at: 'fields',
        message: 'use `records:` to yield several records, not $each/$from at the root',
      });
    }
    checkRecord(mapping, mapping.root, mapping.outputType, problems);
  }
  return problems;
}
