import type { CommandContract, EventContract } from '../define.js';

/**
 * Every JetStream name the bus uses, in one place. Production uses the defaults; a test
 * file passes its own prefix (uniqueName) so that it gets its own streams and subjects on
 * the shared nats-server: two streams in one account may not capture the same subjects.
 * They live with the contracts because the NATS users' permissions (bus-access.ts) are
 * derived from the same names.
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

/** Prefixes a subject with the bus's prefix (one token), if any. */
export const prefixedSubject = (names: Pick<BusNames, 'prefix'>, subject: string): string =>
  names.prefix ? `${names.prefix}.${subject}` : subject;

/** The subject an event contract's events travel on: `evt.<category>.<Type>`, prefixed. */
export function eventSubject(
  names: Pick<BusNames, 'prefix'>,
  contract: Pick<EventContract, 'subject'>,
): string {
  return prefixedSubject(names, contract.subject);
}

export function eventSubjectsWildcard(names: Pick<BusNames, 'prefix'>): string {
  return prefixedSubject(names, 'evt.>');
}

export function commandSubject(
  names: Pick<BusNames, 'prefix'>,
  contract: Pick<CommandContract, 'subject'>,
): string {
  return prefixedSubject(names, contract.subject);
}

/** One dead-letter subject per consumer durable: `dlq.<durable>`. */
export function deadLetterSubject(names: Pick<BusNames, 'prefix'>, durable: string): string {
  return prefixedSubject(names, `dlq.${durable}`);
}

export function deadLetterSubjectsWildcard(names: Pick<BusNames, 'prefix'>): string {
  return prefixedSubject(names, 'dlq.>');
}

export function checkpointSubject(names: Pick<BusNames, 'prefix'>, relayName: string): string {
  return prefixedSubject(names, `relay.checkpoint.${relayName}`);
}

/** Durable consumer names: one per handler group. */
export function durableName(names: Pick<BusNames, 'prefix'>, group: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(group)) {
    throw new Error(`handler group "${group}" may only hold letters, digits, '_' and '-'`);
  }
  return names.prefix ? `${names.prefix}_${group}` : group;
}
