/** decide refused a command: the meeting is not in a state where it makes sense. Nothing was written. */
export class MeetingCommandRejectedError extends Error {
  constructor(
    readonly meetingId: string | undefined,
    readonly command: string,
    readonly status: string,
    readonly reason: string,
  ) {
    super(`meeting ${meetingId ?? '(none)'} is ${status}: ${command} rejected: ${reason}`);
    this.name = 'MeetingCommandRejectedError';
  }
}

/**
 * A fact was to be recorded on a meeting whose stream does not exist or was tombstoned by
 * retention. Nothing was written; the command answers `meeting-gone`.
 */
export class MeetingGoneError extends Error {
  constructor(
    readonly meetingId: string,
    readonly command: string,
  ) {
    super(`meeting ${meetingId} does not exist or was deleted: ${command} has nothing to record on`);
    this.name = 'MeetingGoneError';
  }
}

/** A MeetingRequested arrived whose stream does not hold it: the event did not come from our store. */
export class MeetingStreamMissingError extends Error {
  constructor(
    readonly streamId: string,
    readonly triggerId: string,
  ) {
    super(`stream ${streamId} does not exist, but event ${triggerId} says it does`);
    this.name = 'MeetingStreamMissingError';
  }
}

/** The lifecycle was handed an event type it does not handle. */
export class UnhandledEventTypeError extends Error {
  constructor(readonly type: string) {
    super(`the meeting lifecycle does not handle ${type} events`);
    this.name = 'UnhandledEventTypeError';
  }
}
