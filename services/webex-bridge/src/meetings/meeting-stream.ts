import type { EventEnvelope } from '@scheduler/contracts';
import {
  aggregateStream,
  handleCommand,
  type AggregateStreamResult,
  type EventStore,
  type HandleCommandResult,
  type Position,
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

  /**
   * The meetings (id → user) whose newest event leaves them possibly not converged, from the
   * whole `meeting` category of the log, page by page. Only ids and types are read (both stored
   * in clear); the caller folds each candidate to decide.
   */
  async unsettledMeetings(pageSize = 1_000): Promise<Map<string, string>> {
    const users = new Map<string, string>();
    const unsettled = new Set<string>();
    let after: Position | undefined;
    for (;;) {
      const page = await this.store.readAll({
        ...(after ? { after } : {}),
        maxCount: pageSize,
        filter: { categories: ['meeting'] },
      });
      for (const event of page) {
        const meetingId = event.data.meetingId;
        if (typeof meetingId !== 'string') continue;
        if (typeof event.data.userId === 'string') users.set(meetingId, event.data.userId);
        if (unsettling.has(event.type)) unsettled.add(meetingId);
        else if (!neutral.has(event.type)) unsettled.delete(meetingId);
      }
      if (page.length < pageSize) break;
      after = page.at(-1)!.position;
    }
    return new Map(
      [...unsettled].flatMap((meetingId) => {
        const userId = users.get(meetingId);
        return userId ? [[meetingId, userId] as const] : [];
      }),
    );
  }

  /** The meetings of the whole `meeting` category that did not finish (cancelled, ended, purged). */
  async liveMeetings(pageSize = 1_000): Promise<string[]> {
    const live = new Set<string>();
    const finished = new Set<string>();
    let after: Position | undefined;
    for (;;) {
      const page = await this.store.readAll({
        ...(after ? { after } : {}),
        maxCount: pageSize,
        filter: { categories: ['meeting'] },
      });
      for (const event of page) {
        const meetingId = event.data.meetingId;
        if (typeof meetingId !== 'string') continue;
        if (finishing.has(event.type)) finished.add(meetingId);
        else live.add(meetingId);
      }
      if (page.length < pageSize) break;
      after = page.at(-1)!.position;
    }
    return [...live].filter((meetingId) => !finished.has(meetingId));
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

/**
 * The event types after which a meeting may not be converged: a wish recorded, or a wait. After
 * any other event the meeting settled (applied, failed, finished) or has facts only.
 */
const unsettling: ReadonlySet<string> = new Set([
  'MeetingRequested',
  'MeetingChangeRequested',
  'MeetingOccurrenceChangeRequested',
  // One occurrence done: the series' other occurrences may still be due (one Webex call each).
  'MeetingOccurrenceApplied',
  'MeetingCancellationRequested',
  'MeetingRetryRequested',
  'MeetingSyncDeferred',
  'MeetingReconnectRequired',
  'MeetingDriftDetected',
]);

/** After these a meeting is finished for good. */
const finishing: ReadonlySet<string> = new Set(['MeetingCancelled', 'MeetingEnded', 'MeetingDataPurged']);

/** Facts that say nothing about what Webex holds: they leave the last verdict standing. */
const neutral: ReadonlySet<string> = new Set(['ConferenceAttached']);

const currentState = (stream: AggregateStreamResult<MeetingState>) =>
  stream.streamDeleted ? tombstonedMeetingState : stream.state;
