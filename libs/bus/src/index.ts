export { busNames, eventSubject, commandSubject } from './naming.js';
export { ensureBusStreams } from './streams/stream-setup.js';
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
