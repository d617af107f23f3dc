import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The bus's Prometheus metrics. A service passes the registry it exposes on
 * /metrics; several relays and servers may share one, so each metric is registered once.
 */
export class BusMetrics {
  readonly relayPublished: Counter<'relay'>;
  readonly relayDuplicates: Counter<'relay'>;
  readonly relayPublishRetries: Counter<'relay'>;
  readonly relayLagSeconds: Gauge<'relay'>;
  readonly consumerHandled: Counter<'group' | 'outcome'>;
  readonly consumerRedeliveries: Counter<'group'>;
  readonly deadLettered: Counter<'group' | 'reason'>;
  readonly streamSettingDrift: Gauge<'stream' | 'setting'>;
  readonly deadLetterMessages: Gauge;
  private deadLetterDepth: (() => Promise<number>) | undefined;

  constructor(readonly registry: Registry = new Registry()) {
    this.relayPublished = this.counter(
      'scheduler_bus_relay_published_total',
      'Events the relay published and JetStream acknowledged',
      ['relay'],
    );
    this.relayDuplicates = this.counter(
      'scheduler_bus_relay_duplicates_total',
      'Re-published events that the duplicate window absorbed',
      ['relay'],
    );
    this.relayPublishRetries = this.counter(
      'scheduler_bus_relay_publish_retries_total',
      'Publishes retried after a failure or timeout',
      ['relay'],
    );
    this.relayLagSeconds = this.gauge(
      'scheduler_bus_relay_lag_seconds',
      'Commit-to-publish-ack delay of the last event the relay published',
      ['relay'],
    );
    this.consumerHandled = this.counter(
      'scheduler_bus_consumer_handled_total',
      'Messages a handler group finished, by outcome',
      ['group', 'outcome'],
    );
    this.consumerRedeliveries = this.counter(
      'scheduler_bus_consumer_redeliveries_total',
      'Messages that arrived for a second or later time',
      ['group'],
    );
    this.deadLettered = this.counter(
      'scheduler_bus_dead_lettered_total',
      'Messages sent to dead-letter, by reason',
      ['group', 'reason'],
    );
    this.streamSettingDrift = this.gauge(
      'scheduler_bus_stream_setting_drift',
      "1 for each setting of a bus stream that differs from this service's configuration (found at start-up; the stream is left as it is)",
      ['stream', 'setting'],
    );
    const readDepth = () => this.deadLetterDepth?.().catch(() => undefined);
    this.deadLetterMessages =
      (this.registry.getSingleMetric('scheduler_bus_dead_letter_messages') as Gauge | undefined) ??
      new Gauge({
        name: 'scheduler_bus_dead_letter_messages',
        help: "Messages in the dead-letter stream now (the deployment's, read from JetStream at each scrape)",
        registers: [this.registry],
        // Read when scraped; a failed read keeps the last value rather than failing the scrape.
        async collect() {
          const depth = await readDepth();
          if (depth !== undefined) this.set(depth);
        },
      });
  }

  /** How the dead-letter stream's depth is read at each scrape (the service's JetStream manager). */
  readDeadLetterDepthWith(read: () => Promise<number>): void {
    this.deadLetterDepth = read;
  }

  private counter<Label extends string>(name: string, help: string, labelNames: Label[]): Counter<Label> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<Label>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<Label extends string>(name: string, help: string, labelNames: Label[]): Gauge<Label> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<Label>;
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
