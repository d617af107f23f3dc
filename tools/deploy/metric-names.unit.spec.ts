import { describe, expect, it } from '@jest/globals';
import {
  chartMetricNames,
  dashboardExpressions,
  exportedMetricNames,
  metricNamesOf,
} from './metric-names.js';

describe('metricNamesOf', () => {
  it('finds the metrics of an expression, not its functions, labels, ranges, groupings or keywords', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.99, sum by (namespace, le) (rate(a_seconds_bucket{job="x", le!="+Inf"}[5m]))) > 60',
      ),
    ).toEqual(['a_seconds_bucket']);
    expect(
      metricNamesOf(
        'sum by (namespace) (rate(b_total{sync="deferred"}[10m])) / on (namespace) group_left sum(rate(c_total[10m] offset 5m)) > bool 0.2 unless d',
      ),
    ).toEqual(['b_total', 'c_total', 'd']);
    expect(metricNamesOf('max(e{namespace="$namespace"}) > 1e3 or vector(0)')).toEqual(['e']);
  });
});

describe('the names the chart reads', () => {
  it('covers panel targets and query variables of a dashboard', () => {
    expect(
      dashboardExpressions({
        panels: [{ targets: [{ expr: 'rate(x_total[5m])' }] }],
        templating: { list: [{ definition: 'label_values(y_total, namespace)' }] },
      }).flatMap(metricNamesOf),
    ).toEqual(['x_total', 'y_total']);
  });

  it('finds metrics in both of the chart files', () => {
    const { dashboard, rules } = chartMetricNames();
    expect(dashboard).toContain('scheduler_meeting_request_to_converged_seconds_bucket');
    expect(rules).toEqual(
      expect.arrayContaining([
        'scheduler_bus_relay_lag_seconds',
        'scheduler_bus_dead_letter_messages',
        'scheduler_meetings_not_converged_oldest_seconds',
        'scheduler_calendar_syncs_total',
        'scheduler_meeting_request_to_converged_seconds_bucket',
        'scheduler_oauth_token_refreshes_total',
      ]),
    );
    for (const name of [...dashboard, ...rules]) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});

describe('exportedMetricNames', () => {
  it('reads the TYPE lines, with the series a histogram and a summary add', () => {
    const names = exportedMetricNames(
      [
        '# HELP a_total A.',
        '# TYPE a_total counter',
        '# TYPE b_seconds histogram',
        'b_seconds_bucket{le="1"} 0',
        '# TYPE c summary',
      ].join('\n'),
    );
    expect([...names].sort()).toEqual([
      'a_total',
      'b_seconds',
      'b_seconds_bucket',
      'b_seconds_count',
      'b_seconds_sum',
      'c',
      'c_count',
      'c_sum',
    ]);
  });
});
