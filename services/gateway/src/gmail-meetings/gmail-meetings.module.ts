import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { MeetingsModule } from '../meetings/meetings.module.js';
import { GmailMeetingsController } from './gmail-meetings.controller.js';
import { GmailMeetings } from './gmail-meetings.js';

/** POST /v1/meetings/from-gmail: a calendar event made from a Gmail message, and its meeting. */
@Module({
  imports: [AuthenticationModule, MeetingsModule],
  controllers: [GmailMeetingsController],
  providers: [GmailMeetings],
})
export class GmailMeetingsModule {}
