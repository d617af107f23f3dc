import type { ExpectedRevision } from './port.js';

export type ActualRevision = bigint | 'no_stream';

const describeRevision = (revision: ExpectedRevision | ActualRevision) =>
  typeof revision === 'bigint' ? revision.toString() : revision;

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(
      `stream ${streamId}: expected revision ${describeRevision(expected)}, but it is at ${describeRevision(actual)}`,
    );
    this.name = 'WrongExpectedVersionError';
  }
}

export class StreamNotFoundError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} does not exist`);
    this.name = 'StreamNotFoundError';
  }
}

export class StreamDeletedError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} was tombstoned and can no longer be read or written`);
    this.name = 'StreamDeletedError';
  }
}
