import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { BusMetrics } from '../metrics.js';
import {
  checkpointSubject,
  deadLetterSubjectsWildcard,
  eventSubjectsWildcard,
  type BusNames,
} from '../naming.js';

/**
 * The limits of the event stream. The event store is the source of truth, so JetStream
 * keeps a bounded tail (age and bytes), not the whole history: a consumer that falls
 * further behind than this is rebuilt from the store.
 */
export interface EventStreamLimits {
  /** Must exceed the longest relay outage plus its checkpoint interval (libs/bus/README.md). */
  readonly duplicateWindowMs: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly maxMessageBytes: number;
  readonly replicas: number;
}

const defaultEventStreamLimits: EventStreamLimits = {
  duplicateWindowMs: 5 * 60_000,
  maxAgeMs: 7 * 24 * 60 * 60_000,
  maxBytes: 10 * 1024 ** 3,
  maxMessageBytes: 1024 * 1024,
  replicas: 1,
};

function eventStreamConfig(names: BusNames, limits: EventStreamLimits): Partial<StreamConfig> {
  return {
    name: names.eventStream,
    subjects: [eventSubjectsWildcard(names)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(limits.duplicateWindowMs),
    max_age: nanos(limits.maxAgeMs),
    max_bytes: limits.maxBytes,
    max_msg_size: limits.maxMessageBytes,
    num_replicas: limits.replicas,
  };
}

function deadLetterStreamConfig(names: BusNames, limits: EventStreamLimits): Partial<StreamConfig> {
  return {
    name: names.deadLetterStream,
    subjects: [deadLetterSubjectsWildcard(names)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(limits.duplicateWindowMs),
    // Dead letters wait for a person; keep them longer than events.
    max_age: nanos(30 * 24 * 60 * 60_000),
    max_bytes: Math.max(1024 ** 3, Math.floor(limits.maxBytes / 10)),
    max_msg_size: limits.maxMessageBytes * 2,
    num_replicas: limits.replicas,
  };
}

/** A KV-style stream: the last message per subject is the relay's checkpoint. */
function checkpointStreamConfig(names: BusNames, limits: EventStreamLimits): Partial<StreamConfig> {
  return {
    name: names.checkpointStream,
    subjects: [checkpointSubject(names, '*')],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: 1,
    allow_direct: true,
    num_replicas: limits.replicas,
  };
}

function busStreamConfigs(names: BusNames, limits: Partial<EventStreamLimits>): Array<Partial<StreamConfig>> {
  const effective = { ...defaultEventStreamLimits, ...limits };
  return [
    eventStreamConfig(names, effective),
    deadLetterStreamConfig(names, effective),
    checkpointStreamConfig(names, effective),
  ];
}

/**
 * Creates the bus's streams, or brings an existing one's configuration up to date: what
 * `scheduler streams apply` runs (and tests that set up a bus of their own). Services only
 * check (checkBusStreams).
 */
export async function ensureBusStreams(
  manager: JetStreamManager,
  names: BusNames,
  limits: Partial<EventStreamLimits> = {},
): Promise<void> {
  for (const config of busStreamConfigs(names, limits)) {
    const name = config.name!;
    const existing = await streamInfo(manager, name);
    if (!existing) {
      await manager.streams.add({ ...config, name });
      continue;
    }
    // Storage and retention cannot change on a live stream; the rest can.
    const { storage: _storage, retention: _retention, name: _name, ...updatable } = config;
    await manager.streams.update(name, updatable);
  }
}

/** A setting of an existing stream that differs from what the configuration asks for. */
export interface StreamSettingDrift {
  readonly stream: string;
  /** The JetStream name of the setting, e.g. `max_age`, `num_replicas`. */
  readonly setting: string;
  readonly configured: unknown;
  readonly actual: unknown;
}

/**
 * What every service runs at start-up: creates a missing stream with the configured limits
 * (the first start of a fresh deployment, of `npm start` and of a test), and leaves an
 * existing one as it is, returning the settings in which it differs from the configuration.
 * Changing a live stream is an operator's act (`scheduler streams apply`): a service started
 * with other or default limits must not reset what was set, and its NATS user may not.
 */
export async function checkBusStreams(
  manager: JetStreamManager,
  names: BusNames,
  limits: Partial<EventStreamLimits> = {},
): Promise<StreamSettingDrift[]> {
  const drifts: StreamSettingDrift[] = [];
  for (const config of busStreamConfigs(names, limits)) {
    const name = config.name!;
    const existing = await streamInfo(manager, name);
    if (!existing) {
      // Several replicas may start together: whoever loses the race finds it created.
      await manager.streams.add({ ...config, name }).catch(async (error: unknown) => {
        if (!(await streamInfo(manager, name))) throw error;
      });
      continue;
    }
    const actual = existing.config as unknown as Record<string, unknown>;
    for (const [setting, configured] of Object.entries(config)) {
      if (JSON.stringify(actual[setting]) !== JSON.stringify(configured)) {
        drifts.push({ stream: name, setting, configured, actual: actual[setting] });
      }
    }
  }
  return drifts;
}

/**
 * checkBusStreams at a service's start: each differing setting is logged as a warning and
 * set on `scheduler_bus_stream_setting_drift`, and the stream keeps it.
 */
export async function checkBusStreamsAtStart(
  manager: JetStreamManager,
  names: BusNames,
  limits: Partial<EventStreamLimits>,
  report: { readonly warn: (message: string) => void; readonly metrics?: BusMetrics | undefined },
): Promise<StreamSettingDrift[]> {
  const drifts = await checkBusStreams(manager, names, limits);
  for (const drift of drifts) {
    report.warn(
      `stream ${drift.stream}: ${drift.setting} is ${JSON.stringify(drift.actual)}, this service's configuration ` +
        `says ${JSON.stringify(drift.configured)}; left as it is (\`scheduler streams apply\` changes streams)`,
    );
    report.metrics?.streamSettingDrift.set({ stream: drift.stream, setting: drift.setting }, 1);
  }
  return drifts;
}

async function streamInfo(manager: JetStreamManager, name: string) {
  return manager.streams.info(name).catch((error: unknown) => {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  });
}

function isStreamNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    ((error as { code?: unknown }).code === 10059 || /stream not found/i.test(error.message))
  );
}
