import type { EventEnvelope } from '@scheduler/contracts';
import { type EventStore, type StreamCodec, type StreamFold, handleCommand } from '@scheduler/event-store';
import { calendarWatchStreamId } from './event-mapping.js';

// The private tables decide about channels and sync tokens; the stream only records what they
// decided, so nothing on it needs folding.
const nothingToFold: StreamFold<EventEnvelope, undefined> = {
  initialState: () => undefined,
  evolve: () => undefined,
};

/** Appends facts about a user's calendar watch (channels, sync resets) to calendarWatch-<userId>. */
export async function recordWatchFacts(
  store: EventStore,
  codec: StreamCodec<EventEnvelope>,
  userId: string,
  events: readonly EventEnvelope[],
): Promise<void> {
  await handleCommand(store, calendarWatchStreamId(userId), () => events, { ...nothingToFold, codec });
}
