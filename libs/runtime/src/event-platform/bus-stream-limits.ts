import type { EventStreamLimits } from '@scheduler/bus';
import type { ServiceEnvironment } from '@scheduler/config';

type StreamSettings = Pick<
  ServiceEnvironment,
  'BUS_STREAM_REPLICAS' | 'BUS_EVENTS_MAX_AGE_MS' | 'BUS_EVENTS_MAX_BYTES' | 'BUS_DUPLICATE_WINDOW_MS'
>;

/**
 * The bus streams' limits the configuration sets; what it leaves unset stays the bus's default.
 * `scheduler streams apply` sets them; a service creates a missing stream with them and checks
 * an existing one against them (a warning where they differ, never a change).
 */
export function busStreamLimitsOf(config: StreamSettings): Partial<EventStreamLimits> {
  return {
    ...(config.BUS_STREAM_REPLICAS !== undefined ? { replicas: config.BUS_STREAM_REPLICAS } : {}),
    ...(config.BUS_EVENTS_MAX_AGE_MS !== undefined ? { maxAgeMs: config.BUS_EVENTS_MAX_AGE_MS } : {}),
    ...(config.BUS_EVENTS_MAX_BYTES !== undefined ? { maxBytes: config.BUS_EVENTS_MAX_BYTES } : {}),
    ...(config.BUS_DUPLICATE_WINDOW_MS !== undefined
      ? { duplicateWindowMs: config.BUS_DUPLICATE_WINDOW_MS }
      : {}),
  };
}
