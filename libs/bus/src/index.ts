export { busNames, eventSubject, commandSubject } from './naming.js';
export { ensureBusStreams, checkBusStreams, checkBusStreamsAtStart } from './streams/stream-setup.js';
export type { EventStreamLimits, StreamSettingDrift } from './streams/stream-setup.js';
export { natsConnectOptions } from './connection-options.js';
export type { BusConnectionOptions } from './connection-options.js';
export { BusMetrics } from './metrics.js';
// Thrown to callers, who tell them apart with instanceof.
export {
  PublishFailedError,
  NotAContractPatternError,
  CommandFailedError,
  CommandUnansweredError,
} from './errors.js';
export { JetStreamServer } from './transport/jetstream-server.js';
export { JetStreamClient, sendCommand } from './transport/jetstream-client.js';
// What a handler receives with @Ctx().
export { JetStreamContext, NatsCommandContext } from './transport/jetstream-context.js';
export { OnEvent, OnCommand } from './transport/patterns.js';
export { EventRelay } from './relay/event-relay.js';
export {
  listDeadLetters,
  readDeadLetter,
  replayDeadLetter,
  DeadLetterNotFoundError,
  UnreadableDeadLetterError,
  REPLAYED_FROM_HEADER,
} from './transport/dead-letter-queue.js';
export type { StoredDeadLetter, ReplayedDeadLetter } from './transport/dead-letter-queue.js';
export type { DeadLetter, DeadLetterReason } from './transport/dead-letter.js';
export type { BusNames } from './naming.js';
