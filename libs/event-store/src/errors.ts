import type { ExpectedRevision } from './port.js';

export type ActualRevision = bigint | 'no_stream';

const describeRevision = (revision: ExpectedRevision | ActualRevision) =>
  typeof revision === 'bigint' ? revision.toString() : revision;

export class ExpectedVersionConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(
      `stream ${streamId}: expected revision ${describeRevision(expected)}, but it is at ${describeRevision(actual)}`,
    );
    this.name = 'ExpectedVersionConflictError';
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

/** A stream name the store refuses: nothing was written. */
export class InvalidStreamIdError extends Error {
  constructor(
    readonly streamId: unknown,
    readonly reason: string,
  ) {
    super(`invalid stream name ${JSON.stringify(String(streamId))}: ${reason}`);
    this.name = 'InvalidStreamIdError';
  }
}

/** An append (or delete) the store refuses before touching the database: nothing was written. */
export class InvalidAppendError extends Error {
  constructor(
    readonly streamId: string,
    readonly reason: string,
    /** Which event of the batch is at fault, when one is. */
    readonly eventIndex?: number,
  ) {
    super(
      `stream ${streamId}: ${eventIndex === undefined ? '' : `event #${eventIndex}: `}${reason}; nothing was written`,
    );
    this.name = 'InvalidAppendError';
  }
}

/** createEventStore was given a URL whose scheme names no adapter. */
export class UnsupportedEventStoreUrlError extends Error {
  constructor(readonly scheme: string) {
    super(
      `no event store adapter for URL scheme "${scheme}": use postgres://, postgresql:// (PostgreSQL) or esdb:// (EventStoreDB)`,
    );
    this.name = 'UnsupportedEventStoreUrlError';
  }
}
