export {
  busNames,
  eventSubject,
  recordedEventSubject,
  commandSubject,
  deadLetterSubject,
  durableName,
} from './naming.js';
export type { BusNames } from './naming.js';
export {
  ensureBusStreams,
  defaultEventStreamLimits,
  eventStreamConfig,
  deadLetterStreamConfig,
  checkpointStreamConfig,
} from './streams/stream-setup.js';
export type { EventStreamLimits } from './streams/stream-setup.js';
export { BusHeaders } from './wire.js';
export { BusMetrics } from './metrics.js';
export { PublishFailedError, NotAContractPatternError, CommandFailedError } from './errors.js';
export { JetStreamServer, decodeEnvelope } from './transport/jetstream-server.js';
export type { JetStreamServerOptions, EventOpener } from './transport/jetstream-server.js';
export { JetStreamClient } from './transport/jetstream-client.js';
export type { JetStreamClientOptions } from './transport/jetstream-client.js';
export { JetStreamContext, NatsCommandContext } from './transport/jetstream-context.js';
export { OnEvent, OnCommand } from './transport/patterns.js';
export type { OnEventOptions } from './transport/patterns.js';
export { DeadLetterHeaders } from './transport/dead-letter.js';
export type { DeadLetter, DeadLetterReason } from './transport/dead-letter.js';
export { EventRelay } from './relay/event-relay.js';
export type { EventRelayOptions } from './relay/event-relay.js';
export { JetStreamCheckpointStore } from './relay/checkpoint-store.js';
export type { CheckpointStore } from './relay/checkpoint-store.js';
