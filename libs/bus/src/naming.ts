import { prefixedSubject, type BusNames } from '@scheduler/contracts';
import { streamCategory } from '@scheduler/event-store';

// The names themselves are the contracts' (the NATS users' permissions derive from them too).
export {
  busNames,
  eventSubject,
  eventSubjectsWildcard,
  commandSubject,
  deadLetterSubject,
  deadLetterSubjectsWildcard,
  checkpointSubject,
  durableName,
} from '@scheduler/contracts';
export type { BusNames } from '@scheduler/contracts';

/** The subject of an event read back from the store, derived the same way as the contract's. */
export function recordedEventSubject(names: BusNames, event: { streamId: string; type: string }): string {
  return prefixedSubject(names, `evt.${streamCategory(event.streamId)}.${event.type}`);
}
