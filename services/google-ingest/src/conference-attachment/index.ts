export { ConferenceAttacher, MeetingNotRequestedError, TenantMismatchError } from './conference-attacher.js';
export type { AttachOutcome, ConferenceAttacherOptions } from './conference-attacher.js';
export { BusMeetingRecorder, MeetingWriterUnavailableError } from './meeting-recorder.js';
export type {
  MeetingRecorder,
  RecordConferenceAttachedOutcome,
  RecordConferenceAttachedRequest,
} from './meeting-recorder.js';
