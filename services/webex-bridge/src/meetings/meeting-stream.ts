import type { EventEnvelope } from '@scheduler/contracts';
import {
  aggregateStream,
  handleCommand,
  type AggregateStreamResult,
  type EventStore,
  type HandleCommandResult,
  type StreamCodec,
} from '@scheduler/event-store';
import {
  meetingDecider,
  meetingStreamId,
  tombstonedMeetingState,
  type MeetingState,
  type MeetingStreamEvent,
} from './meeting.decider.js';

/** The stored metadata key of a MeetingStreamEvent's `sourceUpdatedAt`. */
export const sourceUpdatedAtMetadata = 'sourceUpdatedAt';

/**
 * How meeting streams are stored: as every stream of the service (`envelopes`, which seals
 * personal fields and opens them on reading), plus the `sourceUpdatedAt` of each event kept in
 * its stored metadata, so that the fold sees it again.
 */
export function meetingStreamCodec(envelopes: StreamCodec<EventEnvelope>): StreamCodec<MeetingStreamEvent> {
  return {
    async read(records) {
      const events = await envelopes.read(records);
      return events.map((event, index): MeetingStreamEvent => {
        const sourceUpdatedAt = records[index]!.metadata[sourceUpdatedAtMetadata];
        return typeof sourceUpdatedAt === 'string' ? { ...event, sourceUpdatedAt } : event;
      });
    },
    async write(events) {
      const stored = await envelopes.write(
        events.map(({ sourceUpdatedAt: _sourceUpdatedAt, ...envelope }) => envelope),
      );
      return stored.map((event, index) => {
        const sourceUpdatedAt = events[index]!.sourceUpdatedAt;
        if (sourceUpdatedAt === undefined) return event;
        return { ...event, metadata: { ...event.metadata, [sourceUpdatedAtMetadata]: sourceUpdatedAt } };
      });
    },
  };
}

/** A decision on a meeting: the events to append (none: nothing to record). May call Webex. */
export type MeetingDecision = (
  state: MeetingState,
  stream: AggregateStreamResult<MeetingState>,
) => readonly MeetingStreamEvent[] | Promise<readonly MeetingStreamEvent[]>;

/**
 * The meeting streams as their one writer reads and writes them: through the kernel, which
 * folds the stream, lets the decision run on it and appends with the revision read (deciding
 * again on a conflict). A tombstoned stream is decided on as tombstonedMeetingState.
 */
export class MeetingStreams {
  private readonly codec: StreamCodec<MeetingStreamEvent>;

  constructor(
    private readonly store: EventStore,
    /** The service's SEALED_ENVELOPES. */
    envelopes: StreamCodec<EventEnvelope>,
  ) {
    this.codec = meetingStreamCodec(envelopes);
  }

  decide(
    meetingId: string,
    decision: MeetingDecision,
  ): Promise<HandleCommandResult<MeetingStreamEvent, MeetingState>> {
    return handleCommand(
      this.store,
      meetingStreamId(meetingId),
      (state, stream) => decision(currentState(stream), stream),
      { evolve: meetingDecider.evolve, initialState: meetingDecider.initialState, codec: this.codec },
    );
  }

  async read(meetingId: string): Promise<MeetingState> {
    return currentState(
      await aggregateStream(this.store, meetingStreamId(meetingId), {
        evolve: meetingDecider.evolve,
        initialState: meetingDecider.initialState,
        codec: this.codec,
      }),
    );
  }
}

const currentState = (stream: AggregateStreamResult<MeetingState>) =>
  stream.streamDeleted ? tombstonedMeetingState : stream.state;
