import type { CommandContract, EventContract } from '@scheduler/contracts';
import { streamCategory } from '@scheduler/event-store';

/**
 * Every JetStream name the bus uses, in one place. Production uses the defaults; a test
 * file passes its own prefix (uniqueName) so that it gets its own streams and subjects on
 * the shared nats-server: two streams in one account may not capture the same subjects.
 */
export interface BusNames {
  /** Prepended to every subject (`<prefix>.evt.…`) and stream name; empty in production. */
  readonly prefix: string;
  readonly eventStream: string;
  readonly deadLetterStream: string;
  readonly checkpointStream: string;
}

export function busNames(prefix = ''): BusNames {
  if (prefix !== '' && !/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new Error(`bus prefix "${prefix}" may only hold letters, digits, '_' and '-'`);
  }
  const streamPrefix = prefix ? `${prefix.toUpperCase()}_` : '';
  return {
    prefix,
    eventStream: `${streamPrefix}EVENTS`,
    deadLetterStream: `${streamPrefix}DEAD_LETTERS`,
    checkpointStream: `${streamPrefix}RELAY_CHECKPOINTS`,
  };
}

const withPrefix = (names: BusNames, subject: string) =>
  names.prefix ? `${names.prefix}.${subject}` : subject;

/** The subject an event contract's events travel on: `evt.<category>.<Type>`, prefixed. */
export function eventSubject(names: BusNames, contract: Pick<EventContract, 'subject'>): string {
  return withPrefix(names, contract.subject);
}

/** The subject of an event read back from the store, derived the same way as the contract's. */
export function recordedEventSubject(names: BusNames, event: { streamId: string; type: string }): string {
  return withPrefix(names, `evt.${streamCategory(event.streamId)}.${event.type}`);
}

export function eventSubjectsWildcard(names: BusNames): string {
  return withPrefix(names, 'evt.>');
}

export function commandSubject(names: BusNames, contract: Pick<CommandContract, 'subject'>): string {
  return withPrefix(names, contract.subject);
}

/** One dead-letter subject per consumer durable: `dlq.<durable>`. */
export function deadLetterSubject(names: BusNames, durable: string): string {
  return withPrefix(names, `dlq.${durable}`);
}

export function deadLetterSubjectsWildcard(names: BusNames): string {
  return withPrefix(names, 'dlq.>');
}

export function checkpointSubject(names: BusNames, relayName: string): string {
  return withPrefix(names, `relay.checkpoint.${relayName}`);
}

/** Durable consumer names: one per handler group. */
export function durableName(names: BusNames, group: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(group)) {
    throw new Error(`handler group "${group}" may only hold letters, digits, '_' and '-'`);
  }
  return names.prefix ? `${names.prefix}_${group}` : group;
}
