export { MeetingLifecycle, meetingStreamId, sourceUpdatedAtMetadata } from './meeting-lifecycle.js';
export type { Clock, HandleOutcome, MeetingLifecycleOptions, WebexClientFor } from './meeting-lifecycle.js';
export { decide, evolve, foldMeeting, initialMeetingState, nextStep } from './meeting.js';
export type {
  MeetingCommand,
  MeetingEvent,
  MeetingState,
  MeetingStatus,
  NothingReason,
  Step,
  Trigger,
} from './meeting.js';
export {
  changedAspects,
  clampDuration,
  copyMeetingId,
  desiredStateFromChange,
  normalizeDesiredState,
  webexTitle,
} from './desired-state.js';
export type { ChangedAspect, DesiredState } from './desired-state.js';
export { classifyWebexFailure } from './webex-failure.js';
export {
  MeetingCommandRejectedError,
  MeetingConcurrencyError,
  MeetingNotScheduledYetError,
  MeetingStreamMissingError,
  UnhandledEventTypeError,
} from './errors.js';
