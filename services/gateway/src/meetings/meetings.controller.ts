import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { primitives } from '@scheduler/contracts';
import { AuthenticationGuard, CurrentPrincipal } from '../authentication/authentication.guard.js';
import type { Principal } from '../authentication/identity-verifier.js';
import {
  CalendarEventNotFoundError,
  CalendarEventUnsupportedError,
  GoogleAccountNotConnectedError,
  MeetingAlreadyExistsError,
  MeetingFinishedError,
  MeetingNotFailedError,
  MeetingNotFoundError,
  NotEventOrganizerError,
  ServiceUnavailableError,
  UpstreamFailedError,
  WebexSiteNotAllowedError,
} from '../api-errors/api-errors.js';
import { requestCorrelationId } from '../api-errors/api-exception.filter.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { ApiAnswer, ApiFailures } from '../openapi/openapi.decorators.js';
import { MeetingRequests } from './meeting-requests.js';
import { MeetingView } from './meetings-projection.js';
import { MeetingsReadModel } from './meetings-read-model.js';

const CalendarEventReference = z.strictObject({
  // Google's calendar ids (emails, group ids) hold no control characters; PostgreSQL text cannot
  // hold NUL. Spelled as ranges, not \p{Cc}, so that JSON Schema tools can generate values for it.
  // eslint-disable-next-line no-control-regex
  calendarId: primitives.CalendarId.regex(/^[^\x00-\x1f\x7f-\x9f]*$/, {
    message: 'must not contain control characters',
  }),
  eventId: primitives.CalendarEventId,
});

const MeetingIdPath = z.strictObject({ id: primitives.MeetingId });

/** A meeting as the API shows it. */
const MeetingResource = MeetingView.omit({ tenantId: true, userId: true });

const EXAMPLE_MEETING_ID = '0193a6f0-8a4e-7c41-9d2b-6f1e2a3b4c5e';

const MeetingAccepted = z.strictObject({ meetingId: primitives.MeetingId });

/** What a client sees of a meeting: no tenant or user ids (they are the caller's own). */
function toResource(view: MeetingView): z.output<typeof MeetingResource> {
  const { tenantId: _tenantId, userId: _userId, ...resource } = view;
  return resource;
}

/** Meetings of the authenticated user: add one to a calendar event, read them back. */
@Controller('v1/meetings')
@UseGuards(AuthenticationGuard)
export class MeetingsController {
  constructor(
    private readonly requests: MeetingRequests,
    private readonly readModel: MeetingsReadModel,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiAnswer({
    description: 'The meeting is requested; read it back with GET /v1/meetings/{id}',
    schema: MeetingAccepted,
  })
  @ApiFailures(
    new CalendarEventNotFoundError(),
    new NotEventOrganizerError(),
    new WebexSiteNotAllowedError('other.webex.com', ['acme.webex.com']),
    new MeetingAlreadyExistsError(EXAMPLE_MEETING_ID),
    new GoogleAccountNotConnectedError(),
    new CalendarEventUnsupportedError([{ path: 'end', message: 'must be after start' }]),
    new UpstreamFailedError('meeting_request'),
    new ServiceUnavailableError('meeting_request'),
    new ServiceUnavailableError('reading_calendar_event'),
  )
  add(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Body(new ZodValidationPipe(CalendarEventReference, 'body'))
    body: z.output<typeof CalendarEventReference>,
  ): Promise<{ meetingId: string }> {
    return this.requests.add(principal, body, requestCorrelationId(request));
  }

  /**
   * The user cancels the meeting: 202, and the same 202 when asked again. The Webex meeting is
   * deleted and our conference taken off the calendar event, which stays.
   */
  @Delete(':id')
  @HttpCode(202)
  @ApiAnswer({
    description: 'The cancellation is recorded; the same answer when asked again',
    schema: MeetingAccepted,
  })
  @ApiFailures(
    new MeetingNotFoundError(EXAMPLE_MEETING_ID),
    new MeetingFinishedError(EXAMPLE_MEETING_ID, 'ended'),
    new UpstreamFailedError('cancellation'),
    new ServiceUnavailableError('cancellation'),
  )
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Param(new ZodValidationPipe(MeetingIdPath, 'path')) path: z.output<typeof MeetingIdPath>,
  ): Promise<{ meetingId: string }> {
    return this.requests.cancel(principal, path.id, requestCorrelationId(request));
  }

  /** A failed meeting is tried again: 202, then it converges like a new request. */
  @Post(':id/retry')
  @HttpCode(202)
  @ApiAnswer({ description: 'The failed meeting is requested again', schema: MeetingAccepted })
  @ApiFailures(
    new MeetingNotFoundError(EXAMPLE_MEETING_ID),
    new MeetingNotFailedError(EXAMPLE_MEETING_ID, 'scheduled'),
    new WebexSiteNotAllowedError('other.webex.com', ['acme.webex.com']),
    new MeetingAlreadyExistsError(EXAMPLE_MEETING_ID),
    new UpstreamFailedError('retry'),
    new ServiceUnavailableError('retry'),
  )
  retry(
    @CurrentPrincipal() principal: Principal,
    @Req() request: Request,
    @Param(new ZodValidationPipe(MeetingIdPath, 'path')) path: z.output<typeof MeetingIdPath>,
  ): Promise<{ meetingId: string }> {
    return this.requests.retry(principal, path.id, requestCorrelationId(request));
  }

  @Get(':id')
  @ApiAnswer({ description: "The caller's meeting", schema: MeetingResource })
  @ApiFailures(new MeetingNotFoundError(EXAMPLE_MEETING_ID))
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodValidationPipe(MeetingIdPath, 'path')) path: z.output<typeof MeetingIdPath>,
  ) {
    const view = await this.readModel.meetingOf(principal, path.id);
    if (!view) throw new MeetingNotFoundError(path.id);
    return toResource(view);
  }

  @Get()
  @ApiAnswer({
    description: "The caller's meetings on the calendar event, newest first",
    schema: z.strictObject({ meetings: z.array(MeetingResource) }),
  })
  async onCalendarEvent(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(CalendarEventReference, 'query'))
    query: z.output<typeof CalendarEventReference>,
  ) {
    const views = await this.readModel.meetingsOnEvent(principal, query.calendarId, query.eventId);
    return { meetings: views.map(toResource) };
  }
}
