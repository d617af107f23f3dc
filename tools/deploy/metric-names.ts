// Which metrics the chart's dashboard and alert rules read, and which a service exports: the
// observability test (tools/e2e/metrics-coverage.e2e.spec.ts) compares the two, so a renamed or
// missing metric fails a test instead of leaving a panel empty or an alert silent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const chartFiles = fileURLToPath(new URL('../../deploy/k8s/scheduler/files/', import.meta.url));

/** PromQL words that look like names but are not metrics. */
const keywords = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects. Enough PromQL for our expressions: strings,
 * label matchers `{…}`, ranges `[…]`, grouping clauses `by (…)` and the like are removed;
 * what remains and is not a function call, a keyword or a number is a metric name.
 */
export function metricNamesOf(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Numbers and durations (0.99, 1e3, 5m, 1h30m).
    .replace(/(?<![\w:])\d[\d.]*(?:e[+-]?\d+)?(?:ms|[smhdwy])*(?![\w:])/gi, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || keywords.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** Every PromQL expression of a Grafana dashboard: panel targets and query variables. */
export function dashboardExpressions(dashboard: unknown): string[] {
  const expressions: string[] = [];
  const visit = (node: unknown, key?: string) => {
    if (typeof node === 'string') {
      if (key === 'expr' || key === 'definition') expressions.push(node);
      return;
    }
    if (Array.isArray(node)) node.forEach((item) => visit(item));
    else if (node && typeof node === 'object')
      for (const [name, value] of Object.entries(node)) visit(value, name);
  };
  visit(dashboard);
  // label_values(metric, label) is Grafana's, not PromQL: its metric is what counts.
  return expressions.map((expression) => expression.replace(/label_values\(([^,]+),[^)]*\)/g, '$1'));
}

/** Every `expr` of a PrometheusRule's groups. */
export function ruleExpressions(rules: { groups: { rules: { expr: string }[] }[] }): string[] {
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

/** The metric names the chart's dashboard and alert rules read. */
export function chartMetricNames(): { dashboard: string[]; rules: string[] } {
  const dashboard = JSON.parse(readFileSync(join(chartFiles, 'grafana-dashboard.json'), 'utf8')) as unknown;
  const rules = parseYaml(readFileSync(join(chartFiles, 'prometheus-rules.yaml'), 'utf8')) as {
    groups: { rules: { expr: string }[] }[];
  };
  const namesOf = (expressions: string[]) => [...new Set(expressions.flatMap(metricNamesOf))].sort();
  return { dashboard: namesOf(dashboardExpressions(dashboard)), rules: namesOf(ruleExpressions(rules)) };
}

/**
 * The series names a Prometheus text exposition offers, from its `# TYPE` lines (present even
 * before a labelled metric has its first sample): a histogram also offers _bucket, _sum and
 * _count, a summary _sum and _count.
 */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}
