import { Controller, Logger } from '@nestjs/common';
import { Payload, RpcException } from '@nestjs/microservices';
import { OnCommand, OnEvent } from '@scheduler/bus';
import {
  ExchangeGoogleAuthorizationCode,
  MeetingScheduled,
  ReadCalendarEvent,
  type EventOf,
} from '@scheduler/contracts';
import type { z } from 'zod';
import {
  ConnectGoogleAccount,
  GoogleAccountUnavailableError,
  GoogleConnectionRejectedError,
} from '../accounts/index.js';
import { CalendarEventReader } from '../calendar-events/index.js';
import { ConferenceAttacher } from '../conference-attachment/index.js';

type ReadCalendarEventRequest = z.output<typeof ReadCalendarEvent.request>;
type ReadCalendarEventResponse = z.output<typeof ReadCalendarEvent.response>;

/**
 * google-ingest's bus handlers. A thrown error is the transport's business: a command answers
 * with it, an event is nakked and redelivered (finally dead-lettered). So only what a retry may
 * cure is thrown; outcomes the modules decide are returned or logged.
 */
@Controller()
export class GoogleIngestHandlers {
  private readonly logger = new Logger('GoogleIngestHandlers');

  constructor(
    private readonly connector: ConnectGoogleAccount,
    private readonly reader: CalendarEventReader,
    private readonly attacher: ConferenceAttacher,
  ) {}

  /**
   * The gateway hands over the OAuth code of a consent. A refusal is answered as an error that
   * names its reason (its message holds no personal data or token); anything else is Nest's
   * opaque "Internal server error".
   */
  @OnCommand(ExchangeGoogleAuthorizationCode)
  async exchangeAuthorizationCode(@Payload() request: unknown) {
    try {
      return await this.connector.handle(request);
    } catch (error) {
      if (error instanceof GoogleConnectionRejectedError) {
        this.logger.warn(
          { reason: error.reason, correlationId: error.correlationId },
          'Google connection rejected',
        );
        throw new RpcException({ name: error.name, reason: error.reason, message: error.message });
      }
      throw error;
    }
  }

  /** The gateway asks for the details of the event a user adds a meeting to. */
  @OnCommand(ReadCalendarEvent)
  async readCalendarEvent(@Payload() request: ReadCalendarEventRequest): Promise<ReadCalendarEventResponse> {
    try {
      const read = await this.reader.read(request);
      if (read.outcome === 'not-found') return { outcome: 'not-found', reason: read.reason };
      const { title, start, end, timeZone, invitees, organizerEmail, organizedByUser } = read.event;
      return {
        outcome: 'found',
        event: { title, start, end, timeZone, invitees: [...invitees], organizerEmail, organizedByUser },
      };
    } catch (error) {
      if (error instanceof GoogleAccountUnavailableError) return { outcome: 'account-unavailable' };
      throw error;
    }
  }

  /** Webex scheduled the meeting: write it into the Google event (idempotent; a redelivery is harmless). */
  @OnEvent(MeetingScheduled)
  async meetingScheduled(@Payload() scheduled: EventOf<typeof MeetingScheduled>): Promise<void> {
    const outcome = await this.attacher.attach(scheduled);
    this.logger.log(
      { streamId: scheduled.streamId, eventId: scheduled.id, outcome: outcome.outcome },
      'conference attachment handled',
    );
  }
}
