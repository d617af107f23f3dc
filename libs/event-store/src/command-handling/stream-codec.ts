import type { EventEnvelope } from '@scheduler/contracts';
import { envelopeToEventToAppend, recordedEventToEnvelope } from '../envelope-mapping.js';
import type { EventToAppend, RecordedEvent } from '../port.js';

/**
 * How an aggregate's events are stored: the kernel calls `read` on every stream it loads and
 * `write` on every batch it appends. This is where a service seals personal data before it is
 * stored and opens it when the stream is read back, so a decider only ever sees opened events.
 */
export interface StreamCodec<Event> {
  read(records: readonly RecordedEvent[]): Promise<Event[]>;
  write(events: readonly Event[]): Promise<EventToAppend[]>;
}

/** Envelopes stored as they are (no personal data, or sealing done elsewhere). */
export const plainEnvelopeCodec: StreamCodec<EventEnvelope> = {
  read: async (records) => records.map(recordedEventToEnvelope),
  write: async (events) => events.map(envelopeToEventToAppend),
};
