import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
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

/**
 * Creates the bus's streams, or brings an existing one's configuration up to date.
 * Idempotent: every service calls it at start-up.
 */
export async function ensureBusStreams(
  manager: JetStreamManager,
  names: BusNames,
  limits: Partial<EventStreamLimits> = {},
): Promise<void> {
  const effective = { ...defaultEventStreamLimits, ...limits };
  for (const config of [
    eventStreamConfig(names, effective),
    deadLetterStreamConfig(names, effective),
    checkpointStreamConfig(names, effective),
  ]) {
    await upsertStream(manager, config);
  }
}

async function upsertStream(manager: JetStreamManager, config: Partial<StreamConfig>): Promise<void> {
  const name = config.name!;
  const existing = await manager.streams.info(name).catch((error: unknown) => {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  });
  if (!existing) {
    await manager.streams.add({ ...config, name });
    return;
  }
  // Storage and retention cannot change on a live stream; the rest can.
  const { storage: _storage, retention: _retention, name: _name, ...updatable } = config;
  await manager.streams.update(name, updatable);
}

function isStreamNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    ((error as { code?: unknown }).code === 10059 || /stream not found/i.test(error.message))
  );
}
