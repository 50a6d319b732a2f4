import { quotedText } from '../../lib/errors.ts';
import { type AstNode, walkAst } from './check.ts';
import { allExpressions, type CompiledMapping } from './compile.ts';

/**
 * A mapping's own refusals (`$error(…)`, `$assert(cond, …)`) with the document's values they join in marked as values
 * (`quotedText`), so that a viewer and the logs read them as `"…"`: `$error('no email for ' & name)` said `no email
 * for Jane Roe` to everyone. What the author wrote as literals in the call (`'no email for '`) are the mapping's own
 * words and stay; every part an expression made (`name`, `$string(n)`, a let's value) is the document's. The
 * message is matched against each call's literal parts in order; one that no call's parts account for (a message
 * built elsewhere: a let's text, `$error($why)`) is a value as a whole. Operators, admins and the CLI read it plain.
 */
export function ownErrorMessage(mapping: CompiledMapping, message: string): string {
  let best: { literal: number; marked: string } | undefined;
  for (const template of templatesOf(mapping)) {
    const found = template.pattern.exec(message);
    if (!found || (best && best.literal >= template.literal)) continue;
    let group = 0;
    const marked = template.parts
      .map((part) => {
        if (part !== null) return part;
        const value = found[++group]!;
        return value ? quotedText(value, Number.POSITIVE_INFINITY) : value;
      })
      .join('');
    best = { literal: template.literal, marked };
  }
  return best?.marked ?? quotedText(message, Number.POSITIVE_INFINITY);
}

/** One call's message as its literals (texts) and the values between them (null). */
interface Template {
  parts: Array<string | null>;
  pattern: RegExp;
  /** How many characters its literals hold: the template that accounts for most of a message wins. */
  literal: number;
}

const cache = new WeakMap<CompiledMapping, Template[]>();

/** Each `$error` and `$assert` call's message template, over the mapping's expressions (its lets' functions too). */
function templatesOf(mapping: CompiledMapping): Template[] {
  let templates = cache.get(mapping);
  if (templates) return templates;
  templates = [
    // JSONata's own words for a call without a message.
    template(['$error() function evaluated']),
    template(['$assert() statement failed']),
  ];
  for (const node of allExpressions(mapping)) {
    walkAst(node.expression.ast(), (ast) => {
      const procedure = ast.procedure as AstNode | undefined;
      if (ast.type !== 'function' || procedure?.type !== 'variable') return;
      const at = procedure.value === 'error' ? 0 : procedure.value === 'assert' ? 1 : -1;
      const argument = (ast.arguments as AstNode[] | undefined)?.[at];
      if (argument) templates!.push(template(partsOf(argument)));
    });
  }
  cache.set(mapping, templates);
  return templates;
}

/** A message expression's parts: a `&` chain's string literals as texts, anything else as a value (null). */
function partsOf(ast: AstNode): Array<string | null> {
  if (ast.type === 'string') return [String(ast.value)];
  if (ast.type === 'binary' && ast.value === '&')
    return [...partsOf(ast.lhs as AstNode), ...partsOf(ast.rhs as AstNode)];
  if (ast.type === 'block' && (ast.expressions as AstNode[] | undefined)?.length === 1)
    return partsOf((ast.expressions as AstNode[])[0]!);
  return [null];
}

/**
 * A template from parts: adjacent literals joined, adjacent values one; a value between quotes (`'country "' & $t &
 * '" is …'`) takes its quotes in, so a viewer reads `country "…" is …`, not `country ""…"" is …`.
 */
function template(raw: Array<string | null>): Template {
  const parts: Array<string | null> = [];
  for (const part of raw) {
    const last = parts.length ? parts[parts.length - 1] : undefined;
    if (part === null ? last === null : typeof last === 'string') {
      if (part !== null) parts[parts.length - 1] = `${last}${part}`;
      continue;
    }
    parts.push(part);
  }
  for (let i = 1; i < parts.length - 1; i++) {
    const before = parts[i - 1];
    const after = parts[i + 1];
    if (parts[i] !== null || typeof before !== 'string' || typeof after !== 'string') continue;
    const quote = before.at(-1);
    if ((quote === '"' || quote === "'") && after.startsWith(quote)) {
      // The quotes go inside the value's marks: the literal parts around it lose them, the value's text keeps them.
      parts.splice(i - 1, 3, before.slice(0, -1), null, after.slice(1));
    }
  }
  const groups = parts.map((part) => (part === null ? '([\\s\\S]*?)' : literalPattern(part))).join('');
  return {
    parts,
    pattern: new RegExp(`^${groups}$`),
    literal: parts.reduce((n, part) => n + (part?.length ?? 0), 0),
  };
}

/** A literal as a regular expression matches it. */
function literalPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
