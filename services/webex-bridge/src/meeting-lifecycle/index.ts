export { MeetingLifecycle } from './meeting-lifecycle.js';
export type { Clock, HandleOutcome, WebexClientFor } from './meeting-lifecycle.js';
export { MeetingCommands } from './meeting-commands.js';
export { MeetingStreams, meetingStreamCodec, sourceUpdatedAtMetadata } from './meeting-stream.js';
export {
  decide,
  evolve,
  foldMeeting,
  initialMeetingState,
  meetingDecider,
  meetingStreamId,
  nextStep,
  originOf,
} from './meeting.js';
export type {
  CommandOrigin,
  MeetingCommand,
  MeetingCommandBody,
  MeetingFact,
  MeetingStreamEvent,
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
  MeetingGoneError,
  MeetingNotScheduledYetError,
  MeetingStreamMissingError,
  UnhandledEventTypeError,
} from './errors.js';
