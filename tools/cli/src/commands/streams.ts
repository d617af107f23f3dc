import { jetstreamManager } from '@nats-io/jetstream';
import { busNames, ensureBusStreams } from '@scheduler/bus';
import { busStreamLimitsOf } from '@scheduler/runtime';
import { type CliIo, writeLine } from '../io.js';
import { using } from '../resources.js';
import { busStreamSettings } from '../settings.js';

export interface AppliedStream {
  readonly name: string;
  readonly replicas: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly duplicateWindowMs: number;
  readonly retention: string;
}

const nanosToMs = (nanos: number) => Math.round(nanos / 1_000_000);

/**
 * `streams apply`: creates the bus's streams or updates their replicas and limits from the
 * configuration (BUS_STREAM_REPLICAS, BUS_EVENTS_MAX_AGE_MS, BUS_EVENTS_MAX_BYTES,
 * BUS_DUPLICATE_WINDOW_MS). The only thing that changes a live stream: services create missing
 * streams with the same variables but only check existing ones (a warning and
 * `scheduler_bus_stream_setting_drift` when they differ). Storage and retention policy are
 * fixed once a stream exists (JetStream refuses to change them).
 */
export async function streamsApply(io: CliIo): Promise<AppliedStream[]> {
  const settings = busStreamSettings(io.environment);
  return using(async (resources) => {
    const manager = await jetstreamManager(await resources.nats(settings));
    const names = busNames(settings.BUS_PREFIX);
    await ensureBusStreams(manager, names, busStreamLimitsOf(settings));
    const applied: AppliedStream[] = [];
    for (const name of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
      const { config } = await manager.streams.info(name);
      const stream = {
        name,
        replicas: config.num_replicas,
        maxAgeMs: nanosToMs(config.max_age),
        maxBytes: config.max_bytes,
        duplicateWindowMs: nanosToMs(config.duplicate_window ?? 0),
        retention: String(config.retention),
      };
      applied.push(stream);
      writeLine(
        io.stdout,
        `${name}: replicas ${stream.replicas}, retention ${stream.retention}, max age ${stream.maxAgeMs} ms, ` +
          `max bytes ${stream.maxBytes}, duplicate window ${stream.duplicateWindowMs} ms`,
      );
    }
    return applied;
  });
}
