import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { catalogueOf, hubMetricFamilies, type MetricFamily } from './hub-metrics.ts';
import { type Catalogue, checkQuery } from './promql-check.ts';

/**
 * The alerting rules and the Grafana dashboard shipped in ops/monitoring/ against the hub's own metrics: every metric,
 * label and template they name exists, so renaming a metric or a label in the code fails here instead of silencing
 * an alert in production.
 */
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Prometheus durations: 30s, 5m, 1h30m. */
const duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as 5m');
const alertingRule = z.strictObject({
  alert: z.string().regex(/^Eai[A-Za-z0-9]+$/, 'an alert name in CamelCase starting Eai'),
  expr: z.string().min(1),
  for: duration,
  keep_firing_for: duration.optional(),
  labels: z.looseObject({ severity: z.enum(['critical', 'warning', 'info']) }),
  annotations: z.strictObject({
    summary: z.string().min(10),
    description: z.string().min(20),
    runbook_url: z.url().optional(),
  }),
});
/** Prometheus's rule file format (https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/). */
const ruleFileSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: duration.optional(),
        limit: z.number().int().optional(),
        rules: z.array(alertingRule).min(1),
      }),
    )
    .min(1),
});

/** The labels a Go template names: `{{ $labels.connector }}` in rules, `{{connector}}` in Grafana legends. */
const templateLabels = (text: string) => [...text.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!);
const legendLabels = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
const missing = (names: string[], labels: ReadonlySet<string> | null) =>
  labels ? names.filter((name) => !labels.has(name)) : [];

let families: MetricFamily[];
let catalogue: Catalogue;
beforeAll(async () => {
  families = await hubMetricFamilies();
  catalogue = catalogueOf(families);
}, 60_000);

describe('the hub metrics registry read without a hub', () => {
  it('holds every eai_ metric the code declares, with the label names it declares', () => {
    const labelsOf = new Map(families.map((f) => [f.name, f.labels]));
    const declared = sourceFiles(root).flatMap((file) => {
      const text = readFileSync(`${root}${file}`, 'utf8');
      return [...text.matchAll(/name: '(eai_\w+)',\s*help:[\s\S]*?(?:labelNames: \[([^\]]*)\]|\}\))/g)].map(
        (m) => ({
          file,
          name: m[1]!,
          labels: [...(m[2] ?? '').matchAll(/'(\w+)'/g)].map((l) => l[1]!),
        }),
      );
    });
    expect(declared.length).toBeGreaterThan(30);
    const absent = declared.filter(
      ({ name, labels }) => JSON.stringify(labelsOf.get(name)) !== JSON.stringify(labels),
    );
    expect(absent, 'declared in the code but not (so) in the registry ops/hub.ts loads').toEqual([]);
  });
});

describe('ops/monitoring/eai.rules.yaml', () => {
  const file = parse(readFileSync(here('eai.rules.yaml'), 'utf8')) as z.infer<typeof ruleFileSchema>;
  const shape = ruleFileSchema.safeParse(file);
  const rules = shape.success ? shape.data : file;
  const all = (rules.groups ?? []).flatMap((group) => group.rules ?? []);

  it("has Prometheus's shape: groups of alerts, each with for, a severity, a summary and a description", () => {
    expect(shape.error && z.prettifyError(shape.error)).toBeUndefined();
    expect(all.length).toBeGreaterThan(10);
    expect(new Set(rules.groups.map((g) => g.name)).size).toBe(rules.groups.length);
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
  });

  it.each(all.map((rule) => [rule.alert, rule] as const))(
    '%s parses and names only what the hub exports',
    (_, rule) => {
      const check = checkQuery(rule.expr, catalogue);
      expect(check.problems).toEqual([]);
      expect(check.metrics.length).toBeGreaterThan(0);
      const templates = [...Object.values(rule.annotations ?? {}), ...Object.values(rule.labels ?? {})].join(
        '\n',
      );
      expect(missing(templateLabels(templates), check.labels), 'labels its annotations name').toEqual([]);
      expect(templates.split('{{').length, 'balanced {{ }}').toBe(templates.split('}}').length);
    },
  );

  it('covers what operators act on: connectors, lag, dead letters, customer sync, workflows, readiness, the admin API', () => {
    const used = new Set(all.flatMap((rule) => checkQuery(rule.expr, catalogue).metrics));
    for (const metric of [
      'eai_connector_running',
      'eai_connector_restarts_total',
      'eai_connector_lag_seconds',
      'eai_connector_lag_records',
      'eai_connector_read_failing_since_timestamp_seconds',
      'eai_connector_records_failed_total',
      'eai_sync_status',
      'eai_workflows_parked',
      'eai_workflows_finished_total',
      'eai_dependency_up',
      'eai_admin_api_request_duration_seconds_count',
    ])
      expect(used, metric).toContain(metric);
  });
});

/** The data source every panel and query names: the dashboard's variable, chosen at import. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template
const DATA_SOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' } as const;
const dataSource = z.object({ type: z.literal(DATA_SOURCE.type), uid: z.literal(DATA_SOURCE.uid) });
const target = z.object({
  refId: z.string(),
  expr: z.string().min(1),
  legendFormat: z.string().optional(),
  datasource: dataSource,
});
const panel = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string().min(1),
  gridPos: z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() }),
  datasource: dataSource.optional(),
  targets: z.array(target).optional(),
});
const variable = z.object({ name: z.string(), type: z.string(), query: z.unknown().optional() });
const dashboardSchema = z.object({
  title: z.string(),
  uid: z.string(),
  schemaVersion: z.number().int().min(39),
  templating: z.object({ list: z.array(variable) }),
  panels: z.array(panel).min(10),
});

/** Grafana's own variables, and the value a query is checked with in place of each. */
const GRAFANA_VARIABLES: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h' };

describe('ops/monitoring/eai-dashboard.json', () => {
  const dashboard = dashboardSchema.parse(JSON.parse(readFileSync(here('eai-dashboard.json'), 'utf8')));
  const variables = new Set(dashboard.templating.list.map((v) => v.name));
  const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));
  /** A query with Grafana's variables put in: durations for its own, label values stay (they sit in quotes). */
  const resolved = (expr: string) => {
    const unknown = [...expr.matchAll(/\$\{?(\w+)\}?/g)]
      .map((m) => m[1]!)
      .filter((name) => !(name in GRAFANA_VARIABLES) && !variables.has(name));
    expect(unknown, `variables the dashboard does not define in ${expr}`).toEqual([]);
    return expr.replace(/\$\{?(__\w+)\}?/g, (_, name: string) => GRAFANA_VARIABLES[name] ?? name);
  };

  it('is a Grafana dashboard on the DS_PROMETHEUS data source variable, its panels each in one place', () => {
    expect(dashboard.templating.list.find((v) => v.name === 'DS_PROMETHEUS')?.type).toBe('datasource');
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.every((p) => p.datasource !== undefined && (p.targets?.length ?? 0) > 0)).toBe(true);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.panels.filter((p) => p.gridPos.x + p.gridPos.w > 24)).toEqual([]);
  });

  it.each(targets.map((t) => [`${t.panel} ${t.refId}`, t] as const))(
    '%s names only what the hub exports',
    (_, t) => {
      const check = checkQuery(resolved(t.expr), catalogue);
      expect(check.problems).toEqual([]);
      expect(missing(legendLabels(t.legendFormat ?? ''), check.labels), 'labels its legend names').toEqual(
        [],
      );
    },
  );

  it("its variables' label_values() queries name metrics and labels the hub exports", () => {
    const queries = dashboard.templating.list.filter((v) => v.type === 'query');
    expect(queries.length).toBeGreaterThan(2);
    for (const v of queries) {
      const text = (v.query as { query: string }).query;
      const [, selector, label] = /^label_values\((.+),\s*(\w+)\)$/.exec(text) ?? [];
      expect(selector, `${v.name}: label_values(<selector>, <label>)`).toBeDefined();
      const check = checkQuery(resolved(selector!), catalogue);
      expect(check.problems, v.name).toEqual([]);
      expect(missing([label!], check.labels), v.name).toEqual([]);
    }
  });
});

/** The repository's TypeScript sources, specs, dependencies and scratch folders left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (file) =>
      file.endsWith('.ts') &&
      !file.endsWith('.spec.ts') &&
      !/(^|\/)(node_modules|\.eai|\.stryker-tmp|reports)\//.test(file) &&
      !file.startsWith('.'),
  );
}
