import { parser } from '@prometheus-io/lezer-promql';

/**
 * A PromQL expression checked against the series a process exports, without a Prometheus: parsed with Prometheus's
 * own grammar (`@prometheus-io/lezer-promql`, the one its web UI uses), then each selector's metric and label
 * matchers, each `by` / `without` / `on` / `ignoring` / `group_left` label, each range function's argument and
 * metric type looked up. It also infers the labels the result carries, which an alert's `{{ $labels.x }}` and a
 * panel's `{{x}}` legend may name. The grammar checks syntax only; it does not type the whole expression as
 * promtool does (a rate() of an instant vector, a counter function of a gauge are checked here, not every rule).
 */

/** One series name a query can select (a histogram's `_bucket`, `_sum`, `_count` each), its type and labels. */
export interface SeriesInfo {
  type: 'counter' | 'gauge';
  labels: ReadonlySet<string>;
}

export type Catalogue = ReadonlyMap<string, SeriesInfo>;

export interface QueryCheck {
  /** Empty when the expression parses and names only series and labels that exist. */
  problems: string[];
  /** The labels of the result's series; null where they cannot be known (an unknown metric, absent()). */
  labels: ReadonlySet<string> | null;
  /** Metric names the expression selects. */
  metrics: string[];
}

type Node = ReturnType<typeof parser.parse>['topNode'];
/** A vector's labels (null: unknown), or a scalar, or a string. */
type Value = { kind: 'vector'; labels: Set<string> | null } | { kind: 'scalar' } | { kind: 'string' };

const EXPRESSIONS = new Set([
  'AggregateExpr',
  'AnchoredExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'ParenExpr',
  'SmoothedExpr',
  'StepInvariantExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
]);
/** Functions whose argument is a range vector. */
const RANGE_FUNCTIONS =
  /^(rate|irate|increase|delta|idelta|deriv|changes|resets|predict_linear|\w+_over_time|double_exponential_smoothing|holt_winters)$/;
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);
const GAUGE_FUNCTIONS = new Set([
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'double_exponential_smoothing',
]);
/** Aggregations that take a parameter before the vector, and those whose result keeps every label of the input. */
const PARAMETER_AGGREGATIONS = new Set([
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);
const SELECTING_AGGREGATIONS = new Set(['topk', 'bottomk', 'limitk', 'limit_ratio']);

const vector = (labels: Set<string> | null): Value => ({ kind: 'vector', labels });
const listed = (labels: Iterable<string>) => [...labels].sort().join(', ') || 'none';

export function checkQuery(expr: string, catalogue: Catalogue): QueryCheck {
  const tree = parser.parse(expr);
  const problems: string[] = [];
  const metrics: string[] = [];
  const text = (node: Node) => expr.slice(node.from, node.to);
  const unquote = (node: Node) => text(node).replace(/^["'`]|["'`]$/g, '');
  const at = (node: Node) => `"${text(node).slice(0, 60)}"`;

  tree.iterate({
    enter(ref) {
      if (ref.type.isError)
        problems.push(`syntax error at character ${ref.from}: "${expr.slice(ref.from, ref.from + 20)}"`);
    },
  });
  if (problems.length) return { problems, labels: null, metrics };

  const children = (node: Node, names?: Set<string>) => {
    const out: Node[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling)
      if (!names || names.has(child.name)) out.push(child);
    return out;
  };
  const child = (node: Node, name: string) => node.getChild(name) ?? undefined;
  const grouping = (node: Node | undefined) =>
    node
      ? children(node).map((label) => (label.name === 'QuotedLabelName' ? unquote(label) : text(label)))
      : [];
  const requireLabels = (labels: string[], on: Set<string> | null, where: string, node: Node) => {
    if (!on) return;
    for (const label of labels)
      if (!on.has(label))
        problems.push(
          `${where} ${label}: the series of ${at(node)} have no such label (theirs: ${listed(on)})`,
        );
  };

  function selector(node: Node): Value {
    const matchers = child(node, 'LabelMatchers');
    const pairs = (matchers ? children(matchers) : []).map((matcher) => {
      const [name, op, value] = children(matcher);
      const label = name!.name === 'QuotedLabelName' ? unquote(name!) : text(name!);
      return { label, equal: op?.firstChild?.name === 'EqlSingle', value: value ? unquote(value) : '' };
    });
    const identifier = child(node, 'Identifier');
    const metric = identifier
      ? text(identifier)
      : pairs.find((p) => p.label === '__name__' && p.equal)?.value;
    if (!metric) {
      problems.push(`${at(node)} selects no metric by name`);
      return vector(null);
    }
    metrics.push(metric);
    const series = catalogue.get(metric);
    if (!series) {
      problems.push(`unknown metric ${metric}`);
      return vector(null);
    }
    for (const { label } of pairs)
      if (label !== '__name__' && !series.labels.has(label))
        problems.push(`${metric} has no label ${label} (its labels: ${listed(series.labels)})`);
    return vector(new Set(series.labels));
  }

  function call(node: Node): Value {
    const name = text(child(node, 'FunctionIdentifier')!);
    const body = child(node, 'FunctionCallBody');
    const args = body ? children(body, EXPRESSIONS) : [];
    const values = args.map(evaluate);
    const strings = args.map((arg) => (arg.name === 'StringLiteral' ? unquote(arg) : ''));
    if (RANGE_FUNCTIONS.test(name)) {
      const range = args.find((arg) => arg.name === 'MatrixSelector' || arg.name === 'SubqueryExpr');
      if (!range) problems.push(`${name}() takes a range vector (metric[5m]): ${at(node)}`);
      const selected = range?.name === 'MatrixSelector' ? child(range, 'VectorSelector') : undefined;
      const identifier = selected && child(selected, 'Identifier');
      const series = identifier && catalogue.get(text(identifier));
      if (series && COUNTER_FUNCTIONS.has(name) && series.type !== 'counter')
        problems.push(`${name}() of ${text(identifier!)}, a ${series.type}: use it on counters only`);
      if (series && GAUGE_FUNCTIONS.has(name) && series.type !== 'gauge')
        problems.push(
          `${name}() of ${text(identifier!)}, a ${series.type}: use rate() or increase() on counters`,
        );
    }
    const first = values.find((v) => v.kind === 'vector') as { labels: Set<string> | null } | undefined;
    const labels = first?.labels ?? null;
    switch (name) {
      case 'time':
      case 'pi':
      case 'scalar':
        return { kind: 'scalar' };
      case 'vector':
        return vector(new Set());
      case 'absent':
      case 'absent_over_time':
        return vector(null);
      case 'label_replace':
        requireLabels(strings[3] ? [strings[3]] : [], labels, 'label_replace() reads', node);
        return vector(labels && new Set([...labels, strings[1]!]));
      case 'label_join':
        requireLabels(strings.slice(3), labels, 'label_join() reads', node);
        return vector(labels && new Set([...labels, strings[1]!]));
      case 'histogram_quantile':
      case 'histogram_fraction':
        requireLabels(['le'], labels, `${name}() needs the buckets' label`, node);
        return vector(labels && new Set([...labels].filter((l) => l !== 'le')));
      default:
        return first ? vector(labels) : { kind: 'scalar' };
    }
  }

  function aggregate(node: Node): Value {
    const op = text(child(node, 'AggregateOp')!);
    const modifier = child(node, 'AggregateModifier');
    const by = grouping(modifier && child(modifier, 'GroupingLabels'));
    const without = !!modifier && !!child(modifier, 'Without');
    const args = children(child(node, 'FunctionCallBody')!, EXPRESSIONS);
    const values = args.map(evaluate);
    const input = values[PARAMETER_AGGREGATIONS.has(op) ? 1 : 0];
    const labels = input?.kind === 'vector' ? input.labels : null;
    if (!without) requireLabels(by, labels, `${op} by`, node);
    if (SELECTING_AGGREGATIONS.has(op)) return vector(labels);
    const result = without ? labels && new Set([...labels].filter((l) => !by.includes(l))) : new Set(by);
    if (op === 'count_values' && result && args[0]?.name === 'StringLiteral') result.add(unquote(args[0]));
    return vector(result);
  }

  function binary(node: Node): Value {
    const sides = children(node, EXPRESSIONS);
    const [left, right] = [evaluate(sides[0]!), evaluate(sides.at(-1)!)];
    if (left.kind !== 'vector') return right.kind === 'vector' ? right : left;
    if (right.kind !== 'vector') return left;
    const set = children(node).some((c) => ['And', 'Or', 'Unless'].includes(c.name));
    const clause = child(node, 'MatchingModifierClause');
    const lists = clause ? children(clause, new Set(['GroupingLabels'])) : [];
    const matching = grouping(lists[0]);
    const on = !!clause && !!child(clause, 'On');
    const include = grouping(lists[1]);
    const groupLeft = !!clause && !!child(clause, 'GroupLeft');
    const groupRight = !!clause && !!child(clause, 'GroupRight');
    if (on) {
      requireLabels(matching, left.labels, 'on', sides[0]!);
      requireLabels(matching, right.labels, 'on', sides.at(-1)!);
    } else if (left.labels && right.labels) {
      const either = new Set([...left.labels, ...right.labels]);
      requireLabels(matching, either, 'ignoring', node);
    }
    if (set) {
      if (children(node).some((c) => c.name === 'Or'))
        return vector(left.labels && right.labels && new Set([...left.labels, ...right.labels]));
      return left;
    }
    if (groupLeft || groupRight) {
      const [many, one] = groupLeft ? [left, right] : [right, left];
      requireLabels(
        include,
        one.labels,
        groupLeft ? 'group_left' : 'group_right',
        groupLeft ? sides.at(-1)! : sides[0]!,
      );
      return vector(many.labels && new Set([...many.labels, ...include]));
    }
    if (on) return vector(new Set(matching));
    return vector(left.labels && new Set([...left.labels].filter((l) => !matching.includes(l))));
  }

  function evaluate(node: Node): Value {
    switch (node.name) {
      case 'VectorSelector':
        return selector(node);
      case 'FunctionCall':
        return call(node);
      case 'AggregateExpr':
        return aggregate(node);
      case 'BinaryExpr':
        return binary(node);
      case 'NumberDurationLiteral':
        return { kind: 'scalar' };
      case 'StringLiteral':
        return { kind: 'string' };
      default: {
        // Selectors with a range, offset or @, subqueries, parentheses, unary minus: their inner expression's.
        const inner = children(node, EXPRESSIONS)[0];
        return inner ? evaluate(inner) : vector(null);
      }
    }
  }

  const root = children(tree.topNode, EXPRESSIONS)[0];
  if (!root) return { problems: ['empty expression'], labels: null, metrics };
  const result = evaluate(root);
  return { problems, labels: result.kind === 'vector' ? result.labels : new Set(), metrics };
}
