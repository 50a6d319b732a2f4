/**
 * Mapping expressions compiled to plain synchronous functions, for the subset of JSONata that most of them use:
 * literals, paths of names with predicates (`productIds[qualifier = 'BP'][0].id`), variables, the comparisons
 * `=` `!=` `in`, `and` / `or`, `&`, conditions `a ? b : c`, and calls of the mapping's own functions (`$lookup`,
 * `$decimal`, …) and of `$exists`, `$not` and `$join`. JSONata evaluates even `'CREATED'` through its async evaluator, frame by
 * frame, which costs far more than the work itself; the compiled form does the same work directly.
 *
 * Each function below mirrors the JSONata 2.x evaluator function of the same name (jsonata.js: evaluate,
 * evaluatePath, evaluateStep, evaluateFilter, lookup, boolean, string, isDeepEqual), sequences and singleton
 * unwrapping included, so results are the same values JSONata gives. Anything else (blocks, lambdas, array and
 * object constructors, tuple steps, other built-ins) is left to JSONata: `fastExpression` returns undefined. A
 * compiled expression that throws is evaluated again by JSONata (run.ts), so errors keep JSONata's wording.
 * fast-path.spec.ts runs every fixture of every mapping with each compiled result checked against JSONata's.
 */
type AstNode = { type?: string; value?: unknown; [key: string]: unknown };

export type FastExpression = (input: unknown, bindings: Record<string, unknown>) => unknown;

interface Context {
  bindings: Record<string, unknown>;
  /** `$$`: the input the expression was called with. */
  root: unknown;
}

type Evaluator = (input: unknown, context: Context) => unknown;

type Sequence = unknown[] & {
  sequence?: boolean;
  keepSingleton?: boolean;
  outerWrapper?: boolean;
  cons?: boolean;
};

function createSequence(...items: unknown[]): Sequence {
  const s: Sequence = [];
  s.sequence = true;
  if (items.length === 1) s.push(items[0]);
  return s;
}

const isSequence = (value: unknown): value is Sequence =>
  Array.isArray(value) && (value as Sequence).sequence === true;

const isFunction = (value: unknown) =>
  (!!value &&
    ((value as { _jsonata_function?: boolean })._jsonata_function === true ||
      (value as { _jsonata_lambda?: boolean })._jsonata_lambda === true)) ||
  typeof value === 'function';

class Unsupported extends Error {}

function isNumeric(n: unknown): boolean {
  if (typeof n !== 'number') return false;
  if (Number.isNaN(n)) return false;
  if (!Number.isFinite(n)) throw new Unsupported('non-finite number');
  return true;
}

function boolean(arg: unknown): boolean | undefined {
  if (arg === undefined) return undefined;
  if (Array.isArray(arg)) {
    if (arg.length === 1) return boolean(arg[0]);
    if (arg.length > 1) return arg.some((v) => boolean(v));
    return false;
  }
  if (typeof arg === 'string') return arg.length > 0;
  if (isNumeric(arg)) return arg !== 0;
  if (arg !== null && typeof arg === 'object' && !isFunction(arg)) return Object.keys(arg).length > 0;
  return arg === true;
}

const boolize = (value: unknown) => boolean(value) ?? false;

function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = createSequence();
    for (const item of input) {
      const res = lookup(item, key);
      if (res === undefined) continue;
      if (Array.isArray(res)) for (const v of res) result.push(v);
      else result.push(res);
    }
    return result;
  }
  if (input !== null && typeof input === 'object' && Object.hasOwn(input, key) && !isFunction(input))
    return (input as Record<string, unknown>)[key];
  return undefined;
}

function isDeepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs === 'object' && typeof rhs === 'object' && lhs !== null && rhs !== null) {
    if (Array.isArray(lhs) && Array.isArray(rhs)) {
      if (lhs.length !== rhs.length) return false;
      return lhs.every((v, i) => isDeepEqual(v, rhs[i]));
    }
    const lkeys = Object.getOwnPropertyNames(lhs).sort();
    const rkeys = Object.getOwnPropertyNames(rhs).sort();
    if (lkeys.length !== rkeys.length) return false;
    if (lkeys.some((k, i) => k !== rkeys[i])) return false;
    return lkeys.every((k) =>
      isDeepEqual((lhs as Record<string, unknown>)[k], (rhs as Record<string, unknown>)[k]),
    );
  }
  return false;
}

function string(arg: unknown): string | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg === 'string') return arg;
  if (isFunction(arg)) return '';
  if (typeof arg === 'number' && !Number.isFinite(arg)) throw new Unsupported('non-finite number');
  const value = Array.isArray(arg) && (arg as Sequence).outerWrapper ? arg[0] : arg;
  return JSON.stringify(value, (_key, val) => {
    if (val !== undefined && val !== null && isNumeric(val))
      return !Number.isInteger(val) ? Number((val as number).toPrecision(15)) : val;
    return val && isFunction(val) ? '' : val;
  });
}

/** JSONata's `evaluate`: the node's own evaluation, its predicates, then sequence unwrapping. */
function withWrapper(expr: AstNode, body: Evaluator): Evaluator {
  const predicates = expr.predicate as Array<{ type: string; expr: AstNode }> | undefined;
  if (expr.group || predicates?.some((p) => p.type !== 'filter')) throw new Unsupported('group');
  const filters = (predicates ?? []).map((p) => compileFilter(p.expr));
  const keepArray = expr.keepArray === true;
  return (input, context) => {
    let result = body(input, context);
    for (const filter of filters) result = filter(result, context);
    if (result && isSequence(result) && !(result as { tupleStream?: boolean }).tupleStream) {
      if (keepArray) result.keepSingleton = true;
      if (result.length === 0) result = undefined;
      else if (result.length === 1) result = result.keepSingleton ? result : result[0];
    }
    return result;
  };
}

/** JSONata's `evaluateFilter`: an index, or a predicate per item (a number result selects by position). */
function compileFilter(predicate: AstNode): (input: unknown, context: Context) => unknown {
  if (predicate.type === 'number') {
    const value = predicate.value as number;
    return (input) => {
      let results: Sequence = createSequence();
      const items = Array.isArray(input) ? input : createSequence(input);
      let index = Math.floor(value);
      if (index < 0) index = items.length + index;
      const item = items[index];
      if (item !== undefined) {
        if (Array.isArray(item)) results = item as Sequence;
        else results.push(item);
      }
      return results;
    };
  }
  const test = compile(predicate);
  return (input, context) => {
    const results = createSequence();
    const items = Array.isArray(input) ? input : createSequence(input);
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      let res = test(item, context);
      if (isNumeric(res)) res = [res];
      if (Array.isArray(res) && res.every((n) => isNumeric(n))) {
        for (const ires of res as number[]) {
          let ii = Math.floor(ires);
          if (ii < 0) ii = items.length + ii;
          if (ii === index) results.push(item);
        }
      } else if (boolean(res)) results.push(item);
    }
    return results;
  };
}

/** JSONata's `evaluatePath` and `evaluateStep`, without tuple streams, sorting or grouping. */
function compilePath(expr: AstNode): Evaluator {
  if (expr.tuple || expr.group) throw new Unsupported('tuple');
  const steps = expr.steps as AstNode[];
  const compiled = steps.map((step) => {
    if (step.tuple || step.focus || step.index || step.ancestor || step.type === 'sort' || step.group)
      throw new Unsupported('step');
    const stages = (step.stages as Array<{ type: string; expr: AstNode }> | undefined) ?? [];
    if (stages.some((s) => s.type !== 'filter')) throw new Unsupported('stage');
    return { node: step, evaluate: compile(step), stages: stages.map((s) => compileFilter(s.expr)) };
  });
  const keepSingletonArray = expr.keepSingletonArray === true;
  return (input, context) => {
    let inputSequence: unknown[] =
      Array.isArray(input) && steps[0]!.type !== 'variable' ? input : createSequence(input);
    let resultSequence: unknown;
    for (let ii = 0; ii < compiled.length; ii++) {
      const step = compiled[ii]!;
      if (ii === 0 && step.node.consarray) {
        resultSequence = step.evaluate(inputSequence, context);
      } else {
        const result = createSequence();
        for (const item of inputSequence) {
          let res = step.evaluate(item, context);
          for (const stage of step.stages) res = stage(res, context);
          if (res !== undefined) result.push(res);
        }
        const lastStep = ii === compiled.length - 1;
        if (lastStep && result.length === 1 && Array.isArray(result[0]) && !isSequence(result[0])) {
          resultSequence = result[0];
        } else {
          const flat = createSequence();
          for (const res of result) {
            if (!Array.isArray(res) || (res as Sequence).cons) flat.push(res);
            else for (const v of res) flat.push(v);
          }
          resultSequence = flat;
        }
      }
      if (resultSequence === undefined || (resultSequence as unknown[]).length === 0) break;
      inputSequence = resultSequence as unknown[];
    }
    if (keepSingletonArray) {
      let seq = resultSequence as Sequence;
      if (Array.isArray(seq) && seq.cons && !seq.sequence) seq = createSequence(seq);
      seq.keepSingleton = true;
      resultSequence = seq;
    }
    return resultSequence;
  };
}

function compileBinary(expr: AstNode): Evaluator {
  const op = expr.value as string;
  const lhs = compile(expr.lhs as AstNode);
  const rhs = compile(expr.rhs as AstNode);
  switch (op) {
    case 'and':
      return (input, c) => boolize(lhs(input, c)) && boolize(rhs(input, c));
    case 'or':
      return (input, c) => boolize(lhs(input, c)) || boolize(rhs(input, c));
    case '=':
    case '!=':
      return (input, c) => {
        const l = lhs(input, c);
        const r = rhs(input, c);
        if (l === undefined || r === undefined) return false;
        return op === '=' ? isDeepEqual(l, r) : !isDeepEqual(l, r);
      };
    case '&':
      return (input, c) => {
        const l = lhs(input, c);
        const r = rhs(input, c);
        return (l === undefined ? '' : string(l)!) + (r === undefined ? '' : string(r)!);
      };
    case 'in':
      return (input, c) => {
        const l = lhs(input, c);
        let r = rhs(input, c);
        if (l === undefined || r === undefined) return false;
        if (!Array.isArray(r)) r = [r];
        return (r as unknown[]).some((v) => v === l);
      };
    default:
      throw new Unsupported(op);
  }
}

/** The functions a compiled call may reach: the mapping's own (plain, synchronous) and two JSONata built-ins. */
let callable: Record<string, (...args: unknown[]) => unknown> = {};

const BUILT_INS: Record<string, { arities: number[]; fn: (...args: unknown[]) => unknown }> = {
  exists: { arities: [1], fn: (arg) => arg !== undefined },
  not: { arities: [1], fn: (arg) => (arg === undefined ? undefined : !boolean(arg)) },
  // Signature <a<s>s?:s>: a lone string is an array of one; anything but strings is JSONata's error to give.
  join: {
    arities: [1, 2],
    fn: (strs, separator) => {
      if (strs === undefined) return undefined;
      const list = Array.isArray(strs) ? strs : [strs];
      if (!list.every((s) => typeof s === 'string')) throw new Unsupported('join of non-strings');
      if (separator !== undefined && typeof separator !== 'string') throw new Unsupported('join separator');
      return list.join(separator ?? '');
    },
  },
};

function compileFunction(expr: AstNode): Evaluator {
  const procedure = expr.procedure as AstNode;
  const args = (expr.arguments as AstNode[]).map(compile);
  if (procedure.type !== 'variable' || typeof procedure.value !== 'string')
    throw new Unsupported('procedure');
  const name = procedure.value;
  const own = callable[name];
  if (own) {
    return (input, c) => {
      if (Object.hasOwn(c.bindings, name)) throw new Unsupported('shadowed');
      const result = own.apply(
        input,
        args.map((a) => a(input, c)),
      );
      if (result instanceof Promise) throw new Unsupported('async');
      return result;
    };
  }
  const builtIn = BUILT_INS[name];
  if (builtIn?.arities.includes(args.length)) {
    return (input, c) => {
      if (Object.hasOwn(c.bindings, name)) throw new Unsupported('shadowed');
      return builtIn.fn(...args.map((a) => a(input, c)));
    };
  }
  throw new Unsupported(`$${name}`);
}

function compileVariable(expr: AstNode): Evaluator {
  const name = expr.value as string;
  if (name === '')
    return (input) => (input && (input as Sequence).outerWrapper ? (input as unknown[])[0] : input);
  if (name === '$') return (_input, c) => c.root;
  if (callable[name] || BUILT_INS[name]) throw new Unsupported('function value');
  return (_input, c) => {
    if (!Object.hasOwn(c.bindings, name)) throw new Unsupported(`unbound $${name}`);
    return c.bindings[name];
  };
}

function compile(expr: AstNode): Evaluator {
  let body: Evaluator;
  switch (expr.type) {
    case 'string':
    case 'number':
    case 'value': {
      const value = expr.value;
      body = () => value;
      break;
    }
    case 'name': {
      const key = expr.value as string;
      body = (input) => lookup(input, key);
      break;
    }
    case 'variable':
      body = compileVariable(expr);
      break;
    case 'path':
      body = compilePath(expr);
      break;
    case 'binary':
      body = compileBinary(expr);
      break;
    case 'condition': {
      const condition = compile(expr.condition as AstNode);
      const then = compile(expr.then as AstNode);
      const otherwise = expr.else === undefined ? undefined : compile(expr.else as AstNode);
      body = (input, c) => (boolean(condition(input, c)) ? then(input, c) : otherwise?.(input, c));
      break;
    }
    case 'function':
      body = compileFunction(expr);
      break;
    default:
      throw new Unsupported(String(expr.type));
  }
  return withWrapper(expr, body);
}

/**
 * The compiled form of an expression's AST, or undefined when it uses more than this subset. `functions`: the
 * mapping's own functions, callable by name (a binding of the same name, e.g. a let, makes the call fall back).
 */
export function fastExpression(
  ast: AstNode,
  functions: Record<string, unknown> = {},
): FastExpression | undefined {
  callable = functions as Record<string, (...args: unknown[]) => unknown>;
  let evaluator: Evaluator;
  try {
    evaluator = compile(ast);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  } finally {
    callable = {};
  }
  return (input, bindings) => {
    // JSONata wraps an array input in a sequence of one, so the expression sees it as one value.
    let wrapped = input;
    if (Array.isArray(input) && !isSequence(input)) {
      wrapped = createSequence(input);
      (wrapped as Sequence).outerWrapper = true;
    }
    return evaluator(wrapped, { bindings, root: input });
  };
}

/** Thrown when a compiled expression meets what only JSONata handles (run.ts then asks JSONata). */
export { Unsupported as FastPathUnsupported };
