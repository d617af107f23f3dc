export type { Decider, StreamFold } from './decider.js';
export type { StreamCodec } from './stream-codec.js';
export { plainEnvelopeCodec } from './stream-codec.js';
export { aggregateStream, readStreamEvents } from './aggregate-stream.js';
export type { AggregateStreamResult, ReadStreamResult } from './aggregate-stream.js';
export { handleCommand, versionConflictRetry } from './handle-command.js';
export type { HandleCommandOptions, HandleCommandResult, StreamDecision } from './handle-command.js';
