// The relay as a process of its own, for the fault tests: they SIGKILL it mid-run.
// Environment: NATS_URL, DATABASE_URL, BUS_PREFIX, RELAY_NAME, optional RELAY_MAX_IN_FLIGHT and
// RELAY_SIGKILL_AFTER_PUBLISHED.
// Prints one JSON status line every 100 ms: {"published":n,"duplicates":n,"checkpoint":"c/p"}.
import { connect } from '@nats-io/transport-node';
import { PostgresEventStore, positionToString } from '@scheduler/event-store';
import { BusMetrics } from '../metrics.js';
import { busNames } from '../naming.js';
import { JetStreamCheckpointStore } from '../relay/checkpoint-store.js';
import { EventRelay } from '../relay/event-relay.js';

const required = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

const relayName = required('RELAY_NAME');
const connection = await connect({
  servers: required('NATS_URL'),
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
});
const store = await PostgresEventStore.connect({ connectionString: required('DATABASE_URL') });
const metrics = new BusMetrics();
const valueOf = async (name: string) =>
  (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
const names = busNames(required('BUS_PREFIX'));
// How many were published when the checkpoint was last saved: the self-kill waits until more
// were, so the restart always has something to re-publish, however the saves fall under load.
let publishedAtLastSave = 0;
const jetStreamCheckpoints = await JetStreamCheckpointStore.create(connection, names);
const checkpoints = {
  load: (name: string) => jetStreamCheckpoints.load(name),
  async save(name: string, position: Parameters<typeof jetStreamCheckpoints.save>[1]) {
    const published = await valueOf('scheduler_bus_relay_published_total');
    await jetStreamCheckpoints.save(name, position);
    publishedAtLastSave = Math.max(publishedAtLastSave, published);
  },
};
const relay = await EventRelay.start({
  checkpoints,
  store,
  connection,
  relayName,
  names,
  maxInFlight: Number(process.env.RELAY_MAX_IN_FLIGHT ?? 256),
  checkpointIntervalMs: Number(process.env.RELAY_CHECKPOINT_INTERVAL_MS ?? 250),
  metrics,
});

const report = async () => {
  const status = {
    published: await valueOf('scheduler_bus_relay_published_total'),
    duplicates: await valueOf('scheduler_bus_relay_duplicates_total'),
    checkpoint: relay.checkpoint ? positionToString(relay.checkpoint) : null,
  };
  process.stdout.write(`${JSON.stringify(status)}\n`);
};
const timer = setInterval(() => void report(), 100);

// The relay SIGKILLs itself once it has published this many: a kill sent by the test process
// arrived after the relay had published everything whenever that process was busy consuming.
const sigkillAfter = Number(process.env.RELAY_SIGKILL_AFTER_PUBLISHED ?? 0);
if (sigkillAfter > 0) {
  setInterval(async () => {
    const published = await valueOf('scheduler_bus_relay_published_total');
    if (published < sigkillAfter || published <= publishedAtLastSave) return;
    await report();
    process.kill(process.pid, 'SIGKILL');
  }, 2);
}

process.once('SIGTERM', () => {
  clearInterval(timer);
  void relay
    .stop()
    .then(report)
    .then(() => Promise.all([store.close(), connection.drain()]))
    .then(() => process.exit(0));
});
