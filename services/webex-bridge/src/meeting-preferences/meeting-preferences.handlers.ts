import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand } from '@scheduler/bus';
import { ChangeMeetingPreferences, ListMeetingOptions, type RequestOf } from '@scheduler/contracts';
import { UserMeetingPreferences } from './user-meeting-preferences.js';

/** The gateway's questions about a user's meeting preferences; the transport validated each request. */
@Controller()
export class MeetingPreferencesHandlers {
  constructor(@Inject(UserMeetingPreferences) private readonly preferences: UserMeetingPreferences) {}

  @OnCommand(ListMeetingOptions)
  listMeetingOptions(@Payload() request: RequestOf<typeof ListMeetingOptions>) {
    return this.preferences.listOptions(request);
  }

  @OnCommand(ChangeMeetingPreferences)
  changeMeetingPreferences(@Payload() request: RequestOf<typeof ChangeMeetingPreferences>) {
    return this.preferences.change(request);
  }
}
