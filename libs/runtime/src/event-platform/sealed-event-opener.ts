import { recordedEventToEnvelope } from '@scheduler/event-store';
import {
  ContractViolationError,
  UnknownEventTypeError,
  eventContractsByType,
  type EventContract,
} from '@scheduler/contracts';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import type { JsonObject, RecordedEvent } from '@scheduler/event-store';
import type { EventPageOpener } from '@scheduler/read-models';

export interface SealedEventOpenerOptions {
  readonly codec: PersonalDataCodec;
  /** Defaults to the catalogue: events of an older schema version are upcast too. */
  readonly contracts?: ReadonlyMap<string, EventContract>;
  /**
   * An event of an older schema version that the codec refuses as invalid (beyond its redacted
   * fields) is projected as stored: its sealed values stay objects, which a projection never
   * takes for text.
   */
  readonly onUnreadable?: (event: RecordedEvent, error: Error) => void;
}

/** Where a sealed value can stand: anywhere in `data`; a cheap pre-check, the codec checks the exact shape. */
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
 * The projection runner's `open` hook for sealed events. A page's keys are loaded in one round
 * trip; then events of the current schema version are opened (codec.open: sealed values only,
 * no deep copy, no validation; a projection reads fields, it does not need the contract), and
 * events of an older version are decoded (opened, upcast, validated), since their shape is not
 * the one the projection knows. Events with nothing sealed and of the current version pass
 * through untouched, so a page without sealed events costs one scan of its data. A forgotten
 * key yields Redacted markers and a tampered value a REDACTED_TAMPERED marker (logged by the
 * codec), never an error; a key store that cannot be reached throws, and the runner retries.
 */
export function sealedEventOpener(options: SealedEventOpenerOptions): EventPageOpener {
  const { codec } = options;
  const contracts = options.contracts ?? eventContractsByType;

  const decode = async (stored: RecordedEvent): Promise<RecordedEvent> => {
    try {
      const { event } = await codec.decode(recordedEventToEnvelope(stored));
      return {
        ...stored,
        type: event.type,
        data: event.data as JsonObject,
        metadata: { ...stored.metadata, schemaVersion: event.schemaVersion },
      };
    } catch (error) {
      if (error instanceof ContractViolationError || error instanceof UnknownEventTypeError) {
        options.onUnreadable?.(stored, error);
        return stored;
      }
      throw error;
    }
  };

  return async (events) => {
    const toOpen: number[] = [];
    const toDecode: number[] = [];
    for (let index = 0; index < events.length; index++) {
      const event = events[index]!;
      const contract = contracts.get(event.type);
      if (!contract) continue;
      if (event.metadata.schemaVersion !== contract.schemaVersion) toDecode.push(index);
      else if (containsSealedValue(event.data)) toOpen.push(index);
    }
    if (toOpen.length === 0 && toDecode.length === 0) return events;
    // A RecordedEvent carries the event's id and data, all that binds a sealed value.
    await codec.prefetchKeys([...toOpen, ...toDecode].map((index) => events[index]!));
    const opened = [...events];
    await Promise.all([
      ...toOpen.map(async (index) => {
        opened[index] = (await codec.open(events[index]!)).event;
      }),
      ...toDecode.map(async (index) => {
        opened[index] = await decode(events[index]!);
      }),
    ]);
    return opened;
  };
}
