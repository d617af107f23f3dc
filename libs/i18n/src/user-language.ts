import { type EventEnvelope, GoogleAccountConnected, MeetingPreferencesChanged } from '@scheduler/contracts';
import { type EventStore, type StreamCodec, readStreamEvents } from '@scheduler/event-store';
import { type Language, userLanguage } from './languages.js';

/**
 * The language a user reads, from the log: the language of their last MeetingPreferencesChanged
 * (`webexAccount-<userId>`, which carries every preference as it stands) and the locale of their
 * last GoogleAccountConnected (`googleAccount-<userId>`), combined by `userLanguage`. Both fields
 * are not personal data, so the streams are read as they are; the services pass their own codec
 * all the same, the one their streams are read with.
 */
export async function readUserLanguage(
  store: EventStore,
  codec: StreamCodec<EventEnvelope>,
  userId: string,
): Promise<Language> {
  const [webex, google] = await Promise.all([
    readStreamEvents(store, `webexAccount-${userId}`, codec),
    readStreamEvents(store, `googleAccount-${userId}`, codec),
  ]);
  const preferences = webex.events.filter(MeetingPreferencesChanged.is).at(-1);
  const connected = google.events.filter(GoogleAccountConnected.is).at(-1);
  return userLanguage({ preference: preferences?.data.language, locale: connected?.data.locale });
}
