import type { ClientProxy } from '@nestjs/microservices';
import type { z } from 'zod';
import { CommandUnansweredError, sendCommand } from '@scheduler/bus';
import { RecordConferenceAttached } from '@scheduler/contracts';

export type RecordConferenceAttachedRequest = z.input<typeof RecordConferenceAttached.request>;
export type RecordConferenceAttachedOutcome = z.output<typeof RecordConferenceAttached.response>['outcome'];

/** The meeting stream's one writer, webex-bridge, as the attacher asks it to record a fact. */
export interface MeetingRecorder {
  recordConferenceAttached(
    request: RecordConferenceAttachedRequest,
  ): Promise<RecordConferenceAttachedOutcome>;
}

/** webex-bridge did not answer (down, restarting, too slow): transient, the delivery is retried. */
export class MeetingWriterUnavailableError extends Error {
  override readonly name = 'MeetingWriterUnavailableError';
  constructor(
    readonly command: string,
    readonly meetingId: string,
    options?: { cause?: unknown },
  ) {
    super(`${command} for meeting ${meetingId} got no answer from webex-bridge`, options);
  }
}

/** Sends the meeting commands over NATS request/reply (the BUS_CLIENT). */
export class BusMeetingRecorder implements MeetingRecorder {
  constructor(private readonly bus: Pick<ClientProxy, 'send'>) {}

  async recordConferenceAttached(
    request: RecordConferenceAttachedRequest,
  ): Promise<RecordConferenceAttachedOutcome> {
    try {
      return (await sendCommand(this.bus, RecordConferenceAttached, request)).outcome;
    } catch (error) {
      // An answer that is an error, or a request we built wrong, is not a missing answer.
      if (!(error instanceof CommandUnansweredError)) throw error;
      throw new MeetingWriterUnavailableError(RecordConferenceAttached.name, request.data.meetingId, {
        cause: error,
      });
    }
  }
}
