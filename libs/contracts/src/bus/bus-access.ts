import { commandCatalogue, eventsProducedBy } from '../catalogue/index.js';
import { serviceNames, type ServiceName } from '../define.js';
import {
  checkpointSubject,
  commandSubject,
  eventSubject,
  eventSubjectsWildcard,
  prefixedSubject,
  type BusNames,
} from './bus-names.js';

/** Every NATS user of a deployment: one per service, and the admin CLI's. */
export const busUsers = [...serviceNames, 'scheduler-cli'] as const;
export type BusUser = (typeof busUsers)[number];

/**
 * The services that consume events from JetStream (they run with `consumesEvents: true`);
 * only they may create and read durable consumers. The gateway reads the event store
 * through its projections; of JetStream it only reads the dead letters (deadLetterReaders).
 */
export const eventConsumers: readonly ServiceName[] = ['google-ingest', 'webex-bridge', 'retention'];

/** The services that read the dead-letter queue: the gateway's audit page counts a tenant's letters. */
export const deadLetterReaders: readonly ServiceName[] = ['gateway'];

/** What one NATS user may do, as nats-server's `permissions` block says it. */
export interface BusPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer the requests it received (the commands it serves), and nothing else on their inboxes. */
  readonly allowResponses: boolean;
}

/**
 * Where a user's replies arrive (command answers, JetStream API answers, pulled messages):
 * an inbox prefix of its own, so that no other user can subscribe to them. Give it to every
 * connection of that user (`inboxPrefix`).
 */
export const inboxPrefixOf = (user: BusUser | (string & {})): string => `_INBOX_${user}`;

/**
 * The names of any bus prefix, for a nats-server shared by test files that each use a prefix
 * of their own: `*` stands for the one prefix token of a subject and for a whole stream or
 * consumer name (JetStream names are single tokens, so `<PREFIX>_EVENTS` cannot be matched
 * more narrowly). Subjects stay as narrow as in production.
 */
export const anyBusPrefix: BusNames = {
  prefix: '*',
  eventStream: '*',
  deadLetterStream: '*',
  checkpointStream: '*',
};

const api = (...tokens: string[]) => ['$JS', 'API', ...tokens].join('.');

/**
 * A user's permissions, derived from the contracts: a service publishes the events it produces
 * (its relay), the commands its contracts say it sends, its relay checkpoint and dead letters;
 * it subscribes to the commands it answers and to its own inbox. JetStream's API is open to
 * it only for the bus's streams: look them up and create them when missing (never change
 * them: that is `scheduler streams apply`'s), and, for the event consumers, their durable
 * consumers on the event stream. The admin CLI may change the streams, read and delete dead
 * letters and re-publish them, and nothing else. The dead-letter readers may read letters, not
 * delete them.
 */
export function busPermissions(user: BusUser, names: BusNames): BusPermissions {
  const inbox = `${inboxPrefixOf(user)}.>`;
  const streams = [names.eventStream, names.deadLetterStream, names.checkpointStream];
  if (user === 'scheduler-cli') {
    return {
      publish: [
        api('INFO'),
        ...streams.flatMap((stream) =>
          ['INFO', 'CREATE', 'UPDATE'].map((verb) => api('STREAM', verb, stream)),
        ),
        api('STREAM', 'MSG', 'GET', names.deadLetterStream),
        api('STREAM', 'MSG', 'DELETE', names.deadLetterStream),
        api('DIRECT', 'GET', names.deadLetterStream),
        api('DIRECT', 'GET', names.deadLetterStream, '>'),
        // `dlq replay` re-publishes a dead letter on its event's subject.
        eventSubjectsWildcard(names),
      ],
      subscribe: [inbox],
      allowResponses: false,
    };
  }
  const produces = eventsProducedBy(user);
  const sends = commandCatalogue.filter((command) => command.sentBy.includes(user));
  const answers = commandCatalogue.filter((command) => command.service === user);
  const consumes = eventConsumers.includes(user);
  const usesJetStream = produces.length > 0 || consumes;
  const readsDeadLetters = deadLetterReaders.includes(user);
  const events = names.eventStream;
  const deadLetters = names.deadLetterStream;
  return {
    publish: [
      ...(readsDeadLetters && !usesJetStream ? [api('INFO')] : []),
      ...(readsDeadLetters
        ? [
            ...(usesJetStream ? [] : [api('STREAM', 'INFO', deadLetters)]),
            api('STREAM', 'MSG', 'GET', deadLetters),
            api('DIRECT', 'GET', deadLetters),
            api('DIRECT', 'GET', deadLetters, '>'),
          ]
        : []),
      ...(usesJetStream
        ? [
            api('INFO'),
            ...streams.flatMap((stream) => [api('STREAM', 'INFO', stream), api('STREAM', 'CREATE', stream)]),
          ]
        : []),
      ...produces.map((contract) => eventSubject(names, contract)),
      ...(produces.length > 0
        ? [
            checkpointSubject(names, user),
            api('STREAM', 'MSG', 'GET', names.checkpointStream),
            api('DIRECT', 'GET', names.checkpointStream),
            api('DIRECT', 'GET', names.checkpointStream, '>'),
          ]
        : []),
      ...(consumes
        ? [
            api('CONSUMER', 'INFO', events, '*'),
            api('CONSUMER', 'CREATE', events, '>'),
            api('CONSUMER', 'DURABLE', 'CREATE', events, '*'),
            api('CONSUMER', 'MSG', 'NEXT', events, '*'),
            `$JS.ACK.${events}.>`,
            prefixedSubject(names, 'dlq.*'),
          ]
        : []),
      ...sends.map((contract) => commandSubject(names, contract)),
    ],
    subscribe: [inbox, ...answers.map((contract) => commandSubject(names, contract))],
    allowResponses: answers.length > 0,
  };
}
