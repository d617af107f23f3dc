import type {
  EndMeeting,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
} from '@scheduler/contracts';
import { StreamDeletedError, positionToString } from '@scheduler/event-store';
import type { z } from 'zod';
import { MeetingGoneError } from './errors.js';
import type { Clock } from './meeting-lifecycle.js';
import { decide, type CommandOrigin, type MeetingCommand } from './meeting.decider.js';
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
