import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand } from '@scheduler/bus';
import { ReadCalendarEvent } from '@scheduler/contracts';
import type { z } from 'zod';
import { GoogleAccountUnavailableError } from '../google-accounts/errors.js';
import { CalendarEventReader } from './calendar-event-reader.js';

type ReadCalendarEventRequest = z.output<typeof ReadCalendarEvent.request>;
type ReadCalendarEventResponse = z.output<typeof ReadCalendarEvent.response>;

/** The gateway asks for the details of the event a user adds a meeting to. */
@Controller()
export class CalendarEventsHandlers {
  constructor(private readonly reader: CalendarEventReader) {}

  @OnCommand(ReadCalendarEvent)
  async readCalendarEvent(@Payload() request: ReadCalendarEventRequest): Promise<ReadCalendarEventResponse> {
    try {
      const read = await this.reader.read(request);
      if (read.outcome === 'not-found') return { outcome: 'not-found', reason: read.reason };
      const {
        calendarId,
        title,
        start,
        end,
        timeZone,
        invitees,
        organizerEmail,
        organizedByUser,
        recurrence,
      } = read.event;
      return {
        outcome: 'found',
        event: {
          calendarId,
          title,
          start,
          end,
          timeZone,
          invitees: [...invitees],
          organizerEmail,
          organizedByUser,
          ...(recurrence ? { recurrence: [...recurrence] } : {}),
        },
      };
    } catch (error) {
      if (error instanceof GoogleAccountUnavailableError) return { outcome: 'account-unavailable' };
      throw error;
    }
  }
}
