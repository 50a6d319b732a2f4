/**
 * Most mapping expressions are a literal (`'CREATED'`) or a plain path (`POSEX`, `header.CURCY`, `$doc.id`).
 * JSONata evaluates even those through its async evaluator, which costs far more than the lookup itself, so such
 * expressions are compiled to a direct lookup that follows JSONata's sequence rules exactly (flattening across
 * arrays, singleton unwrapping, an array value at the last step kept as is). Anything else, including any
 * predicate, goes to JSONata. fast-path.spec.ts checks the results against JSONata's own.
 */
type AstStep = { type?: string; value?: unknown; [key: string]: unknown };
type Ast = { type?: string; value?: unknown; steps?: AstStep[]; [key: string]: unknown };

export type FastExpression = (input: unknown, bindings: Record<string, unknown>) => unknown;

const SEQUENCE = Symbol('sequence');
type Sequence = unknown[] & { [SEQUENCE]?: true };

function sequence(): Sequence {
  const s: Sequence = [];
  s[SEQUENCE] = true;
  return s;
}

const isSequence = (value: unknown): boolean =>
  Array.isArray(value) && (value as Sequence)[SEQUENCE] === true;

function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = sequence();
    for (const item of input) {
      const found = lookup(item, key);
      if (found === undefined) continue;
      if (Array.isArray(found)) for (const value of found) result.push(value);
      else result.push(found);
    }
    return result;
  }
  if (input !== null && typeof input === 'object') return (input as Record<string, unknown>)[key];
  return undefined;
}

/** Only what this module can evaluate exactly: plain names, optionally after one leading variable. */
function plainSteps(ast: Ast): AstStep[] | undefined {
  if (ast.type !== 'path' || !Array.isArray(ast.steps) || ast.keepSingletonArray || ast.tuple)
    return undefined;
  for (const [i, step] of ast.steps.entries()) {
    const extra = Object.keys(step).filter((k) => k !== 'type' && k !== 'value' && k !== 'position');
    if (extra.length > 0 || typeof step.value !== 'string') return undefined;
    if (step.type === 'name') continue;
    if (step.type === 'variable' && i === 0 && step.value !== '' && step.value !== '$') continue;
    return undefined;
  }
  return ast.steps;
}

export function fastExpression(ast: Ast): FastExpression | undefined {
  if (
    ast.type === 'string' ||
    ast.type === 'number' ||
    (ast.type === 'value' && Object.keys(ast).length <= 3)
  ) {
    const value = ast.value;
    return () => value;
  }
  const steps = plainSteps(ast);
  if (!steps) return undefined;
  return (root, bindings) => {
    // JSONata wraps an array input in a sequence of one: the first lookup then maps over it (see lookup).
    let input: unknown[] = [root];
    let output: unknown[] = sequence();
    for (const [i, step] of steps.entries()) {
      const name = step.value as string;
      const results: unknown[] = [];
      for (const item of input) {
        const found = step.type === 'variable' ? bindings[name] : lookup(item, name);
        if (found !== undefined) results.push(found);
      }
      const last = i === steps.length - 1;
      if (last && results.length === 1 && Array.isArray(results[0]) && !isSequence(results[0])) {
        output = results[0] as unknown[];
      } else {
        output = sequence();
        for (const found of results) {
          if (Array.isArray(found)) for (const value of found) output.push(value);
          else output.push(found);
        }
      }
      if (output.length === 0) break;
      input = output;
    }
    if (!isSequence(output)) return output;
    if (output.length === 0) return undefined;
    return output.length === 1 ? output[0] : [...output];
  };
}
