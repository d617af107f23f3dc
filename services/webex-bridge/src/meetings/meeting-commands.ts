import type {
  CancelMeeting,
  EndMeeting,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
  RetryMeeting,
} from '@scheduler/contracts';
import { StreamDeletedError, positionToString } from '@scheduler/event-store';
import type { z } from 'zod';
import { MeetingGoneError } from './errors.js';
import type { Clock } from './meeting-lifecycle.js';
import {
  decide,
  type CommandOrigin,
  type MeetingCommand,
  type MeetingState,
  type MeetingStreamEvent,
} from './meeting.decider.js';
import type { MeetingStreams } from './meeting-stream.js';

export type RequestOf<Contract extends { request: z.ZodType }> = z.output<Contract['request']>;
type ResponseOf<Contract extends { response: z.ZodType }> = z.output<Contract['response']>;

/** The facts recorded for other services answer alike. */
type RecordOutcome = ResponseOf<typeof EndMeeting>;

/**
 * The meeting commands other services send: the meeting stream has one writer, this service,
 * and they ask it to record their facts. Each is recorded once, however often it is asked
 * (redeliveries, retried timers, replicas).
 */
export class MeetingCommands {
  constructor(
    private readonly meetings: MeetingStreams,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  /** The gateway records a user's intent; `position` lets it wait for its read model. */
  async requestMeeting(
    request: RequestOf<typeof RequestMeeting>,
  ): Promise<ResponseOf<typeof RequestMeeting>> {
    const command: MeetingCommand = {
      type: 'RequestMeeting',
      request: request.data,
      origin: this.originOf(request),
    };
    try {
      const { appendResult } = await this.meetings.decide(request.data.meetingId, (state) =>
        decide(command, state),
      );
      if (appendResult) return { outcome: 'requested', position: positionToString(appendResult.position) };
    } catch (error) {
      // Tombstoned: the meeting id was used, and its meeting is over.
      if (!(error instanceof StreamDeletedError)) throw error;
    }
    return { outcome: 'already-requested' };
  }

  /**
   * The user cancels: MeetingCancellationRequested{user-request}, the desired state the
   * reconcile then applies (the caller makes the meeting due). Answered alike however often it
   * is asked; another user's meeting is `not-found`, as a missing one.
   */
  async cancelMeeting(request: RequestOf<typeof CancelMeeting>): Promise<ResponseOf<typeof CancelMeeting>> {
    const { meetingId, userId } = request.data;
    let answer: ResponseOf<typeof CancelMeeting> | undefined;
    const recorded = await this.usersMeeting(request.tenantId, meetingId, userId, (state) => {
      if (state.status === 'ended' || state.status === 'purged') {
        answer = { outcome: 'finished', status: state.status };
        return [];
      }
      if (state.status === 'cancelled' || state.cancellationRequested) {
        answer = { outcome: 'already-recorded' };
        return [];
      }
      return decide(
        { type: 'RecordCancellationRequested', reason: 'user-request', origin: this.originOf(request) },
        state,
      );
    });
    if (recorded === 'not-found') return { outcome: 'not-found' };
    if (recorded === 'tombstoned') return { outcome: 'finished', status: 'purged' };
    if (answer) return answer;
    // Nothing appended and nothing answered: the decider found the cancellation recorded already.
    return recorded ? { outcome: 'recorded', position: recorded } : { outcome: 'already-recorded' };
  }

  /** The user tries a failed meeting again: MeetingRetryRequested; the caller makes it due. */
  async retryMeeting(request: RequestOf<typeof RetryMeeting>): Promise<ResponseOf<typeof RetryMeeting>> {
    const { meetingId, userId } = request.data;
    let answer: ResponseOf<typeof RetryMeeting> | undefined;
    const recorded = await this.usersMeeting(request.tenantId, meetingId, userId, (state) => {
      if (state.status !== 'failed') {
        answer = { outcome: 'not-failed', status: state.status as 'requested' };
        return [];
      }
      return decide({ type: 'RetryFailed', origin: this.originOf(request) }, state);
    });
    if (recorded === 'not-found') return { outcome: 'not-found' };
    if (recorded === 'tombstoned') return { outcome: 'not-failed', status: 'purged' };
    if (answer) return answer;
    if (!recorded) throw new Error(`meeting ${meetingId}: the retry of a failed meeting appended nothing`);
    return { outcome: 'recorded', position: recorded };
  }

  /**
   * Decides on the user's own meeting: `not-found` when the stream is missing or another
   * user's, `tombstoned` when retention deleted it, else the position of what was appended
   * (undefined when `decision` appended nothing).
   */
  private async usersMeeting(
    tenantId: string,
    meetingId: string,
    userId: string,
    decision: (state: MeetingState) => MeetingStreamEvent[],
  ): Promise<'not-found' | 'tombstoned' | string | undefined> {
    let refused: 'not-found' | 'tombstoned' | undefined;
    try {
      const { appendResult } = await this.meetings.decide(meetingId, (state) => {
        // A tombstoned stream no longer says whose it was.
        refused = state.streamDeleted
          ? 'tombstoned'
          : state.status === 'new' || state.userId !== userId || state.tenantId !== tenantId
            ? 'not-found'
            : undefined;
        return refused ? [] : decision(state);
      });
      if (refused) return refused;
      return appendResult ? positionToString(appendResult.position) : undefined;
    } catch (error) {
      if (error instanceof StreamDeletedError) return 'tombstoned';
      throw error;
    }
  }

  recordConferenceAttached(request: RequestOf<typeof RecordConferenceAttached>): Promise<RecordOutcome> {
    return this.record(request.data.meetingId, {
      type: 'AttachConference',
      attachment: request.data,
      origin: this.originOf(request),
    });
  }

  endMeeting(request: RequestOf<typeof EndMeeting>): Promise<RecordOutcome> {
    return this.record(request.data.meetingId, {
      type: 'EndMeeting',
      ending: request.data,
      origin: this.originOf(request),
    });
  }

  recordMeetingDataPurged(request: RequestOf<typeof RecordMeetingDataPurged>): Promise<RecordOutcome> {
    return this.record(request.data.meetingId, {
      type: 'RecordDataPurged',
      purge: request.data,
      origin: this.originOf(request),
    });
  }

  private async record(meetingId: string, command: MeetingCommand): Promise<RecordOutcome> {
    try {
      const { appendResult } = await this.meetings.decide(meetingId, (state) => decide(command, state));
      return { outcome: appendResult ? 'recorded' : 'already-recorded' };
    } catch (error) {
      // StreamDeletedError: tombstoned between our read and our append.
      if (error instanceof MeetingGoneError || error instanceof StreamDeletedError)
        return { outcome: 'meeting-gone' };
      throw error;
    }
  }

  private originOf(request: {
    tenantId: string;
    trace: { correlationId: string; causationId: string | null; traceparent: string | null };
  }): CommandOrigin {
    return { tenantId: request.tenantId, ...request.trace, occurredAt: this.clock.now() };
  }
}
