import type { EventEnvelope } from '@scheduler/contracts';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import { envelopeToEventToAppend, recordedEventToEnvelope, type StreamCodec } from '@scheduler/event-store';

/**
 * How every service stores its own streams: personal fields are sealed before an append and
 * opened (validated, upcast) when a stream is read back, with one key lookup per read. A
 * forgotten key opens as Redacted markers and never throws, so an aggregate can still be
 * folded after the purge.
 */
export function sealedEnvelopeCodec(codec: PersonalDataCodec): StreamCodec<EventEnvelope> {
  return {
    async read(records) {
      const stored = records.map(recordedEventToEnvelope);
      await codec.prefetchKeys(stored);
      return Promise.all(stored.map(async (envelope) => (await codec.decode(envelope)).event));
    },
    async write(events) {
      return Promise.all(events.map(async (event) => envelopeToEventToAppend(await codec.encode(event))));
    },
  };
}
