/**
 * Mapping expressions compiled to plain synchronous functions, for the subset of JSONata that most of them use:
 * literals, paths of names with predicates (`productIds[qualifier = 'BP'][0].id`), variables, the comparisons
 * `=` `!=` `in`, `and` / `or`, `&`, conditions `a ? b : c`, and calls of the mapping's own functions (`$lookup`,
 * `$decimal`, …) and of `$exists`, `$not` and `$join`. JSONata evaluates even `'CREATED'` through its async evaluator, frame by
 * frame, which costs far more than the work itself; the compiled form does the same work directly.
 *
 * Each function below mirrors the JSONata 2.x evaluator function of the same name (jsonata.js: evaluate,
 * evaluatePath, evaluateStep, evaluateTupleStep, evaluateFilter, lookup, boolean, string, isDeepEqual), sequences
 * and singleton unwrapping included, so results are the same values JSONata gives. Also compiled: blocks and `:=`,
 * array and object constructors, arithmetic, comparisons and ranges, positional bindings (`lines#$i`), lambdas
 * (called through a variable, recursive, given to `$map` `$filter` `$sift` `$each`, a let's function as a value) and
 * the built-ins in BUILT_INS. Anything else (focus `@$v`, parents `%`, sorting, grouping, wildcards, other
 * built-ins, signatures) is left to JSONata: `fastExpression` returns undefined. A
 * compiled expression that throws is evaluated again by JSONata (run.ts), so errors keep JSONata's wording.
 * fast-path.spec.ts runs every fixture of every mapping with each compiled result checked against JSONata's.
 */
import { MapEntries } from '../../schemas/avro-writer.ts';
import { deadlineTick } from './budget.ts';
import { type AstNode, type CodegenKit, generate, generateBody } from './fast-codegen.ts';
import { markFlat } from './values.ts';

/**
 * `visible`: for a let's evaluation, the per-document names before it (its closure's): a function it gives (a
 * block ending in `function(...) {...}`) is then its compiled lambda, for compiled calls of the let (run-fast.ts).
 */
export type FastExpression = ((
  input: unknown,
  bindings: Record<string, unknown>,
  visible?: ReadonlySet<string>,
) => unknown) & {
  /**
   * The generated code's evaluation over a context `contextFor` made for an input that is not an array (then the
   * input as it is); a function or regex result is the caller's to refuse (`isFunctionValue`). Absent with
   * EAI_MAPPING_CODEGEN=0.
   */
  overContext?: (input: unknown, context: unknown) => unknown;
  /** Whether each evaluation needs a frame of its own (the expression binds with `:=`): `contextFor(…, true)`. */
  ownFrame?: boolean;
  /**
   * An expression that is one `$merge([...])` (a field's extensions) generated again, its result the MapEntries
   * that stand for the object: for a field of a record the bus's writer takes as it is (run-fast.ts).
   */
  entries?: FastExpression;
};

/** The one frame evaluations of expressions without `:=` share: nothing ever writes into it. */
const EMPTY_FRAME: Frame = { vars: new Map(), parent: null };

/**
 * A context for `overContext` evaluations over `root` (not an array), as the expression's own function makes it;
 * `ownFrame`: a frame of its own, for an expression that binds with `:=`.
 */
export function contextFor(bindings: Record<string, unknown>, root: unknown, ownFrame = false): unknown {
  return { bindings, root, frame: ownFrame ? { vars: new Map(), parent: null } : EMPTY_FRAME, visible: null };
}

/** What an expression may not give as its value (JSONata's to hand on): a function, or a regex. */
export function isFunctionValue(value: unknown): boolean {
  return value instanceof FastLambda || value instanceof RegExp;
}

interface Context {
  bindings: Record<string, unknown>;
  /** `$$`: the input the expression was called with. */
  root: unknown;
  /** Variables bound by `:=` and by lambda parameters, innermost first; then `bindings`. */
  frame: Frame | null;
  /** Inside a let's function: the per-document bindings its closure saw (earlier lets, `$doc`, `$tree`). */
  visible: ReadonlySet<string> | null;
}

interface Frame {
  vars: Map<string, unknown>;
  parent: Frame | null;
}

/** A compiled `function(...) {...}` value: only `$each` takes one; anywhere else JSONata answers. */
class FastLambda {
  readonly params: string[];
  readonly body: Evaluator;
  readonly input: unknown;
  readonly context: Context;
  constructor(params: string[], body: Evaluator, input: unknown, context: Context) {
    this.params = params;
    this.body = body;
    this.input = input;
    this.context = context;
  }
  call(args: unknown[]): unknown {
    deadlineTick();
    const vars = new Map<string, unknown>();
    const params = this.params;
    for (let i = 0; i < params.length; i++) vars.set(params[i]!, args[i]);
    const { bindings, root, frame, visible } = this.context;
    return this.body(this.input, { bindings, root, frame: { vars, parent: frame }, visible });
  }
}

/** Whether `$name` is bound by `:=`, a lambda or the bindings: lookupVariable's `found`, without its answer object. */
function shadowed(c: Context, name: string): boolean {
  for (let f = c.frame; f; f = f.parent) if (f.vars.has(name)) return true;
  return inBindings(c, name);
}

/** Whether the bindings give `$name` a value here: `shadowed`, for a name no frame can hold (`frameNames`). */
function inBindings(c: Context, name: string): boolean {
  return Object.hasOwn(c.bindings, name) && (!c.visible || c.visible.has(name));
}

type Evaluator = (input: unknown, context: Context) => unknown;

export type Sequence = unknown[] & {
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
  if (input === null || typeof input !== 'object') return undefined;
  const value = (input as Record<string, unknown>)[key];
  // A key the value does not have, own or inherited, reads as undefined: neither check is needed then.
  return value !== undefined && ownRead(input, key, value) && !isFunction(input) ? value : undefined;
}

/**
 * Whether `value`, read from `input[key]`, is the input's own property, as Object.hasOwn says, without asking it
 * for the common objects (a call that costs about ten times the read): one without a prototype has only its own;
 * for one whose prototype is Object.prototype, a value other than Object.prototype's under that key (for most keys,
 * none) cannot be inherited (Object.prototype's data properties: its one accessor, `__proto__`, is asked).
 */
function ownRead(input: object, key: string, value: unknown): boolean {
  // `__proto__`, Object.prototype's accessor, reads differently from each object: always asked.
  if (key === '__proto__') return Object.hasOwn(input, key);
  const prototype = Object.getPrototypeOf(input);
  return (
    prototype === null ||
    (prototype === Object.prototype && value !== (Object.prototype as Record<string, unknown>)[key]) ||
    Object.hasOwn(input, key)
  );
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
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new Unsupported('non-finite number');
    // What the stringify below gives a number (ids in `'line.' & id`), without its replacer's call per value.
    return String(Number.isInteger(arg) ? arg : Number(arg.toPrecision(15)));
  }
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
  // The common node has no predicate: no loop over filters on every evaluation.
  if (filters.length === 0)
    return (input, context) => {
      let result = body(input, context);
      if (result && isSequence(result) && !(result as { tupleStream?: boolean }).tupleStream) {
        if (keepArray) result.keepSingleton = true;
        if (result.length === 0) result = undefined;
        else if (result.length === 1) result = result.keepSingleton ? result : result[0];
      }
      return result;
    };
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
  const general = compileGeneralPath(expr);
  const names = plainNames(expr);
  if (!names) return general;
  // A path of plain names (`customer.firstName`) over single values, most of a mapping's paths: the same walk
  // without its sequences. Where a step meets an array the general walk takes over, from the start (lookups are pure).
  const last = names.length - 1;
  return (input, context) => {
    if (Array.isArray(input)) return general(input, context);
    let value = input;
    for (let i = 0; i <= last; i++) {
      value = lookup(value, names[i]!);
      if (value === undefined) return undefined;
      if (Array.isArray(value)) return i === last && !isSequence(value) ? value : general(input, context);
    }
    return value;
  };
}

/** The general walk of a path: every step over the sequence so far. */
function compileGeneralPath(expr: AstNode): Evaluator {
  if (expr.tuple || expr.group) throw new Unsupported('tuple');
  const steps = expr.steps as AstNode[];
  if (steps.some((step) => step.tuple)) return compileTuplePath(expr);
  const compiled = steps.map((step) => {
    if (step.tuple || step.focus || step.index || step.ancestor || step.type === 'sort' || step.group)
      throw new Unsupported('step');
    const stages = (step.stages as Array<{ type: string; expr: AstNode }> | undefined) ?? [];
    if (stages.some((s) => s.type !== 'filter')) throw new Unsupported('stage');
    return { node: step, evaluate: compile(step), stages: stages.map((s) => compileFilter(s.expr)) };
  });
  return generalPath(steps, compiled, expr.keepSingletonArray === true);
}

/** Step node keys that a plain name step may have: anything more (predicates, `[]`, focus…) takes the general walk. */
const PLAIN_STEP_KEYS = new Set(['type', 'value', 'position']);

/**
 * The names of a path that is only names, with nothing on the path itself that looks at the walk's sequence
 * (`[]`, predicates, grouping): its result is then what the last lookup gives, sequences aside.
 */
function plainNames(expr: AstNode): string[] | undefined {
  if (expr.keepArray || expr.keepSingletonArray || expr.predicate || expr.group || expr.stages)
    return undefined;
  const steps = expr.steps as AstNode[];
  if (steps.length === 0) return undefined;
  const names: string[] = [];
  for (const step of steps) {
    if (step.type !== 'name' || typeof step.value !== 'string') return undefined;
    if (Object.keys(step).some((key) => !PLAIN_STEP_KEYS.has(key))) return undefined;
    names.push(step.value);
  }
  return names;
}

function generalPath(
  steps: AstNode[],
  compiled: Array<{
    node: AstNode;
    evaluate: Evaluator;
    stages: Array<(input: unknown, context: Context) => unknown>;
  }>,
  keepSingletonArray: boolean,
): Evaluator {
  return (input, context) => {
    let inputSequence: unknown[] =
      Array.isArray(input) && steps[0]!.type !== 'variable' ? input : createSequence(input);
    let resultSequence: unknown;
    for (let ii = 0; ii < compiled.length; ii++) {
      const step = compiled[ii]!;
      if (ii === 0 && step.node.consarray) {
        resultSequence = step.evaluate(inputSequence, context);
      } else {
        // A first-step array constructor with an index can leave a lone value here, which JSONata then walks by
        // its `length`: rare, left to JSONata.
        if (!Array.isArray(inputSequence)) throw new Unsupported('step over a non-sequence');
        const result = createSequence();
        for (const item of inputSequence) {
          let res = step.evaluate(item, context);
          for (const stage of step.stages) res = stage(res, context);
          if (res !== undefined) result.push(res);
        }
        const lastStep = ii === compiled.length - 1;
        if (lastStep && result.length === 1 && Array.isArray(result[0]) && !isSequence(result[0])) {
          resultSequence = result[0];
        } else resultSequence = flatten(result);
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

/**
 * A path with a positional binding (`lines#$i.{'position': $i + 1}`): JSONata's evaluatePath with a tuple stream
 * (evaluateTupleStep, evaluateStages, evaluateFilter over tuples). From the first step that binds a position on,
 * each item travels with its bindings, each step evaluated in a frame holding them, `$i` its position among the
 * results of its own step's evaluation. Focus (`@$v`), ancestors (`%`), sorting and grouping are JSONata's.
 */
function compileTuplePath(expr: AstNode): Evaluator {
  const steps = expr.steps as AstNode[];
  const compiled = steps.map((step) => {
    if (step.focus || step.ancestor || step.type === 'sort' || step.group) throw new Unsupported('step');
    const stages = (step.stages as Array<{ type: string; expr?: AstNode; value?: string }> | undefined) ?? [];
    if (stages.some((s) => s.type !== 'filter' && s.type !== 'index')) throw new Unsupported('stage');
    return {
      node: step,
      tuple: step.tuple === true,
      index: typeof step.index === 'string' ? step.index : undefined,
      evaluate: compile(step),
      plainStages: stages.map((s) => (s.type === 'filter' ? compileFilter(s.expr!) : undefined)),
      tupleStages: stages.map((s) =>
        s.type === 'filter' ? { filter: compileTupleFilter(s.expr!) } : { index: s.value as string },
      ),
    };
  });
  // Before the first step that binds a position, steps are walked as plain ones: no index stage there.
  const firstTuple = compiled.findIndex((step) => step.tuple);
  if (compiled.slice(0, firstTuple).some((step) => step.plainStages.includes(undefined)))
    throw new Unsupported('stage');
  type Tuple = Record<string, unknown>;
  const inTupleFrame = (tuple: Tuple, c: Context): Context => {
    const vars = new Map<string, unknown>();
    for (const key of Object.keys(tuple)) if (key !== '@') vars.set(key, tuple[key]);
    return { bindings: c.bindings, root: c.root, frame: { vars, parent: c.frame }, visible: c.visible };
  };
  return (input, c) => {
    let inputSequence: unknown[] =
      Array.isArray(input) && steps[0]!.type !== 'variable' ? input : createSequence(input);
    let resultSequence: unknown;
    let tuples: Tuple[] | undefined;
    let isTupleStream = false;
    for (let ii = 0; ii < compiled.length; ii++) {
      const step = compiled[ii]!;
      if (step.tuple) isTupleStream = true;
      if (ii === 0 && step.node.consarray) resultSequence = step.evaluate(inputSequence, c);
      else if (isTupleStream) {
        if (tuples === undefined) {
          if (!Array.isArray(inputSequence)) throw new Unsupported('step over a non-sequence');
          tuples = inputSequence.map((item) => ({ '@': item }));
        }
        const next: Tuple[] = [];
        for (const tuple of tuples) {
          deadlineTick();
          let res = step.evaluate(tuple['@'], inTupleFrame(tuple, c));
          if (res === undefined) continue;
          if (!Array.isArray(res)) res = [res];
          if ((res as { tupleStream?: boolean }).tupleStream) throw new Unsupported('nested tuples');
          const items = res as unknown[];
          for (let bb = 0; bb < items.length; bb++) {
            const out: Tuple = Object.create(null);
            Object.assign(out, tuple);
            out['@'] = items[bb];
            if (step.index !== undefined) out[step.index] = bb;
            next.push(out);
          }
        }
        tuples = next;
        for (const stage of step.tupleStages) {
          if (stage.filter) tuples = stage.filter(tuples, c, inTupleFrame);
          else for (let ee = 0; ee < tuples.length; ee++) tuples[ee]![stage.index!] = ee;
        }
      } else {
        if (!Array.isArray(inputSequence)) throw new Unsupported('step over a non-sequence');
        const result = createSequence();
        for (const item of inputSequence) {
          let res = step.evaluate(item, c);
          for (const stage of step.plainStages) res = stage!(res, c);
          if (res !== undefined) result.push(res);
        }
        const lastStep = ii === compiled.length - 1;
        if (lastStep && result.length === 1 && Array.isArray(result[0]) && !isSequence(result[0]))
          resultSequence = result[0];
        else resultSequence = flatten(result);
      }
      if (!isTupleStream && (resultSequence === undefined || (resultSequence as unknown[]).length === 0))
        break;
      inputSequence = resultSequence as unknown[];
    }
    let out: unknown = resultSequence;
    if (isTupleStream) {
      // No tuple step walked (a lone array constructor): JSONata fails there.
      if (tuples === undefined) throw new Unsupported('no tuple stream');
      const sequence = createSequence();
      for (const tuple of tuples) sequence.push(tuple['@']);
      out = sequence;
    }
    if (expr.keepSingletonArray) {
      if (!Array.isArray(out)) throw new Unsupported('nothing to keep');
      let seq = out as Sequence;
      if (Array.isArray(seq) && seq.cons && !seq.sequence) seq = createSequence(seq);
      seq.keepSingleton = true;
      out = seq;
    }
    return out;
  };
}

/** JSONata's evaluateFilter over a tuple stream: each tuple's item tested in a frame of its bindings. */
function compileTupleFilter(
  predicate: AstNode,
): (
  tuples: Array<Record<string, unknown>>,
  c: Context,
  inFrame: (tuple: Record<string, unknown>, c: Context) => Context,
) => Array<Record<string, unknown>> {
  if (predicate.type === 'number') {
    const value = predicate.value as number;
    return (tuples) => {
      let index = Math.floor(value);
      if (index < 0) index = tuples.length + index;
      const item = tuples[index];
      return item === undefined ? [] : [item];
    };
  }
  const test = compile(predicate);
  return (tuples, c, inFrame) => {
    const results: Array<Record<string, unknown>> = [];
    for (let index = 0; index < tuples.length; index++) {
      const tuple = tuples[index]!;
      let res = test(tuple['@'], inFrame(tuple, c));
      if (isNumeric(res)) res = [res];
      if (Array.isArray(res) && res.every((n) => isNumeric(n))) {
        for (const ires of res as number[]) {
          let ii = Math.floor(ires);
          if (ii < 0) ii = tuples.length + ii;
          if (ii === index) results.push(tuple);
        }
      } else if (boolean(res)) results.push(tuple);
    }
    return results;
  };
}

/** A step's results as the next step's sequence: arrays spread one level, unless made by `[...]` (cons). */
function flatten(result: unknown[]): Sequence {
  const flat = createSequence();
  for (const res of result) {
    if (!Array.isArray(res) || (res as Sequence).cons) flat.push(res);
    else for (const v of res) flat.push(v);
  }
  return flat;
}

/** withWrapper's unwrapping of a sequence result (for the generated code's rarer paths): none left, one, or kept. */
function unwrapped(result: unknown): unknown {
  if (result && isSequence(result) && !(result as { tupleStream?: boolean }).tupleStream) {
    if (result.length === 0) return undefined;
    if (result.length === 1 && !result.keepSingleton) return result[0];
  }
  return result;
}

/**
 * A filter's result unwrapped, built item by item: `item` kept once more after `count` others (`kept`, what was
 * built so far): the item alone, then a sequence of them (what unwrapping the sequence of all of them gives).
 */
function keepItem(kept: unknown, count: number, item: unknown): unknown {
  if (count === 0) return item;
  if (count === 1) {
    const sequence = createSequence();
    sequence.push(kept, item);
    return sequence;
  }
  (kept as Sequence).push(item);
  return kept;
}

/** flatten, for a sequence of a step's results that nothing else holds: the sequence itself when it would be copied. */
function flattenOwn(result: Sequence): Sequence {
  for (const res of result) if (Array.isArray(res) && !(res as Sequence).cons) return flatten(result);
  return result;
}

/**
 * How many times compileFilter's predicate keeps the item at `index` of `length`, for the predicate's value there
 * `res`: numbers select by position (each one matching the index keeps the item once more), anything else by its
 * truth.
 */
function kept(res: unknown, index: number, length: number): number {
  if (isNumeric(res)) res = [res];
  if (Array.isArray(res) && res.every((n) => isNumeric(n))) {
    let times = 0;
    for (const ires of res as number[]) {
      let ii = Math.floor(ires);
      if (ii < 0) ii = length + ii;
      if (ii === index) times++;
    }
    return times;
  }
  return boolean(res) ? 1 : 0;
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
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (input, c) => arithmetic(op, lhs(input, c), rhs(input, c));
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (input, c) => compare(op, lhs(input, c), rhs(input, c));
    case '..':
      return (input, c) => range(lhs(input, c), rhs(input, c));
    default:
      throw new Unsupported(op);
  }
}

/**
 * JSONata's evaluateNumericExpression: numbers or nothing (anything else is its error); a result that is not a
 * finite number (a division by zero) is left to JSONata too, which refuses it where it is used.
 */
function arithmetic(op: string, l: unknown, r: unknown): number | undefined {
  if ((l !== undefined && !isNumeric(l)) || (r !== undefined && !isNumeric(r)))
    throw new Unsupported('arithmetic on a non-number');
  if (l === undefined || r === undefined) return undefined;
  const a = l as number;
  const b = r as number;
  const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  if (!Number.isFinite(result)) throw new Unsupported('non-finite number');
  return result;
}

/** JSONata's evaluateComparisonExpression: two strings or two numbers; nothing on either side gives nothing. */
function compare(op: string, l: unknown, r: unknown): boolean | undefined {
  const comparable = (v: unknown) => v === undefined || typeof v === 'string' || typeof v === 'number';
  if (!comparable(l) || !comparable(r)) throw new Unsupported('comparison of non-comparables');
  if (l === undefined || r === undefined) return undefined;
  if (typeof l !== typeof r) throw new Unsupported('comparison of different types');
  const a = l as string | number;
  const b = r as string | number;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

/** JSONata's evaluateRangeExpression: integers, the sequence from one to the other (nothing when reversed). */
function range(l: unknown, r: unknown): Sequence | undefined {
  if ((l !== undefined && !Number.isInteger(l)) || (r !== undefined && !Number.isInteger(r)))
    throw new Unsupported('range of non-integers');
  if (l === undefined || r === undefined || (l as number) > (r as number)) return undefined;
  const size = (r as number) - (l as number) + 1;
  if (size > 1e7) throw new Unsupported('range too large');
  const out = new Array(size) as Sequence;
  for (let item = l as number, index = 0; item <= (r as number); item++, index++) out[index] = item;
  out.sequence = true;
  return out;
}

/** The functions a compiled call may reach: the mapping's own (plain, synchronous) and two JSONata built-ins. */
let callable: Record<string, (...args: unknown[]) => unknown> = {};

/**
 * The mapping's lets that are functions (`function($p) {...}`, e.g. imported from a lib file), by name, with the
 * per-document names their closure sees. A call of one runs its compiled body; a body that uses more than the
 * subset is compiled to "ask JSONata" when called, so a branch that never calls it stays compiled.
 */
export interface LetFunction {
  ast: AstNode;
  visible: ReadonlySet<string>;
}
let letFunctions: ReadonlyMap<string, LetFunction> = new Map();
/** The names a `:=` or a lambda's parameter binds, in the expression or a let's function it may call. */
let boundNames: ReadonlySet<string> = new Set();
/** The names a frame may hold: `boundNames`, and the positions a path binds (`lines#$i`). */
let frameNames: ReadonlySet<string> = new Set();
let compiledLets = new Map<string, { params: string[]; body: Evaluator }>();

const str = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Unsupported('not a string');
  return value;
};

/** JSONata's regex matcher (evaluateRegex's closure and `next`): the matches from the start, non-empty after the first. */
function matches(
  re: RegExp,
  text: string,
  limit = Number.POSITIVE_INFINITY,
): Array<{ start: number; end: number; match: string; groups: unknown[] }> {
  const out: Array<{ start: number; end: number; match: string; groups: unknown[] }> = [];
  if (limit <= 0) return out;
  const copy = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  copy.lastIndex = 0;
  let match = copy.exec(text);
  while (match !== null) {
    if (out.length > 0 && match[0] === '') throw new Unsupported('empty match');
    out.push({
      start: match.index,
      end: match.index + match[0].length,
      match: match[0],
      groups: match.slice(1),
    });
    if (out.length >= limit || copy.lastIndex >= text.length) break;
    match = copy.exec(text);
  }
  return out;
}

/** JSONata's $keys: an object's own keys; an array's items' keys (nested arrays too), each once. */
function keysOf(arg: unknown): string[] {
  if (arg instanceof FastLambda || arg instanceof RegExp) throw new Unsupported('function value');
  if (Array.isArray(arg)) {
    // Merged into an object, as JSONata does: its key order (integer-like keys first) is the answer's.
    const merged: Record<string, true> = Object.create(null);
    for (const item of arg) for (const key of keysOf(item)) merged[key] = true;
    return Object.keys(merged);
  }
  return arg !== null && typeof arg === 'object' && !isFunction(arg) ? Object.keys(arg) : [];
}

/** JSONata's functions of a function argument (`$map`, `$filter`, `$sift`, `$each`): called with a compiled lambda. */
const HIGHER_ORDER = new Set(['each', 'map', 'filter', 'sift']);

/** The lambda a higher-order built-in was given: a compiled one, else JSONata's to call. */
function lambdaArgument(fn: unknown): FastLambda {
  if (!(fn instanceof FastLambda)) throw new Unsupported('function argument');
  return fn;
}

/** hofFuncArgs: the value, then the position and the whole, as many as the function declares. */
function hofArgs(fn: FastLambda, value: unknown, position: unknown, whole: unknown): unknown[] {
  const arity = fn.params.length;
  return arity <= 1 ? [value] : arity === 2 ? [value, position] : [value, position, whole];
}

/** A value of JSONata's `a` parameter: undefined stays so, anything but an array is an array of one. */
function arrayArgument(value: unknown): unknown[] | undefined {
  if (value instanceof FastLambda || value instanceof RegExp) throw new Unsupported('function value');
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/**
 * JSONata's own built-ins, by name: a call of one not compiled here is JSONata's (not a call of a lambda); and a name
 * `eai map check` knows is bound.
 */
export const JSONATA_BUILT_INS = new Set(
  (
    'sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim ' +
    'pad match contains replace split join formatNumber formatBase formatInteger parseInteger number floor ceil ' +
    'round abs sqrt power random boolean not map zip filter single reduce sift keys lookup append exists spread ' +
    'merge reverse each error assert type sort shuffle distinct base64encode base64decode encodeUrlComponent ' +
    'encodeUrl decodeUrlComponent decodeUrl eval toMillis fromMillis clone now millis'
  ).split(' '),
);

const plainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof FastLambda);

/**
 * One object's keys copied into `$merge`'s result, in their order; anything but an object is JSONata's to refuse.
 * Whether all it copied were plain values (string, number, boolean, null) under keys other than `$loc`.
 */
function mergeObject(target: Record<string, unknown> | MapEntries, item: unknown): boolean {
  if (!plainObject(item)) throw new Unsupported('merge of non-objects');
  let flat = true;
  for (const key of Object.keys(item)) {
    const value = item[key];
    if (target instanceof MapEntries) target.set(key, value);
    else target[key] = value;
    if (key === '$loc' || (value !== null && (typeof value === 'object' || typeof value === 'function')))
      flat = false;
  }
  return flat;
}

/**
 * One item of `$merge([...])`'s array merged into its result as the array constructor and the built-in would take
 * it (fast-codegen.ts writes `$merge([...])` out): nothing for no value, an array's items one by one (a `[...]`
 * item, `nested`, stays one item: JSONata's to refuse), a function value refused. The result is an object, or the
 * entries a field's own `$merge` gives the bus's writer (`FastExpression.entries`).
 */
function mergeValue(target: Record<string, unknown> | MapEntries, value: unknown, nested: boolean): boolean {
  if (value === undefined) return true;
  if (value instanceof FastLambda) throw new Unsupported('function value');
  if (nested || !Array.isArray(value)) return mergeObject(target, value);
  let flat = true;
  for (const item of value) if (!mergeObject(target, item)) flat = false;
  return flat;
}

/** `context`: the signature's first parameter takes the context when no argument is given (`<x-…>`). */
const BUILT_INS: Record<
  string,
  { arities: number[]; fn: (...args: unknown[]) => unknown; context?: boolean }
> = {
  exists: { arities: [1], fn: (arg) => arg !== undefined },
  // Signature <a:n>: nothing counts 0, one value 1.
  count: {
    arities: [1],
    fn: (arg) => {
      const list = arrayArgument(arg);
      return list === undefined ? 0 : list.length;
    },
  },
  // Characters as JSONata counts them (stringToArray: code points).
  length: {
    arities: [1],
    context: true,
    fn: (arg) => {
      const text = str(arg);
      return text === undefined ? undefined : Array.from(text).length;
    },
  },
  substringBefore: {
    arities: [2],
    fn: (arg, chars) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (typeof chars !== 'string') throw new Unsupported('substringBefore of a non-string');
      const at = text.indexOf(chars);
      return at > -1 ? text.substring(0, at) : text;
    },
  },
  substringAfter: {
    arities: [2],
    fn: (arg, chars) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (typeof chars !== 'string') throw new Unsupported('substringAfter of a non-string');
      const at = text.indexOf(chars);
      return at > -1 ? text.substring(at + chars.length) : text;
    },
  },
  // Signature <(nsb)-:n>: a number, a numeric string (decimal, or 0x / 0o / 0b), a boolean; else JSONata's error.
  number: {
    arities: [1],
    context: true,
    fn: (arg) => {
      if (arg === undefined) return undefined;
      if (typeof arg === 'number') {
        if (!isNumeric(arg)) throw new Unsupported('NaN');
        return arg;
      }
      if (typeof arg === 'boolean') return arg ? 1 : 0;
      if (typeof arg === 'string') {
        if (
          /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/.test(arg) &&
          !Number.isNaN(Number.parseFloat(arg)) &&
          Number.isFinite(Number(arg))
        )
          return Number.parseFloat(arg);
        if (/^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/.test(arg)) {
          const n = Number(arg);
          if (!Number.isFinite(n)) throw new Unsupported('not a number');
          return n;
        }
      }
      throw new Unsupported('not a number');
    },
  },
  // Signature <xx:a>: nothing on one side gives the other; else one array of both.
  append: {
    arities: [2],
    fn: (a, b) => {
      for (const v of [a, b])
        if (v instanceof RegExp || v instanceof FastLambda) throw new Unsupported('function value');
      return append(a, b);
    },
  },
  type: {
    arities: [1],
    fn: (value) => {
      if (value === undefined) return undefined;
      if (value === null) return 'null';
      if (value instanceof FastLambda || value instanceof RegExp) throw new Unsupported('function value');
      if (isNumeric(value)) return 'number';
      if (typeof value === 'string') return 'string';
      if (typeof value === 'boolean') return 'boolean';
      if (Array.isArray(value)) return 'array';
      if (isFunction(value)) return 'function';
      if (typeof value === 'number') throw new Unsupported('NaN');
      return 'object';
    },
  },
  // An object's own keys; an array's items' keys, each once, in the order first met.
  keys: {
    arities: [1],
    fn: (arg) => {
      const out = createSequence();
      for (const key of keysOf(arg)) out.push(key);
      return out;
    },
  },
  pad: {
    arities: [2, 3],
    fn: (arg, width, char) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (typeof width !== 'number' || !isNumeric(width)) throw new Unsupported('pad width');
      if (char !== undefined && typeof char !== 'string') throw new Unsupported('pad character');
      const fill = char === undefined || char.length === 0 ? ' ' : char;
      const w = Math.trunc(width);
      const padLength = Math.abs(w) - Array.from(text).length;
      if (padLength <= 0) return text;
      let padding = new Array(padLength + 1).join(fill);
      if (fill.length > 1) padding = Array.from(padding).slice(0, padLength).join('');
      return w > 0 ? text + padding : padding + text;
    },
  },
  encodeUrlComponent: {
    arities: [1],
    context: true,
    fn: (arg) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      try {
        return encodeURIComponent(text);
      } catch {
        throw new Unsupported('malformed URI component');
      }
    },
  },
  // JSONata's to raise, in its words: the compiled form hands the document to it.
  error: {
    arities: [0, 1],
    fn: () => {
      throw new Unsupported('$error');
    },
  },
  // Signature <s-f<s:o>n?:a<o>>: a regex only; each match's text, index and groups.
  match: {
    arities: [2, 3],
    fn: (arg, pattern, limit) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (!(pattern instanceof RegExp)) throw new Unsupported('match pattern');
      if (limit !== undefined && (typeof limit !== 'number' || !isNumeric(limit) || limit < 0))
        throw new Unsupported('match limit');
      const out = createSequence();
      for (const m of matches(pattern, text, limit as number | undefined))
        out.push({ match: m.match, index: m.start, groups: m.groups });
      return out;
    },
  },
  // Signature <af>: the function's results that are something, in order.
  map: {
    arities: [2],
    fn: (arg, fn) => {
      const list = arrayArgument(arg);
      const lambda = lambdaArgument(fn);
      if (list === undefined) return undefined;
      const out = createSequence();
      for (let i = 0; i < list.length; i++) {
        const value = lambda.call(hofArgs(lambda, list[i], i, list));
        if (value instanceof FastLambda) throw new Unsupported('function value');
        if (value !== undefined) out.push(value);
      }
      return out;
    },
  },
  // Signature <af>: the items the function says yes to.
  filter: {
    arities: [2],
    fn: (arg, fn) => {
      const list = arrayArgument(arg);
      const lambda = lambdaArgument(fn);
      if (list === undefined) return undefined;
      const out = createSequence();
      for (let i = 0; i < list.length; i++)
        if (boolean(lambda.call(hofArgs(lambda, list[i], i, list)))) out.push(list[i]);
      return out;
    },
  },
  // Signature <o-f?:o>: the entries the function says yes to; none left is nothing.
  sift: {
    arities: [2],
    fn: (arg, fn) => {
      const lambda = lambdaArgument(fn);
      if (arg === undefined) return undefined;
      if (!plainObject(arg) || isFunction(arg)) throw new Unsupported('sift of a non-object');
      const out: Record<string, unknown> = Object.create(null);
      let kept = 0;
      for (const key of Object.keys(arg)) {
        const value = arg[key];
        if (boolean(lambda.call(hofArgs(lambda, value, key, arg)))) {
          out[key] = value;
          kept++;
        }
      }
      return kept === 0 ? undefined : out;
    },
  },
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
  boolean: { arities: [1], fn: (arg) => boolean(arg) },
  string: { arities: [1], context: true, fn: (arg) => string(arg) },
  trim: {
    arities: [1],
    context: true,
    fn: (arg) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      let out = text.replace(/[ \t\n\r]+/gm, ' ');
      if (out.charAt(0) === ' ') out = out.substring(1);
      if (out.charAt(out.length - 1) === ' ') out = out.substring(0, out.length - 1);
      return out;
    },
  },
  uppercase: { arities: [1], context: true, fn: (arg) => str(arg)?.toUpperCase() },
  lowercase: { arities: [1], context: true, fn: (arg) => str(arg)?.toLowerCase() },
  contains: {
    arities: [2],
    fn: (arg, token) => {
      const text = str(arg);
      if (text === undefined || token === undefined) return undefined;
      if (typeof token === 'string') return text.includes(token);
      if (token instanceof RegExp) return matches(token, text).length > 0;
      throw new Unsupported('contains token');
    },
  },
  split: {
    arities: [2],
    fn: (arg, separator) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (typeof separator === 'string') return text.split(separator);
      if (!(separator instanceof RegExp)) throw new Unsupported('split separator');
      const found = matches(separator, text);
      if (found.length === 0) return [text];
      const out: string[] = [];
      let start = 0;
      for (const m of found) {
        out.push(text.substring(start, m.start));
        start = m.end;
      }
      out.push(text.substring(start));
      return out;
    },
  },
  // Replacements that hold no `$` (no group references): JSONata's own for anything else.
  replace: {
    arities: [3],
    fn: (arg, pattern, replacement) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (typeof replacement !== 'string' || replacement.includes('$')) throw new Unsupported('replacement');
      if (typeof pattern === 'string') {
        if (pattern === '') throw new Unsupported('empty pattern');
        return text.split(pattern).join(replacement);
      }
      if (!(pattern instanceof RegExp)) throw new Unsupported('pattern');
      let out = '';
      let position = 0;
      for (const m of matches(pattern, text)) {
        out += text.substring(position, m.start) + replacement;
        position = m.end;
      }
      return out + text.substring(position);
    },
  },
  substring: {
    arities: [2, 3],
    fn: (arg, start, length) => {
      const text = str(arg);
      if (text === undefined) return undefined;
      if (!Number.isInteger(start) || (length !== undefined && !Number.isInteger(length)))
        throw new Unsupported('substring bounds');
      const chars = Array.from(text);
      let from = start as number;
      if (chars.length + from < 0) from = 0;
      if (length === undefined) return chars.slice(from).join('');
      if ((length as number) <= 0) return '';
      const end = from >= 0 ? from + (length as number) : chars.length + from + (length as number);
      return chars.slice(from, end).join('');
    },
  },
  // Signature <a<o>:o>: one object is an array of one.
  merge: {
    arities: [1],
    fn: (arg) => {
      if (arg === undefined) return undefined;
      const list = Array.isArray(arg) ? arg : [arg];
      const out: Record<string, unknown> = Object.create(null);
      for (const item of list) mergeObject(out, item);
      return out;
    },
  },
  distinct: {
    arities: [1],
    fn: (arg) => {
      if (arg === undefined) return undefined;
      if (!Array.isArray(arg) || arg.length <= 1) return arg;
      const out: unknown[] = isSequence(arg) ? createSequence() : [];
      for (const value of arg) if (!out.some((seen) => isDeepEqual(value, seen))) out.push(value);
      return out;
    },
  },
  // Signature <o-f:a>: the function gets (value, key, object), as many as it declares.
  each: {
    arities: [2],
    fn: (object, fn) => {
      if (!plainObject(object) || !(fn instanceof FastLambda)) throw new Unsupported('each');
      const out = createSequence();
      const arity = fn.params.length;
      for (const key of Object.keys(object)) {
        const value = fn.call(
          arity <= 1 ? [object[key]] : arity === 2 ? [object[key], key] : [object[key], key, object],
        );
        if (value instanceof FastLambda) throw new Unsupported('function value');
        if (value !== undefined) out.push(value);
      }
      return out;
    },
  },
};

function compiledLet(name: string): { params: string[]; body: Evaluator } {
  const compiled = compiledLets.get(name);
  if (compiled) return compiled;
  const { ast } = letFunctions.get(name)!;
  const params = (ast.arguments as AstNode[]).map((a) => a.value as string);
  // Placed first, so a function that calls itself finds itself.
  const slot: { params: string[]; body: Evaluator } = {
    params,
    body: () => {
      throw new Unsupported('not compiled');
    },
  };
  compiledLets.set(name, slot);
  try {
    if (ast.signature) throw new Unsupported('signature');
    slot.body = lambdaBody(ast.body as AstNode);
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
  }
  return slot;
}

/** A lambda's body; a tail call (JSONata's thunk) is applied as it is, without the result's sequence unwrapping. */
function lambdaBody(body: AstNode): Evaluator {
  if (body.type === 'lambda' && body.thunk === true && (body.arguments as AstNode[]).length === 0) {
    const call = body.body as AstNode;
    if (call.type !== 'function' || call.predicate || call.group || call.keepArray)
      throw new Unsupported('thunk');
    return compileCall(call);
  }
  return generatedCode ? generateBody(body, kit) : compile(body);
}

/** What compileCall below calls for `$name` with `arity` arguments, when it is a mapping function or a built-in. */
function callee(
  name: string,
  arity: number,
): { kind: 'own' | 'builtIn'; fn: (...args: unknown[]) => unknown } | undefined {
  const own = callable[name];
  if (own) return { kind: 'own', fn: own };
  if (letFunctions.has(name)) return undefined;
  const builtIn = BUILT_INS[name];
  return builtIn?.arities.includes(arity) ? { kind: 'builtIn', fn: builtIn.fn } : undefined;
}

/** What the generated code (fast-codegen.ts) borrows: the closures for what it leaves to them, and the helpers. */
const kit: CodegenKit<Context> = {
  compile: (expr) => compile(expr),
  generalPath: (expr) => compileGeneralPath(expr),
  plainNames,
  callee,
  isFunctionName,
  inFrames: (name) => frameNames.has(name),
  higherOrder: (name) => HIGHER_ORDER.has(name),
  helpers: {
    lookup,
    isSequence,
    isFunction,
    boolean,
    string,
    isDeepEqual,
    FastLambda,
    Unsupported,
    shadowed,
    inBindings,
    variable,
    binding,
    checkKey,
    markCons,
    createSequence,
    deadlineTick,
    objectPrototype: Object.prototype,
    mergeValue,
    MapEntries,
    markFlat,
    kept,
    flattenOwn,
    unwrapped,
    keepItem,
  },
};

function compileFunction(expr: AstNode): Evaluator {
  return compileCall(expr);
}

function compileCall(expr: AstNode): Evaluator {
  const procedure = expr.procedure as AstNode;
  const args = (expr.arguments as AstNode[]).map(compile);
  if (procedure.type !== 'variable' || typeof procedure.value !== 'string')
    throw new Unsupported('procedure');
  const name = procedure.value;
  const values = (input: unknown, c: Context) => {
    const argv: unknown[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) argv[i] = args[i]!(input, c);
    return argv;
  };
  const hasLambda = (argv: unknown[]) => {
    for (const v of argv) if (v instanceof FastLambda) return true;
    return false;
  };
  const own = callable[name];
  if (own) {
    return (input, c) => {
      if (shadowed(c, name)) throw new Unsupported('shadowed');
      const argv = values(input, c);
      if (hasLambda(argv)) throw new Unsupported('function argument');
      const result = own.apply(input, argv);
      if (result instanceof Promise) throw new Unsupported('async');
      return result;
    };
  }
  if (letFunctions.has(name)) {
    const target = compiledLet(name);
    const visible = letFunctions.get(name)!.visible;
    return (input, c) => {
      // The let's own binding is what the name means here; a `:=` of the same name shadows it.
      for (let f = c.frame; f; f = f.parent) if (f.vars.has(name)) throw new Unsupported('shadowed');
      if (c.visible && !c.visible.has(name)) throw new Unsupported('not visible');
      if (!Object.hasOwn(c.bindings, 'tree')) throw new Unsupported('no tree');
      const argv = values(input, c);
      const vars = new Map<string, unknown>();
      const params = target.params;
      for (let i = 0; i < params.length; i++) vars.set(params[i]!, argv[i]);
      // The let was evaluated against the document's tree: its functions' `$` and `$$`.
      const tree = c.bindings.tree;
      return target.body(tree, { bindings: c.bindings, root: tree, frame: { vars, parent: null }, visible });
    };
  }
  const builtIn = BUILT_INS[name];
  // `$string()` on a path step (`ids.$string()`): a built-in whose first argument may be the context, given none.
  if (builtIn?.context && args.length === 0)
    return (input, c) => {
      if (shadowed(c, name)) throw new Unsupported('shadowed');
      // The context as JSONata's signature check sees it: an array (a sequence, the wrapped input) is its to judge.
      if (Array.isArray(input) || input instanceof FastLambda) throw new Unsupported('context argument');
      return builtIn.fn(input);
    };
  if (builtIn?.arities.includes(args.length)) {
    return (input, c) => {
      if (shadowed(c, name)) throw new Unsupported('shadowed');
      const argv = values(input, c);
      if (!HIGHER_ORDER.has(name) && hasLambda(argv)) throw new Unsupported('function argument');
      return builtIn.fn(...argv);
    };
  }
  if (JSONATA_BUILT_INS.has(name)) throw new Unsupported(`$${name}`);
  // A variable bound to a lambda (`$walk := function(...) {...}`, a parameter given one), applied as JSONata's
  // applyProcedure applies it; any other value there is JSONata's to refuse.
  return (input, c) => {
    const fn = variable(c, name);
    if (!(fn instanceof FastLambda)) throw new Unsupported(`$${name} is not a compiled function`);
    return fn.call(values(input, c));
  };
}

/** A key of an object constructor: a string, and not one of JSONata's function markers. */
function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '_jsonata_lambda' || key === '_jsonata_function')
    throw new Unsupported('key');
}

/** JSONata's object constructor (evaluateGroupExpression) over a sequence without tuples. */
function compileObject(expr: AstNode): Evaluator {
  const pairs = (expr.lhs as AstNode[][]).map(([key, value]) => [compile(key!), compile(value!)] as const);
  /** One item (not an array): each pair's key once, so no grouping; the keys first, then the values, in order. */
  const single = (input: unknown, c: Context) => {
    const keys: string[] = [];
    const used: number[] = [];
    for (let index = 0; index < pairs.length; index++) {
      const key = pairs[index]![0](input, c);
      if (key === undefined) continue;
      checkKey(key);
      if (keys.includes(key)) throw new Unsupported('duplicate key');
      keys.push(key);
      used.push(index);
    }
    const out: Record<string, unknown> = Object.create(null);
    for (let i = 0; i < keys.length; i++) {
      const value = pairs[used[i]!]![1](input, c);
      if (value instanceof FastLambda) throw new Unsupported('function value');
      if (value !== undefined) out[keys[i]!] = value;
    }
    return out;
  };
  // Keys all written as distinct strings (the common `{'address': …, 'primary': true}`): known before any input,
  // so one item needs no key evaluation and no duplicate check.
  const keyNodes = (expr.lhs as AstNode[][]).map(([key]) => key!);
  const literal = keyNodes.every((key) => key.type === 'string' && !key.predicate && !key.group)
    ? keyNodes.map((key) => key.value as string)
    : undefined;
  const fixed =
    literal &&
    new Set(literal).size === literal.length &&
    literal.every((key) => key !== '_jsonata_lambda' && key !== '_jsonata_function')
      ? literal
      : undefined;
  const singleFixed = (input: unknown, c: Context) => {
    const out: Record<string, unknown> = Object.create(null);
    for (let i = 0; i < pairs.length; i++) {
      const value = pairs[i]![1](input, c);
      if (value instanceof FastLambda) throw new Unsupported('function value');
      if (value !== undefined) out[fixed![i]!] = value;
    }
    return out;
  };
  return (input, c) => {
    if (input && (input as { tupleStream?: boolean }).tupleStream) throw new Unsupported('tuples');
    if (!Array.isArray(input)) return fixed ? singleFixed(input, c) : single(input, c);
    const items = [...input];
    if (items.length === 0) items.push(undefined);
    const groups = new Map<string, { data: unknown; pair: number }>();
    for (const item of items) {
      for (let index = 0; index < pairs.length; index++) {
        const key = pairs[index]![0](item, c);
        if (key === undefined) continue;
        checkKey(key);
        const group = groups.get(key);
        if (!group) groups.set(key, { data: item, pair: index });
        else if (group.pair !== index) throw new Unsupported('duplicate key');
        else group.data = append(group.data, item);
      }
    }
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, { data, pair }] of groups) {
      const value = pairs[pair]![1](data, c);
      if (value instanceof FastLambda) throw new Unsupported('function value');
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
}

/** JSONata's $append, as the array constructor and grouping use it. */
function append(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const left = Array.isArray(a) ? a : createSequence(a);
  return left.concat(Array.isArray(b) ? b : [b]);
}

function compileArray(expr: AstNode): Evaluator {
  const items = (expr.expressions as AstNode[]).map((item) => ({
    nested: item.value === '[',
    evaluate: compile(item),
  }));
  const cons = expr.consarray === true;
  return (input, c) => {
    // `out` is this call's own plain array: appending in place is what $append's copy would give.
    const out: unknown[] = [];
    for (const item of items) {
      const value = item.evaluate(input, c);
      if (value === undefined) continue;
      if (value instanceof FastLambda) throw new Unsupported('function value');
      if (item.nested || !Array.isArray(value)) out.push(value);
      else for (const v of value) out.push(v);
    }
    if (cons) markCons(out);
    return out;
  };
}

function markCons(array: unknown[]): void {
  Object.defineProperty(array, 'cons', { enumerable: false, configurable: false, value: true });
}

function compileBlock(expr: AstNode): Evaluator {
  const steps = (expr.expressions as AstNode[]).map(compile);
  return (input, c) => {
    const inner: Context = {
      bindings: c.bindings,
      root: c.root,
      frame: { vars: new Map(), parent: c.frame },
      visible: c.visible,
    };
    let result: unknown;
    for (const step of steps) result = step(input, inner);
    return result;
  };
}

function compileVariable(expr: AstNode): Evaluator {
  const name = expr.value as string;
  if (name === '')
    return (input) => (input && (input as Sequence).outerWrapper ? (input as unknown[])[0] : input);
  if (name === '$') return (_input, c) => c.root;
  if (letFunctions.has(name)) return letFunctionValue(name);
  // A function's name as a value is JSONata's to hand on, unless a `:=` or a parameter of the same name (`$keys`,
  // `$type`) hides the function.
  if (isFunctionName(name)) {
    if (!boundNames.has(name)) throw new Unsupported('function value');
    return (_input, c) => {
      if (!shadowed(c, name)) throw new Unsupported('function value');
      return variable(c, name);
    };
  }
  return (_input, c) => variable(c, name);
}

/**
 * A let's function as a value (`$map($parties, $partyRole)`): a lambda over its compiled body, with the closure the
 * let's value has (the document's tree as `$` and `$$`, the names visible to it); a `:=` of the name shadows it.
 */
function letFunctionValue(name: string): Evaluator {
  const target = compiledLet(name);
  const visible = letFunctions.get(name)!.visible;
  return (_input, c) => {
    for (let f = c.frame; f; f = f.parent) if (f.vars.has(name)) return variable(c, name);
    if (c.visible && !c.visible.has(name)) throw new Unsupported('not visible');
    if (!Object.hasOwn(c.bindings, 'tree')) throw new Unsupported('no tree');
    const tree = c.bindings.tree;
    return new FastLambda(target.params, target.body, tree, {
      bindings: c.bindings,
      root: tree,
      frame: null,
      visible,
    });
  };
}

function isFunctionName(name: string): boolean {
  return !!(callable[name] || BUILT_INS[name] || letFunctions.has(name));
}

/** A variable's value: bound by `:=` or a lambda, else one of the bindings; a function's is JSONata's to hand on. */
function variable(c: Context, name: string): unknown {
  let value: unknown;
  let found = false;
  for (let f = c.frame; f && !found; f = f.parent) {
    if (f.vars.has(name)) {
      found = true;
      value = f.vars.get(name);
    }
  }
  if (!found && Object.hasOwn(c.bindings, name) && (!c.visible || c.visible.has(name))) {
    found = true;
    value = c.bindings[name];
  }
  if (!found) throw new Unsupported(`unbound $${name}`);
  if (value instanceof Object && (value as { _jsonata_lambda?: boolean })._jsonata_lambda)
    throw new Unsupported('function value');
  return value;
}

/** `variable`, for a name no frame can hold (`frameNames`): one of the bindings. */
function binding(c: Context, name: string): unknown {
  if (!inBindings(c, name)) throw new Unsupported(`unbound $${name}`);
  const value = c.bindings[name];
  if (value instanceof Object && (value as { _jsonata_lambda?: boolean })._jsonata_lambda)
    throw new Unsupported('function value');
  return value;
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
    case 'unary':
      if (expr.value === '{') body = compileObject(expr);
      else if (expr.value === '[') body = compileArray(expr);
      else if (expr.value === '-') {
        // JSONata's evaluateUnary: a number negated, nothing stays nothing, anything else its error.
        const operand = compile(expr.expression as AstNode);
        body = (input, c) => {
          const value = operand(input, c);
          if (value === undefined) return undefined;
          if (!isNumeric(value)) throw new Unsupported('negation of a non-number');
          return -(value as number);
        };
      } else throw new Unsupported(`unary ${String(expr.value)}`);
      break;
    case 'block':
      body = compileBlock(expr);
      break;
    case 'bind': {
      const name = (expr.lhs as AstNode).value as string;
      const rhs = compile(expr.rhs as AstNode);
      body = (input, c) => {
        const value = rhs(input, c);
        if (!c.frame) throw new Unsupported('bind outside a frame');
        c.frame.vars.set(name, value);
        return value;
      };
      break;
    }
    case 'regex': {
      const re = expr.value as RegExp;
      body = () => re;
      break;
    }
    case 'lambda': {
      // A tail call in a function's body (a condition's branch, a block's last step): JSONata defers it as a thunk
      // and applies it without unwrapping; the call site of the function unwraps the result either way.
      if (expr.thunk === true && (expr.arguments as AstNode[]).length === 0) {
        body = lambdaBody(expr);
        break;
      }
      if (expr.signature || expr.thunk) throw new Unsupported('lambda');
      const params = (expr.arguments as AstNode[]).map((a) => a.value as string);
      const lambda = lambdaBody(expr.body as AstNode);
      body = (input, c) => new FastLambda(params, lambda, input, c);
      break;
    }
    default:
      throw new Unsupported(String(expr.type));
  }
  return withWrapper(expr, body);
}

/**
 * Whether expressions are compiled to generated code (fast-codegen.ts) or to fast-path.ts's closures alone;
 * EAI_MAPPING_CODEGEN=0 turns the code off (to compare the two; both answer as JSONata does).
 */
const generatedCode = process.env.EAI_MAPPING_CODEGEN !== '0';

/**
 * The compiled form of an expression's AST, or undefined when it uses more than this subset. `functions`: the
 * mapping's own functions, callable by name (a binding of the same name, e.g. a let, makes the call fall back).
 */
export function fastExpression(
  ast: AstNode,
  functions: Record<string, unknown> = {},
  lets: ReadonlyMap<string, LetFunction> = new Map(),
): FastExpression | undefined {
  // A function as the whole expression (a let defining one) is a value only JSONata can hand on.
  if (ast.type === 'lambda') return undefined;
  callable = functions as Record<string, (...args: unknown[]) => unknown>;
  letFunctions = lets;
  compiledLets = new Map();
  const bound = new Set<string>();
  const positions = new Set<string>();
  collectBound(ast, bound, positions);
  for (const { ast: body } of lets.values()) collectBound(body, bound, positions);
  boundNames = bound;
  frameNames = new Set([...bound, ...positions]);
  // Only `:=` writes into the frame it runs in, and a block or a lambda's call runs it in a frame of its own: without
  // one outside those, every evaluation can share one empty frame.
  const shared: Frame | undefined = hasBind(ast) ? undefined : { vars: new Map(), parent: null };
  let evaluator: Evaluator;
  try {
    // The generated function is the whole expression, the input's wrapping and the result's check below included.
    if (generatedCode) {
      const generated: FastExpression = generate(ast, kit, shared);
      generated.ownFrame = shared === undefined;
      // `$merge([...])` as the whole expression: generated again for the bus's writer, its result as MapEntries.
      const procedure = ast.procedure as AstNode | undefined;
      const list = (ast.arguments as AstNode[] | undefined)?.[0];
      if (
        ast.type === 'function' &&
        procedure?.value === 'merge' &&
        list?.type === 'unary' &&
        list.value === '['
      ) {
        generated.entries = generate(ast, kit, shared, true);
        generated.entries.ownFrame = generated.ownFrame;
      }
      return generated;
    }
    evaluator = compile(ast);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  } finally {
    callable = {};
    letFunctions = new Map();
    compiledLets = new Map();
    boundNames = new Set();
    frameNames = new Set();
  }
  return (input, bindings, visible) => {
    // JSONata wraps an array input in a sequence of one, so the expression sees it as one value.
    let wrapped = input;
    if (Array.isArray(input) && !isSequence(input)) {
      wrapped = createSequence(input);
      (wrapped as Sequence).outerWrapper = true;
    }
    const result = evaluator(wrapped, {
      bindings,
      root: input,
      frame: shared ?? { vars: new Map(), parent: null },
      visible: visible ?? null,
    });
    if ((result instanceof FastLambda && !visible) || result instanceof RegExp)
      throw new Unsupported('function value');
    return result;
  };
}

/** The names bound by `:=` and by lambdas' parameters anywhere in the AST; and by positions (`lines#$i`). */
function collectBound(node: unknown, into: Set<string>, positions: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectBound(item, into, positions);
    return;
  }
  if (!node || typeof node !== 'object' || node instanceof RegExp) return;
  const ast = node as AstNode;
  if (ast.type === 'bind') into.add((ast.lhs as AstNode).value as string);
  if (ast.type === 'lambda') for (const a of ast.arguments as AstNode[]) into.add(a.value as string);
  if (typeof ast.index === 'string') positions.add(ast.index);
  for (const value of Object.values(node)) collectBound(value, into, positions);
}

/** Whether a `:=` occurs in the AST outside any block or lambda (which bind in frames of their own). */
function hasBind(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasBind);
  if (!node || typeof node !== 'object' || node instanceof RegExp) return false;
  const type = (node as AstNode).type;
  if (type === 'bind') return true;
  if (type === 'block' || type === 'lambda') return false;
  return Object.values(node).some(hasBind);
}

/** Thrown when a compiled expression meets what only JSONata handles (run.ts then asks JSONata). */
export { Unsupported as FastPathUnsupported };
