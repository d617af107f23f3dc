import {
  ContractViolationError,
  UnknownEventTypeError,
  eventContractsByType,
  type EventContract,
} from '@scheduler/contracts';
import { recordedEventToEnvelope } from '@scheduler/bus';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import type { JsonObject, RecordedEvent } from '@scheduler/event-store';
import type { EventPageOpener } from '@scheduler/read-models';

export interface SealedEventOpenerOptions {
  readonly codec: PersonalDataCodec;
  /** Defaults to the catalogue: events of an older schema version are upcast too. */
  readonly contracts?: ReadonlyMap<string, EventContract>;
  /**
   * An event the codec refuses as invalid (beyond its redacted fields) is projected as stored:
   * its sealed values stay objects, which the projection never takes for text.
   */
  readonly onUnreadable?: (event: RecordedEvent, error: Error) => void;
}

/** Where a sealed value can stand: anywhere in `data`; checked by shape, like the codec does. */
function containsSealedValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(containsSealedValue);
  if ('$sealed' in value) return true;
  for (const key in value) {
    if (containsSealedValue((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * The projection runner's `open` hook for sealed events: a page's keys are loaded in one round
 * trip, then its sealed events are decoded (opened, upcast, validated). Events with nothing
 * sealed and of the current schema version pass through untouched, so a page without sealed
 * events costs one scan of its data. A forgotten key yields Redacted markers, never an error;
 * a key store that cannot be reached throws, and the runner retries the page.
 */
export function sealedEventOpener(options: SealedEventOpenerOptions): EventPageOpener {
  const contracts = options.contracts ?? eventContractsByType;
  const needsDecoding = (event: RecordedEvent) => {
    const contract = contracts.get(event.type);
    if (!contract) return false;
    return event.metadata.schemaVersion !== contract.schemaVersion || containsSealedValue(event.data);
  };
  return async (events) => {
    const indexes: number[] = [];
    for (let index = 0; index < events.length; index++) {
      if (needsDecoding(events[index]!)) indexes.push(index);
    }
    if (indexes.length === 0) return events;
    const envelopes = indexes.map((index) => recordedEventToEnvelope(events[index]!));
    await options.codec.prefetchKeys(envelopes);
    const decoded = await Promise.all(
      envelopes.map(async (envelope, position) => {
        const stored = events[indexes[position]!]!;
        try {
          const { event } = await options.codec.decode(envelope);
          return {
            ...stored,
            type: event.type,
            data: event.data as JsonObject,
            metadata: { ...stored.metadata, schemaVersion: event.schemaVersion },
          } satisfies RecordedEvent;
        } catch (error) {
          if (error instanceof ContractViolationError || error instanceof UnknownEventTypeError) {
            options.onUnreadable?.(stored, error);
            return stored;
          }
          throw error;
        }
      }),
    );
    const opened = [...events];
    indexes.forEach((index, position) => {
      opened[index] = decoded[position]!;
    });
    return opened;
  };
}
