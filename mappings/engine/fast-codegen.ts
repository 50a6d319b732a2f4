/**
 * The compiled expressions of fast-path.ts as JavaScript source, one function per expression: fast-path.ts builds a
 * tree of closures, one per AST node, each called through the same few call sites, which V8 cannot inline (they see
 * hundreds of different closures). Written out as straight-line code, a path is a few property reads and a
 * condition a branch, which V8 optimises as it does hand-written code.
 *
 * The source does what fast-path.ts's closure for the same node does, step for step (its sequences, unwrapping,
 * fallbacks), for the nodes most mappings are made of: literals, variables, paths (of names, and the general walk
 * over sequences, its steps' predicate stages each run by fast-path.ts's filter), `and` `or` `=` `!=` `&` `in`,
 * conditions, blocks and `:=`, object and array constructors over one item, and calls of the mapping's functions and
 * of the built-ins fast-path.ts compiles; `$merge([...])` stores the object constructors of its array straight into
 * its result. A let's function body is generated the same way (`generateBody`), called by its closure. Any other
 * node (a predicate on a node that is not a path step, lambdas, the call of a let's function, `[]`, tuples…), or an
 * object constructor over an array, runs fast-path.ts's closure for that node, from inside the generated code.
 * fast-path.spec.ts checks the result against JSONata on every input shape and on every fixture of every mapping.
 */
import type { Sequence } from './fast-path.ts';

export type AstNode = { type?: string; value?: unknown; [key: string]: unknown };

/** What fast-path.ts lends the generated code: its closures for the nodes left to them, and its helpers. */
export interface CodegenKit<Context> {
  /** fast-path.ts's closure for a node (throws its Unsupported when the node is outside the compiled subset). */
  compile(expr: AstNode): (input: unknown, context: Context) => unknown;
  /** The general walk of a path (sequences, arrays on the way), as fast-path.ts's compilePath builds it. */
  generalPath(expr: AstNode): (input: unknown, context: Context) => unknown;
  /** The names of a path that is only names, or undefined. */
  plainNames(expr: AstNode): string[] | undefined;
  /**
   * What a call of `$name` with `arity` arguments runs, as fast-path.ts's compileCall decides it: a mapping function
   * (called with the input as `this`), a compiled built-in, or undefined (a let's function, `$each`, anything else:
   * the closure's).
   */
  callee(
    name: string,
    arity: number,
  ): { kind: 'own' | 'builtIn'; fn: (...args: unknown[]) => unknown } | undefined;
  /** Whether the name is a function value only JSONata can hand on (a mapping function, a built-in, a let's). */
  isFunctionName(name: string): boolean;
  /** Whether a frame may hold the name (a `:=`, a parameter or a position binds it somewhere): else only bindings can. */
  inFrames(name: string): boolean;
  /** Whether the built-in takes a function argument (`$map`, `$each`…): its call is the closure's. */
  higherOrder(name: string): boolean;
  /** Helpers the generated code calls: see `HELPERS` below. */
  helpers: Record<(typeof HELPERS)[number], unknown>;
}

/** The helpers' names, as the generated code knows them. */
export const HELPERS = [
  'lookup',
  'isSequence',
  'isFunction',
  'boolean',
  'string',
  'isDeepEqual',
  'FastLambda',
  'Unsupported',
  'shadowed',
  'inBindings',
  'variable',
  'binding',
  'checkKey',
  'markCons',
  'createSequence',
  'deadlineTick',
  'objectPrototype',
  'mergeValue',
  'MapEntries',
  'markFlat',
  'kept',
  'flattenOwn',
  'unwrapped',
  'keepItem',
] as const;

/** Valid as a property name after a dot. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

class Generator<Context> {
  private readonly kit: CodegenKit<Context>;
  /** Values the code refers to as `k[i]`: closures, functions, literals that are not plain JSON. */
  readonly constants: unknown[] = [];
  private lines: string[] = [];
  private next = 0;
  /**
   * The temps that hold a plain-names path's value over an input (by input and names), where the code emitted so
   * far has computed it: the same path over the same input again is that temp. A path's reads are pure, and nothing
   * assigns a path's temp after it; a branch's (`block`) are forgotten at its end.
   */
  private known = new Map<string, string>();

  /** The `$merge` call whose result is made as MapEntries (`generate`'s `entries`), not as an object. */
  private readonly entriesOf: AstNode | undefined;
  /** The temps that hold MapEntries: a pair is stored into one with `set`. */
  private readonly entryTargets = new Set<string>();

  constructor(kit: CodegenKit<Context>, entriesOf?: AstNode) {
    this.kit = kit;
    this.entriesOf = entriesOf;
  }

  /** The temps of the function being written (the body's, or a part's: `part`). */
  private temps: string[] = [];
  /** The parts written out as functions of their own (`part`), declared before the body in the generated source. */
  readonly parts: string[] = [];

  private temp(): string {
    const name = `t${this.next++}`;
    this.temps.push(name);
    return name;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  private emit(line: string): void {
    this.lines.push(line);
  }

  /** Code emitted into a block of its own (a branch): its lines, and the temp that holds its result. */
  private block(build: () => string): { lines: string[]; result: string } {
    const outer = this.lines;
    const known = this.known;
    this.lines = [];
    this.known = new Map(known);
    const result = build();
    const lines = this.lines;
    this.lines = outer;
    this.known = known;
    return { lines, result };
  }

  /** The body of the generated function: its statements, and the temp its result ends in. */
  body(ast: AstNode): string {
    const result = this.node(ast, 'input');
    return `${declare(this.temps)}${this.lines.join('\n')}\nreturn ${result};`;
  }

  /**
   * Code written as a function of its own, called where it would have been written: `build` emits statements that
   * read `input`, the context `c` and the temp `target`, and may set the temp `flag` false (its result). The part
   * has temps of its own and knows no path read before it (`known`), so it reads nothing else of the caller's.
   * V8 optimises no function whose bytecode is over its limit (TurboFan's 60 KB): an expression as large as that
   * (a `$merge` of a hundred constructors) ran unoptimised as a whole; in parts each is optimised.
   */
  private part(input: string, target: string, flag: string, build: () => void): void {
    const outer = { lines: this.lines, known: this.known, temps: this.temps };
    this.lines = [];
    this.known = new Map();
    this.temps = [];
    build();
    const name = `part${this.parts.length}`;
    this.parts.push(
      `function ${name}(${input}, c, ${target}) {\nlet ${flag} = true;\n${declare(this.temps)}${this.lines.join('\n')}\nreturn ${flag};\n}`,
    );
    this.lines = outer.lines;
    this.known = outer.known;
    this.temps = outer.temps;
    this.emit(`if (!${name}(${input}, c, ${target})) ${flag} = false;`);
  }

  /** fast-path.ts's closure for the node, called from the generated code. */
  private closure(expr: AstNode, input: string): string {
    const fn = this.constant(this.kit.compile(expr));
    const out = this.temp();
    this.emit(`${out} = ${fn}(${input}, c);`);
    return out;
  }

  /**
   * One node, fast-path.ts's `compile` + `withWrapper`: the node's value, then the sequence unwrapping. A node with
   * grouping or `[]` is the closure's; one with predicates, `filtered`'s.
   */
  node(expr: AstNode, input: string): string {
    if (expr.group || expr.keepArray || expr.stages) return this.closure(expr, input);
    if (expr.predicate) return this.filtered(expr, input);
    switch (expr.type) {
      case 'string':
      case 'number':
      case 'value':
        return this.literal(expr.value);
      case 'name': {
        // lookup(): over an array, each item's; over one value, its read as a path's (`read`).
        const out = this.temp();
        const x = this.temp();
        const p = this.temp();
        const name = expr.value as string;
        this.emit(
          `if (Array.isArray(${input})) ${out} = lookup(${input}, ${JSON.stringify(name)});\nelse { ${x} = ${input};\n${out} = ${read(x, out, p, name)}; }`,
        );
        return this.unwrap(out);
      }
      case 'variable':
        return this.unwrap(this.variable(expr, input));
      case 'path':
        return this.path(expr, input);
      case 'binary':
        return this.binary(expr, input);
      case 'condition':
        return this.unwrap(this.condition(expr, input));
      case 'function':
        return this.unwrap(this.call(expr, input));
      case 'block':
        return this.unwrap(this.scope(expr, input));
      case 'bind':
        return this.unwrap(this.bind(expr, input));
      case 'unary':
        if (expr.value === '{') return this.object(expr, input);
        if (expr.value === '[') return this.array(expr, input);
        return this.closure(expr, input);
      default:
        return this.closure(expr, input);
    }
  }

  /**
   * A variable or an array constructor with predicates (`$[price]`, `[id, code, title][0]`): its value as it is,
   * each predicate's filter over it in turn, then unwrapped, as withWrapper does. Any other node with predicates
   * (and one with a predicate that is not a filter) is the closure's.
   */
  private filtered(expr: AstNode, input: string): string {
    const { predicate, ...bare } = expr;
    const predicates = predicate as Array<{ type: string; expr: AstNode }>;
    const variable = bare.type === 'variable' && !this.kit.isFunctionName(bare.value as string);
    if (predicates.some((p) => p.type !== 'filter') || !(variable || plainNode(bare, 'unary', '[')))
      return this.closure(expr, input);
    let value = variable ? this.variable(bare, input) : this.array(bare, input);
    for (const [i, { expr: test }] of predicates.entries())
      value = this.filter(test, value, i === predicates.length - 1);
    return value;
  }

  /**
   * fast-path.ts's compileFilter over `value`, written out: a number keeps the item at that index (from the end when
   * negative); any other predicate is evaluated over each item (a value that is not an array is one item), which it
   * keeps as `kept` says. The kept items in a sequence of their own (a lone array item is kept as it is); `unwrap`:
   * that sequence unwrapped, without making it for none or one (`keepItem`). `step`: the filter is the last stage of a
   * path's step, whose result the walk pushes onto the step's results, to be flattened: a number's item is then
   * given as it is (undefined for none), which flattens to what its sequence of one (or none) would.
   */
  private filter(test: AstNode, value: string, unwrap = false, step = false): string {
    const out = this.temp();
    const item = this.temp();
    if (test.type === 'number') {
      const index = Math.floor(test.value as number);
      // Of a value that is not an array (a sequence of one), index 0 and -1 are the value.
      this.emit(
        `${item} = Array.isArray(${value}) ? ${value}[${index < 0 ? `${value}.length + (${index})` : index}] : ${index === 0 || index === -1 ? value : 'undefined'};`,
      );
      if (step) return item;
      this.emit(
        unwrap
          ? `${out} = ${item} === undefined ? undefined : Array.isArray(${item}) ? unwrapped(${item}) : ${item};`
          : `${out} = createSequence();\nif (${item} !== undefined) { if (Array.isArray(${item})) ${out} = ${item}; else ${out}.push(${item}); }`,
      );
      return out;
    }
    const many = this.temp();
    const length = this.temp();
    const index = this.temp();
    const times = this.temp();
    const count = this.temp();
    const result = this.block(() => this.node(test, item));
    this.emit(
      [
        unwrap ? `${out} = undefined;\n${count} = 0;` : `${out} = createSequence();`,
        `${many} = Array.isArray(${value});`,
        `${length} = ${many} ? ${value}.length : 1;`,
        `for (${index} = 0; ${index} < ${length}; ${index}++) {`,
        `${item} = ${many} ? ${value}[${index}] : ${value};`,
        ...result.lines,
        `for (${times} = kept(${result.result}, ${index}, ${length}); ${times} > 0; ${times}--) ${unwrap ? `${out} = keepItem(${out}, ${count}++, ${item});` : `${out}.push(${item});`}`,
        '}',
      ].join('\n'),
    );
    return out;
  }

  /**
   * A block `(a; b)`: its steps in order in a frame of its own (what their `:=` bind), the last one's value, as
   * fast-path.ts's compileBlock. `c` is the generated function's context: the block's replaces it until its end.
   */
  private scope(expr: AstNode, input: string): string {
    const outer = this.temp();
    const out = this.temp();
    this.emit(
      `${outer} = c;\nc = { bindings: c.bindings, root: c.root, frame: { vars: new Map(), parent: c.frame }, visible: c.visible };\n${out} = undefined;`,
    );
    for (const step of expr.expressions as AstNode[]) this.emit(`${out} = ${this.node(step, input)};`);
    this.emit(`c = ${outer};`);
    return out;
  }

  /** `$name := value`: bound in the frame the expression runs in, as fast-path.ts's closure for `bind`. */
  private bind(expr: AstNode, input: string): string {
    const name = (expr.lhs as AstNode).value as string;
    const value = this.node(expr.rhs as AstNode, input);
    const out = this.temp();
    this.emit(
      `${out} = ${value};\nif (!c.frame) throw new Unsupported('bind outside a frame');\nc.frame.vars.set(${JSON.stringify(name)}, ${out});`,
    );
    return out;
  }

  /** withWrapper's unwrapping of a sequence result: none left, one, or kept. */
  private unwrap(value: string): string {
    this.emit(
      `if (${value} && isSequence(${value}) && !${value}.tupleStream) { if (${value}.length === 0) ${value} = undefined; else if (${value}.length === 1 && !${value}.keepSingleton) ${value} = ${value}[0]; }`,
    );
    return value;
  }

  private literal(value: unknown): string {
    if (value === null || typeof value === 'boolean' || typeof value === 'string')
      return JSON.stringify(value);
    if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)) return String(value);
    return this.constant(value);
  }

  private variable(expr: AstNode, input: string): string {
    const name = expr.value as string;
    const out = this.temp();
    if (name === '') this.emit(`${out} = ${input} && ${input}.outerWrapper ? ${input}[0] : ${input};`);
    else if (name === '$') this.emit(`${out} = c.root;`);
    else if (this.kit.isFunctionName(name)) return this.closure(expr, input);
    else
      this.emit(`${out} = ${this.kit.inFrames(name) ? 'variable' : 'binding'}(c, ${JSON.stringify(name)});`);
    return out;
  }

  /**
   * A path. Of plain names over single values: a property read per name; an array input, or one met on the way
   * (unless it is the last step's plain array), takes the general walk from the start, as fast-path.ts's does. A
   * variable then plain names (`$record.currency`): the same, from the variable's value when it is one value. Any
   * other path without stages: the general walk written out (steps over the sequence so far, flattened). A
   * plain-names path the code has read over the same input already is that value (`known`).
   */
  private path(expr: AstNode, input: string): string {
    const names = this.kit.plainNames(expr);
    const key = names && `${input} ${JSON.stringify(names)}`;
    const known = key && this.known.get(key);
    if (known) return known;
    // Built first in any case: it refuses what fast-path.ts refuses (tuples, focus, sorting…), and is the fallback.
    const generalWalk = this.kit.generalPath(expr);
    const steps = expr.steps as AstNode[];
    // A positional binding (`#$i`) makes a tuple stream: fast-path.ts's walk of it.
    if (steps.some((step) => step.tuple)) return this.closure(expr, input);
    const general = this.constant(generalWalk);
    if (names) {
      const out = this.temp();
      const label = `p${this.next}`;
      this.emit(
        `${label}: {\nif (Array.isArray(${input})) { ${out} = unwrapped(${general}(${input}, c)); break ${label}; }`,
      );
      this.names(names, input, input, out, general, label);
      this.emit('}');
      this.known.set(key!, out);
      return out;
    }
    const rest = this.kit.plainNames({ type: 'path', steps: steps.slice(1) });
    if (
      steps.length > 1 &&
      steps[0]!.type === 'variable' &&
      rest &&
      !expr.keepSingletonArray &&
      !expr.keepArray
    ) {
      const first = this.kit.plainNames({ type: 'path', steps: [{ ...steps[0]!, type: 'name' }] });
      if (first) {
        // The variable alone, as the walk evaluates its first step over the one input.
        const value = this.node(steps[0]!, input);
        const out = this.temp();
        const label = `p${this.next}`;
        this.emit(
          `${label}: {\nif (${value} === undefined || Array.isArray(${value})) { ${out} = unwrapped(${general}(${input}, c)); break ${label}; }`,
        );
        this.names(rest, value, input, out, general, label);
        this.emit('}');
        return out;
      }
    }
    if (expr.keepSingletonArray || steps[0]!.consarray) return this.closure(expr, input);
    return this.unwrap(this.walk(steps, input));
  }

  /**
   * The general walk of a path's steps, written out: each step over the sequence so far, flattened, into the temp
   * returned (undefined where the walk ends early with nothing, which is what unwrapping its empty sequence gives).
   * The first step goes over the input's items (an array's, else the input alone, as a sequence of one would), and
   * a step's results are the next step's sequence as they are when flattening would only copy them. With `into`, the
   * last step is not evaluated as a value: `into` writes what each item does with it.
   */
  private walk(steps: AstNode[], input: string, into?: (item: string) => void): string {
    const out = this.temp();
    const sequence = this.temp();
    const label = `p${this.next}`;
    this.emit(`${label}: {\n${out} = undefined;`);
    for (const [i, step] of steps.entries()) {
      const item = this.temp();
      // Over the input, a variable's value is one item whatever it is (fast-path.ts's createSequence(input)).
      const many = this.temp();
      const length = this.temp();
      const index = this.temp();
      const loop =
        i === 0
          ? [
              `${many} = ${steps[0]!.type !== 'variable' ? `Array.isArray(${input})` : 'false'};`,
              `${length} = ${many} ? ${input}.length : 1;`,
              `for (${index} = 0; ${index} < ${length}; ${index}++) {`,
              `${item} = ${many} ? ${input}[${index}] : ${input};`,
            ]
          : [`for (${item} of ${sequence}) {`];
      if (into && i === steps.length - 1) {
        const body = this.block(() => {
          into(item);
          return '';
        });
        this.emit([...loop, 'deadlineTick();', ...body.lines, '}'].join('\n'));
        break;
      }
      const result = this.temp();
      // The step's own value, then its predicate stages over it.
      const { stages, ...bare } = step;
      const value = this.block(() => {
        let v = this.node(bare, item);
        const filters = (stages as Array<{ expr: AstNode }> | undefined) ?? [];
        for (const [s, stage] of filters.entries())
          v = this.filter(stage.expr, v, false, s === filters.length - 1);
        return v;
      });
      this.emit(
        [
          `${result} = createSequence();`,
          ...loop,
          'deadlineTick();',
          ...value.lines,
          `if (${value.result} !== undefined) ${result}.push(${value.result});`,
          '}',
          i === steps.length - 1
            ? `${out} = ${result}.length === 1 && Array.isArray(${result}[0]) && !isSequence(${result}[0]) ? ${result}[0] : flattenOwn(${result});`
            : // One array of results (a path's list): its items are the flattened sequence, walked where they are.
              `${sequence} = ${result}.length === 1 && Array.isArray(${result}[0]) && !${result}[0].cons ? ${result}[0] : flattenOwn(${result});\nif (${sequence}.length === 0) break ${label};`,
        ].join('\n'),
      );
    }
    this.emit('}');
    return out;
  }

  /**
   * The plain-names walk from `from` (one value, not an array) into `out`, a value that is not a sequence; anything
   * else: `general` over `input`, unwrapped.
   */
  private names(
    names: string[],
    from: string,
    input: string,
    out: string,
    general: string,
    label: string,
  ): void {
    const v = this.temp();
    const x = this.temp();
    const p = this.temp();
    const lines = [`${v} = ${from};`];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      lines.push(
        `${x} = ${v};`,
        `${v} = ${read(x, v, p, name)};`,
        `if (${v} === undefined) { ${out} = undefined; break ${label}; }`,
        i === names.length - 1
          ? `if (Array.isArray(${v}) && isSequence(${v})) { ${out} = unwrapped(${general}(${input}, c)); break ${label}; }`
          : `if (Array.isArray(${v})) { ${out} = unwrapped(${general}(${input}, c)); break ${label}; }`,
      );
    }
    lines.push(`${out} = ${v};`);
    this.emit(lines.join('\n'));
  }

  private binary(expr: AstNode, input: string): string {
    const op = expr.value as string;
    const out = this.temp();
    switch (op) {
      case 'and':
      case 'or': {
        const lhs = this.node(expr.lhs as AstNode, input);
        this.emit(`${out} = boolean(${lhs}) ?? false;`);
        const rhs = this.block(() => this.node(expr.rhs as AstNode, input));
        this.emit(
          `if (${op === 'and' ? '' : '!'}${out}) { ${rhs.lines.join('\n')}\n${out} = boolean(${rhs.result}) ?? false; }`,
        );
        return out;
      }
      case '=':
      case '!=': {
        const lhs = this.node(expr.lhs as AstNode, input);
        const rhs = this.node(expr.rhs as AstNode, input);
        // Against a string, number, boolean or null written in the expression (`status = 'shipped'`), isDeepEqual is
        // the comparison of the two values.
        const primitive = (side: AstNode) =>
          ['string', 'number', 'value'].includes(side.type!) &&
          plainNode(side, side.type!) &&
          (side.value === null || typeof side.value !== 'object');
        const other = primitive(expr.rhs as AstNode) ? lhs : primitive(expr.lhs as AstNode) ? rhs : undefined;
        if (other !== undefined)
          this.emit(`${out} = ${other} !== undefined && ${lhs} ${op === '=' ? '===' : '!=='} ${rhs};`);
        else
          this.emit(
            `${out} = ${lhs} === undefined || ${rhs} === undefined ? false : ${op === '!=' ? '!' : ''}isDeepEqual(${lhs}, ${rhs});`,
          );
        return out;
      }
      case '&': {
        const lhs = this.node(expr.lhs as AstNode, input);
        const rhs = this.node(expr.rhs as AstNode, input);
        const text = (v: string) =>
          `(typeof ${v} === 'string' ? ${v} : ${v} === undefined ? '' : string(${v}))`;
        this.emit(`${out} = ${text(lhs)} + ${text(rhs)};`);
        return out;
      }
      case 'in': {
        const lhs = this.node(expr.lhs as AstNode, input);
        const rhs = this.node(expr.rhs as AstNode, input);
        this.emit(
          `${out} = ${lhs} === undefined || ${rhs} === undefined ? false : (Array.isArray(${rhs}) ? ${rhs} : [${rhs}]).some((v) => v === ${lhs});`,
        );
        return out;
      }
      default:
        return this.closure(expr, input);
    }
  }

  private condition(expr: AstNode, input: string): string {
    const test = this.node(expr.condition as AstNode, input);
    const out = this.temp();
    const then = this.block(() => this.node(expr.then as AstNode, input));
    const otherwise =
      expr.else === undefined ? undefined : this.block(() => this.node(expr.else as AstNode, input));
    this.emit(
      `if (boolean(${test})) { ${then.lines.join('\n')}\n${out} = ${then.result}; } else { ${
        otherwise ? `${otherwise.lines.join('\n')}\n${out} = ${otherwise.result};` : `${out} = undefined;`
      } }`,
    );
    return out;
  }

  /** A call of a mapping function or of a compiled built-in (not `$each`); a let's function is the closure's. */
  private call(expr: AstNode, input: string): string {
    const procedure = expr.procedure as AstNode;
    const args = expr.arguments as AstNode[];
    if (procedure.type !== 'variable' || typeof procedure.value !== 'string')
      return this.closure(expr, input);
    const name = procedure.value;
    const callee = this.kit.higherOrder(name) ? undefined : this.kit.callee(name, args.length);
    if (!callee) return this.closure(expr, input);
    const fn = this.constant(callee.fn);
    const quoted = JSON.stringify(name);
    this.emit(
      `if (${this.kit.inFrames(name) ? 'shadowed' : 'inBindings'}(c, ${quoted})) throw new Unsupported('shadowed');`,
    );
    if (name === 'merge' && callee.kind === 'builtIn' && plainNode(args[0]!, 'unary', '['))
      return this.merge(args[0]!, input, expr === this.entriesOf);
    const values = args.map((arg) => this.node(arg, input));
    if (values.length > 0)
      this.emit(
        `if (${values.map((v) => `${v} instanceof FastLambda`).join(' || ')}) throw new Unsupported('function argument');`,
      );
    const out = this.temp();
    if (callee.kind === 'own') {
      this.emit(`${out} = ${fn}.call(${[input, ...values].join(', ')});`);
      this.emit(`if (${out} instanceof Promise) throw new Unsupported('async');`);
    } else this.emit(`${out} = ${fn}(${values.join(', ')});`);
    return out;
  }

  /**
   * `$merge([...])`, each item written straight into the one result: an object constructor (alone, under a condition
   * without else, or as the last step of a path) stores its pairs there rather than in an object of its own that the
   * merge then copies; any other item is merged as it is (`mergeValue`: what the array constructor and the built-in
   * do with it). Every item is evaluated in order and its keys land in the order the copy would give them; where
   * the built-in would refuse an item (not an object), this refuses it too, only sooner (a refusal is a fallback).
   * `entries`: the result is made as MapEntries (the same keys and values, set in the same order).
   */
  private merge(array: AstNode, input: string, entries: boolean): string {
    const out = this.temp();
    // Whether every value stored is a string, number, boolean or null, under keys other than `$loc`: then the
    // result is marked as one plainForEncoding need not walk (values.ts).
    const flat = this.temp();
    if (entries) this.entryTargets.add(out);
    this.emit(`${out} = ${entries ? 'new MapEntries()' : 'Object.create(null)'};\n${flat} = true;`);
    this.mergeItems(array.expressions as AstNode[], input, out, flat);
    this.emit(`if (${flat}) markFlat(${out});`);
    return out;
  }

  /**
   * `merge`'s items in order; a large array's in parts of at most PART_NODES nodes each (an item larger than that
   * alone), each part a function of its own (`part`).
   */
  private mergeItems(items: AstNode[], input: string, out: string, flat: string): void {
    const sizes = items.map(nodeCount);
    if (sizes.reduce((a, b) => a + b, 0) <= PART_NODES) {
      for (const item of items) this.mergeItem(item, input, out, flat);
      return;
    }
    for (let from = 0; from < items.length; ) {
      let to = from + 1;
      for (let size = sizes[from]!; to < items.length && size + sizes[to]! <= PART_NODES; to++)
        size += sizes[to]!;
      const group = items.slice(from, to);
      this.part(input, out, flat, () => {
        for (const item of group) this.mergeItem(item, input, out, flat);
      });
      from = to;
    }
  }

  /**
   * One item of `merge`'s array, stored into `out`. An array constructor under a condition without else
   * (`refunds[0] ? [...]`): its items merged one by one when the condition holds, which is what merging the array
   * does (an item that is an array is merged item by item, a `[...]` one as it is), each evaluated before the next as
   * the array would evaluate them.
   */
  private mergeItem(item: AstNode, input: string, out: string, flat: string): void {
    if (plainNode(item, 'unary', '{')) {
      this.objectInto(item, input, out, flat);
      return;
    }
    const then = item.then as AstNode | undefined;
    const array = then && plainNode(then, 'unary', '[') && !then.consarray;
    if (
      plainNode(item, 'condition') &&
      item.else === undefined &&
      (array || plainNode(then!, 'unary', '{'))
    ) {
      const test = this.node(item.condition as AstNode, input);
      const body = this.block(() => {
        if (array) this.mergeItems(then!.expressions as AstNode[], input, out, flat);
        else this.objectInto(then!, input, out, flat);
        return '';
      });
      this.emit(`if (boolean(${test})) { ${body.lines.join('\n')} }`);
      return;
    }
    if (item.type === 'path' && this.pathInto(item, input, out, flat)) return;
    const value = this.node(item, input);
    this.emit(`if (!mergeValue(${out}, ${value}, ${item.value === '['})) ${flat} = false;`);
  }

  /**
   * An object constructor's pairs stored into `target` (fast-path.ts's `single`, as `object` below writes it): the
   * keys in order, each checked, then the values. An array input is the closure's (grouping), its object merged.
   */
  private objectInto(expr: AstNode, input: string, target: string, flat: string): void {
    const closure = this.constant(this.kit.compile(expr));
    const body = this.block(() => {
      this.pairs(expr, input, target, false, flat);
      return target;
    });
    this.emit(
      `if (${input} && ${input}.tupleStream) throw new Unsupported('tuples');\nif (Array.isArray(${input})) { if (!mergeValue(${target}, ${closure}(${input}, c), false)) ${flat} = false; } else { ${body.lines.join('\n')} }`,
    );
  }

  /**
   * A path whose last step is an object constructor, walked as `path` walks it, each item's object stored into
   * `target`: what merging the path's objects one by one gives. False (nothing emitted) for a path `path` would not
   * walk itself.
   */
  private pathInto(expr: AstNode, input: string, target: string, flat: string): boolean {
    const steps = expr.steps as AstNode[];
    const last = steps[steps.length - 1]!;
    if (
      !plainNode(expr, 'path') ||
      steps.length < 2 ||
      !plainNode(last, 'unary', '{') ||
      steps.some((step) => step.tuple) ||
      expr.keepSingletonArray ||
      steps[0]!.consarray ||
      (last.stages as unknown[] | undefined)?.length
    )
      return false;
    // Built for what it refuses (tuples, focus, sorting…), as `path` does.
    this.kit.generalPath(expr);
    this.walk(steps, input, (item) => this.objectInto(last, item, target, flat));
    return true;
  }

  /**
   * fast-path.ts's object constructor over one item (its `single`): the keys in order, then the values. Keys that
   * are string literals are checked here, once; an array input is the closure's (grouping).
   */
  private object(expr: AstNode, input: string): string {
    const closure = this.constant(this.kit.compile(expr));
    const out = this.temp();
    const body = this.block(() => {
      this.pairs(expr, input, out, true);
      return out;
    });
    this.emit(
      `if (${input} && ${input}.tupleStream) throw new Unsupported('tuples');\nif (Array.isArray(${input})) ${out} = ${closure}(${input}, c); else { ${body.lines.join('\n')} }`,
    );
    return out;
  }

  /**
   * An object constructor's pairs over one item, stored into `target`; `create`: made here as the object of its own
   * (else `target` is a prototype-less object that already exists, `$merge`'s, and `flat` its flag: set false by a
   * value that is an object, or a key `$loc`).
   */
  private pairs(expr: AstNode, input: string, target: string, create = false, flat?: string): void {
    // `key`: the code of a computed key, or true for the literal key `$loc`.
    const notFlat = (value: string, key?: string | true) =>
      !flat
        ? ''
        : key === true
          ? `\n${flat} = false;`
          : `\nif (${key ? `${key} === '$loc' || ` : ''}(${value} !== null && (typeof ${value} === 'object' || typeof ${value} === 'function'))) ${flat} = false;`;
    const pairs = expr.lhs as AstNode[][];
    const literalKeys = pairs.every(
      ([key]) => key!.type === 'string' && !key!.predicate && !key!.group && !key!.keepArray && !key!.stages,
    );
    const staticKeys = pairs.map(([key]) => key!.value as string);
    const checked =
      literalKeys &&
      new Set(staticKeys).size === staticKeys.length &&
      staticKeys.every((key) => key !== '_jsonata_lambda' && key !== '_jsonata_function');
    if (checked) {
      // Keys known here (never `__proto__`): an ordinary object, whose shape V8 knows, holds them as the
      // prototype-less one would (JSONata's results are compared and written as JSON).
      if (create)
        this.emit(`${target} = ${staticKeys.includes('__proto__') ? 'Object.create(null)' : '{}'};`);
      for (const [i, [, value]] of pairs.entries()) {
        const v = this.node(value!, input);
        this.emit(`if (${v} instanceof FastLambda) throw new Unsupported('function value');`);
        this.emit(
          `if (${v} !== undefined) { ${this.store(target, JSON.stringify(staticKeys[i]), v)}${notFlat(v, staticKeys[i] === '$loc' || undefined)} }`,
        );
      }
      return;
    }
    const keys = pairs.map(([key]) => {
      const k = this.node(key!, input);
      this.emit(`if (${k} !== undefined) checkKey(${k});`);
      return k;
    });
    // Each key once: a key met again is a duplicate (JSONata's error, or grouping). Two keys whose texts cannot be
    // equal (`'line.' & id & '.sku'`, `'line.' & id & '.qty'`) are not compared.
    const bounds = pairs.map(([key]) => textBounds(key!));
    for (let i = 1; i < keys.length; i++)
      for (let j = 0; j < i; j++)
        if (!neverEqual(bounds[i]!, bounds[j]!))
          this.emit(
            `if (${keys[i]} !== undefined && ${keys[i]} === ${keys[j]}) throw new Unsupported('duplicate key');`,
          );
    if (create) this.emit(`${target} = Object.create(null);`);
    for (const [i, [, value]] of pairs.entries()) {
      const valueCode = this.block(() => this.node(value!, input));
      this.emit(
        `if (${keys[i]} !== undefined) { ${valueCode.lines.join('\n')}\nif (${valueCode.result} instanceof FastLambda) throw new Unsupported('function value');\nif (${valueCode.result} !== undefined) { ${this.store(target, keys[i]!, valueCode.result)}${notFlat(valueCode.result, keys[i])} } }`,
      );
    }
  }

  /** The statement storing a pair into an object, or into MapEntries (`merge`'s with `entries`). */
  private store(target: string, key: string, value: string): string {
    return this.entryTargets.has(target)
      ? `${target}.set(${key}, ${value});`
      : `${target}[${key}] = ${value};`;
  }

  /** fast-path.ts's array constructor: items in order, arrays flattened unless the item is itself `[...]`. */
  private array(expr: AstNode, input: string): string {
    const out = this.temp();
    this.emit(`${out} = [];`);
    for (const item of expr.expressions as AstNode[]) {
      const value = this.node(item, input);
      this.emit(
        [
          `if (${value} !== undefined) {`,
          `if (${value} instanceof FastLambda) throw new Unsupported('function value');`,
          item.value === '['
            ? `${out}.push(${value});`
            : `if (Array.isArray(${value})) { for (const v of ${value}) ${out}.push(v); } else ${out}.push(${value});`,
          '}',
        ].join('\n'),
      );
    }
    if (expr.consarray === true) this.emit(`markCons(${out});`);
    return out;
  }
}

/**
 * lookup() of `x`, one value that is not an array, under `name`, as an expression (`v` and `p` temps it assigns): its
 * own key, unless it is a function. The value is read first (an inline-cached load): a key the value does not have,
 * own or inherited, is undefined either way, and then neither the own check nor isFunction is made (most reads of
 * optional fields find nothing).
 */
function read(x: string, v: string, p: string, name: string): string {
  const load = IDENTIFIER.test(name) ? `${x}.${name}` : `${x}[${JSON.stringify(name)}]`;
  const quoted = JSON.stringify(name);
  // Whether what was read is the value's own (`ownRead` in fast-path.ts, written out): always so without a
  // prototype; with Object.prototype, when it is not what Object.prototype has under the name (nothing, for most
  // names); else asked (Object.hasOwn: a call about ten times the cost of the rest of the read). `__proto__`,
  // Object.prototype's accessor, reads differently from each object: always asked.
  const own =
    name === '__proto__'
      ? `Object.hasOwn(${x}, ${quoted})`
      : `((${p} = Object.getPrototypeOf(${x})) === null || (${p} === objectPrototype && ${v} !== objectPrototype[${quoted}]) || Object.hasOwn(${x}, ${quoted}))`;
  return `${x} !== null && typeof ${x} === 'object' && (${v} = ${load}) !== undefined && ${own} && !isFunction(${x}) ? ${v} : undefined`;
}

/**
 * How many AST nodes a `$merge` array's items may have before they are written in parts (`part`): 5–40 KB of
 * generated source a part for the Shopify order's extensions (whose one function was 236 KB), under V8's limit on
 * the bytecode it optimises.
 */
const PART_NODES = 150;

/** The nodes of an AST, as a measure of the code written for it. */
function nodeCount(node: unknown): number {
  if (!node || typeof node !== 'object') return 0;
  if (Array.isArray(node)) return node.reduce((n: number, item) => n + nodeCount(item), 0);
  let n = 1;
  for (const value of Object.values(node)) if (value && typeof value === 'object') n += nodeCount(value);
  return n;
}

/** `let` of the temps, when there are any. */
function declare(temps: string[]): string {
  return temps.length ? `let ${temps.join(', ')};\n` : '';
}

/** A node of this type (and operator) without predicates, grouping, `[]` or stages: what `node` writes out itself. */
function plainNode(expr: AstNode, type: string, value?: string): boolean {
  return (
    expr.type === type &&
    (value === undefined || expr.value === value) &&
    !expr.predicate &&
    !expr.group &&
    !expr.keepArray &&
    !expr.stages
  );
}

/**
 * What a key's text is known to start and end with: a string literal is itself; `a & b & …` starts with what its
 * first part starts with and ends with what its last part ends with (`&` gives a string, an absent part as '').
 */
function textBounds(expr: AstNode): { start?: string; end?: string } {
  if (plainNode(expr, 'string')) return { start: expr.value as string, end: expr.value as string };
  if (!plainNode(expr, 'binary', '&')) return {};
  return { start: textBounds(expr.lhs as AstNode).start, end: textBounds(expr.rhs as AstNode).end };
}

/** Whether two texts with these bounds can never be equal: their starts, or their ends, disagree. */
function neverEqual(a: { start?: string; end?: string }, b: { start?: string; end?: string }): boolean {
  const starts =
    a.start !== undefined &&
    b.start !== undefined &&
    !a.start.startsWith(b.start) &&
    !b.start.startsWith(a.start);
  const ends = a.end !== undefined && b.end !== undefined && !a.end.endsWith(b.end) && !b.end.endsWith(a.end);
  return starts || ends;
}

/**
 * What fast-path.ts's fastExpression returns: the expression over an input, with the per-document bindings; and
 * `overContext`, the same evaluation over a context the caller made (an input that is not an array, as it is), for a
 * caller that evaluates many expressions over one input (run-fast.ts: one context per record for all its fields).
 */
export type Generated = ((
  input: unknown,
  bindings: Record<string, unknown>,
  visible?: ReadonlySet<string>,
) => unknown) & {
  overContext: (input: unknown, context: unknown) => unknown;
};

/**
 * The expression as one generated function, with what fast-path.ts's fastExpression does around its evaluator: an
 * array input wrapped in a sequence of one (as JSONata does), the context made (`shared`: the one empty frame every
 * evaluation may use when nothing binds with `:=`), and a function or regex result refused (a compiled lambda is
 * given back to a let's evaluation, `visible` the names its closure sees). Every value a node
 * needs is computed in the order fast-path.ts's closures compute it, so the same inputs give the same results and
 * the same fallbacks (its Unsupported). `entries`: the expression is a `$merge([...])` whose result is made as the
 * MapEntries that stand for the object (`FastExpression.entries`).
 */
export function generate<Context>(
  ast: AstNode,
  kit: CodegenKit<Context>,
  shared: unknown,
  entries = false,
): Generated {
  const generator = new Generator(kit, entries ? ast : undefined);
  const body = generator.body(ast);
  const factory = new Function(
    'h',
    'k',
    'shared',
    [
      `const { ${HELPERS.join(', ')} } = h;`,
      ...generator.parts,
      'const evaluate = (input, c) => {',
      body,
      '};',
      'const compiled = function compiledExpression(root, bindings, visible) {',
      'let input = root;',
      'if (Array.isArray(root) && !isSequence(root)) { input = createSequence(root); input.outerWrapper = true; }',
      'const result = evaluate(input, { bindings, root, frame: shared ?? { vars: new Map(), parent: null }, visible: visible ?? null });',
      "if ((result instanceof FastLambda && !visible) || result instanceof RegExp) throw new Unsupported('function value');",
      'return result;',
      '};',
      'compiled.overContext = evaluate;',
      'return compiled;',
    ].join('\n'),
  ) as (helpers: unknown, constants: unknown[], shared: unknown) => Generated;
  return factory(kit.helpers, generator.constants, shared);
}

/**
 * A let function's body as generated code, called as fast-path.ts's closures are, with the context its call makes
 * (the parameters' frame): the body's value, unwrapped as its closure would give it.
 */
export function generateBody<Context>(
  ast: AstNode,
  kit: CodegenKit<Context>,
): (input: unknown, context: Context) => unknown {
  const generator = new Generator(kit);
  const body = generator.body(ast);
  const factory = new Function(
    'h',
    'k',
    `const { ${HELPERS.join(', ')} } = h;\n${generator.parts.join('\n')}\nreturn function compiledBody(input, c) {\n${body}\n};`,
  ) as (helpers: unknown, constants: unknown[]) => (input: unknown, context: Context) => unknown;
  return factory(kit.helpers, generator.constants);
}

export type { Sequence };
