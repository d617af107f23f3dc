import { Counter, Histogram, type Registry } from 'prom-client';

/** What the retention service measures; registered once per registry. */
export class RetentionMetrics {
  readonly timersArmed: Counter<'event'>;
  readonly meetingsEnded: Counter<'outcome'>;
  readonly meetingsPurged: Counter<'outcome'>;
  readonly stepFailures: Counter<'step'>;
  readonly purgeLagSeconds: Histogram;

  constructor(readonly registry: Registry) {
    this.timersArmed = this.metric(
      'scheduler_retention_timers_armed_total',
      () =>
        new Counter({
          name: 'scheduler_retention_timers_armed_total',
          help: 'Meeting timers set or moved, by the event that did it',
          labelNames: ['event'],
          registers: [registry],
        }),
    );
    this.meetingsEnded = this.metric(
      'scheduler_retention_meetings_ended_total',
      () =>
        new Counter({
          name: 'scheduler_retention_meetings_ended_total',
          help: 'Meetings whose scheduled end was reached: MeetingEnded appended, already recorded, or stream gone',
          labelNames: ['outcome'],
          registers: [registry],
        }),
    );
    this.meetingsPurged = this.metric(
      'scheduler_retention_meetings_purged_total',
      () =>
        new Counter({
          name: 'scheduler_retention_meetings_purged_total',
          help: 'Meetings whose key was forgotten: MeetingDataPurged appended, already recorded, or stream gone',
          labelNames: ['outcome'],
          registers: [registry],
        }),
    );
    this.stepFailures = this.metric(
      'scheduler_retention_step_failures_total',
      () =>
        new Counter({
          name: 'scheduler_retention_step_failures_total',
          help: 'End or purge steps that failed and will be retried',
          labelNames: ['step'],
          registers: [registry],
        }),
    );
    this.purgeLagSeconds = this.metric(
      'scheduler_retention_purge_lag_seconds',
      () =>
        new Histogram({
          name: 'scheduler_retention_purge_lag_seconds',
          help: 'How late a purge happened: the time from when it was due until the key was forgotten',
          buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 86_400],
          registers: [registry],
        }),
    );
  }

  private metric<Metric>(name: string, create: () => Metric): Metric {
    return (this.registry.getSingleMetric(name) as Metric | undefined) ?? create();
  }
}
