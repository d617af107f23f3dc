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
} from '../api-errors/api-errors.js';
import { ApiAnswer, ApiFailures } from '../openapi/openapi.decorators.js';
import { GmailMeetings } from './gmail-meetings.js';

const MessageMeeting = z
  .strictObject({
    messageId: primitives.GmailMessageId,
    messageToken: primitives.GmailMessageToken,
    start: primitives.Instant,
    end: primitives.Instant,
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
    new GmailMessageTokenRejectedError(),
    new GmailMessageNotFoundError(),
    new GoogleAccountNotConnectedError(),
    new CalendarEventGoneError(),
    new UpstreamFailedError('the meeting request'),
    new ServiceUnavailableError('reading the Gmail message'),
  )
  fromGmail(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Body(new ZodValidationPipe(MessageMeeting, 'body')) body: z.output<typeof MessageMeeting>,
  ): Promise<{ meetingId: string }> {
    return this.meetings.schedule(principal, body, requestCorrelationId(request));
  }
}
