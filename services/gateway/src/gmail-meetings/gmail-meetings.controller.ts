import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { primitives } from '@scheduler/contracts';
import { AuthenticationGuard, CurrentPrincipal } from '../authentication/authentication.guard.js';
import type { Principal } from '../authentication/identity-verifier.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import {
  CalendarEventGoneError,
  GmailMessageNotFoundError,
  GmailMessageTokenRejectedError,
  GoogleAccountNotConnectedError,
  ServiceUnavailableError,
  UpstreamFailedError,
  WebexSiteNotAllowedError,
} from '../api-errors/api-errors.js';
import { ApiAnswer, ApiFailures } from '../openapi/openapi.decorators.js';
import { GmailMeetings } from './gmail-meetings.js';

const TEN_YEARS_MS = 10 * 365.25 * 24 * 60 * 60 * 1000;

/**
 * A time Calendar and Webex can hold: a real UTC offset (at most ±14:00), from 1970 to ten years
 * ahead. The fuzzer's year 838 at -19:05 is valid ISO 8601 but no meeting time.
 */
const MeetingTime = primitives.Instant.refine(
  (value) => {
    const offset = /([+-])(\d\d):(\d\d)$/.exec(value);
    if (offset && Number(offset[2]) * 60 + Number(offset[3]) > 14 * 60) return false;
    const milliseconds = Date.parse(value);
    return milliseconds >= 0 && milliseconds <= Date.now() + TEN_YEARS_MS;
  },
  { message: 'must be between 1970 and ten years from now, with a UTC offset within ±14:00' },
).meta({
  description: 'Between 1970 and ten years from now, with a UTC offset within ±14:00',
});

const MessageMeeting = z
  .strictObject({
    messageId: primitives.GmailMessageId,
    messageToken: primitives.GmailMessageToken,
    start: MeetingTime,
    end: MeetingTime,
    timeZone: primitives.TimeZone.optional(),
  })
  .refine((value) => !(Date.parse(value.end) <= Date.parse(value.start)), {
    message: 'must be after start',
    path: ['end'],
  });

/** A meeting for the Gmail message the user has open in the add-on. */
@Controller('v1/meetings')
@UseGuards(AuthenticationGuard)
export class GmailMeetingsController {
  constructor(private readonly meetings: GmailMeetings) {}

  @Post('from-gmail')
  @HttpCode(202)
  @ApiAnswer({
    description: 'The calendar event is made and its meeting requested; one meeting however often asked',
    schema: z.strictObject({ meetingId: primitives.MeetingId }),
  })
  @ApiFailures(
    new WebexSiteNotAllowedError('other.webex.com', ['acme.webex.com']),
    new GmailMessageTokenRejectedError(),
    new GmailMessageNotFoundError(),
    new GoogleAccountNotConnectedError(),
    new CalendarEventGoneError(),
    new UpstreamFailedError('meeting_request'),
    new ServiceUnavailableError('gmail_calendar_event'),
  )
  fromGmail(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Body(new ZodValidationPipe(MessageMeeting, 'body')) body: z.output<typeof MessageMeeting>,
  ): Promise<{ meetingId: string }> {
    return this.meetings.schedule(principal, body, requestCorrelationId(request));
  }
}
