export { ConferenceAttacher, MeetingNotRequestedError, TenantMismatchError } from './conference-attacher.js';
export type { AttachOutcome, ConferenceAttacherOptions } from './conference-attacher.js';
