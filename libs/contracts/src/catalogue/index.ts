import type { EventContract, ServiceName } from '../define.js';
import {
  CalendarEventChanged,
  CalendarSyncReset,
  CalendarWatchRenewed,
  CalendarWatchStarted,
  CalendarWatchStopped,
} from './calendar.js';
import {
  ConferenceAttached,
  MeetingCancellationRequested,
  MeetingCancelled,
  MeetingRetryRequested,
  MeetingChangeRequested,
  MeetingOccurrenceChangeRequested,
  MeetingOccurrenceApplied,
  MeetingDataPurged,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingSchedulingFailed,
  MeetingSyncDeferred,
  MeetingUpdated,
  MeetingReconnectRequired,
  MeetingDriftDetected,
} from './meeting.js';
import {
  AccountDisconnected,
  GoogleAccountConnected,
  GoogleAccountDisconnected,
  WebexAccountConnected,
  DirectoryWebexSiteChanged,
  WebexSiteResolved,
  MeetingPreferencesChanged,
} from './user.js';
import {
  CancelMeeting,
  CreateCalendarEventFromMessage,
  EndMeeting,
  ExchangeGoogleAuthorizationCode,
  ExchangeWebexAuthorizationCode,
  ReadCalendarEvent,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
  ListMeetingOptions,
  ChangeMeetingPreferences,
  RetryMeeting,
} from './commands.js';
import { ChangeTenantSettings, CheckTenantAdministrator, TenantSettingsChanged } from './tenant.js';
import {
  AccountErased,
  AccountErasureRequested,
  AccountErasureStepCompleted,
  EraseAccount,
  RecordAccountErased,
  RecordAccountErasureStep,
} from './account-erasure.js';

export * from './user.js';
export * from './account-erasure.js';
export * from './calendar.js';
export * from './meeting.js';
export * from './commands.js';
export * from './tenant.js';

/** Every event contract, current version. */
export const eventCatalogue = [
  GoogleAccountConnected,
  DirectoryWebexSiteChanged,
  GoogleAccountDisconnected,
  WebexAccountConnected,
  WebexSiteResolved,
  AccountDisconnected,
  MeetingPreferencesChanged,
  CalendarWatchStarted,
  CalendarWatchRenewed,
  CalendarWatchStopped,
  CalendarSyncReset,
  CalendarEventChanged,
  MeetingRequested,
  MeetingScheduled,
  ConferenceAttached,
  MeetingUpdated,
  MeetingCancelled,
  MeetingSchedulingFailed,
  MeetingChangeRequested,
  MeetingOccurrenceChangeRequested,
  MeetingOccurrenceApplied,
  MeetingCancellationRequested,
  MeetingRetryRequested,
  MeetingSyncDeferred,
  MeetingReconnectRequired,
  MeetingDriftDetected,
  MeetingEnded,
  MeetingDataPurged,
  TenantSettingsChanged,
  AccountErasureRequested,
  AccountErasureStepCompleted,
  AccountErased,
] as const;

export const commandCatalogue = [
  ExchangeGoogleAuthorizationCode,
  ExchangeWebexAuthorizationCode,
  ReadCalendarEvent,
  RequestMeeting,
  RecordConferenceAttached,
  EndMeeting,
  RecordMeetingDataPurged,
  ListMeetingOptions,
  ChangeMeetingPreferences,
  CancelMeeting,
  RetryMeeting,
  CreateCalendarEventFromMessage,
  CheckTenantAdministrator,
  ChangeTenantSettings,
  EraseAccount,
  RecordAccountErasureStep,
  RecordAccountErased,
] as const;

/** The event contracts a service appends: what its relay publishes. */
export const eventsProducedBy = (service: ServiceName): readonly EventContract[] =>
  eventCatalogue.filter((contract) => contract.producer === service);

export type CatalogueEvent = ReturnType<(typeof eventCatalogue)[number]['parse']>;

export const eventContractsByType: ReadonlyMap<string, EventContract> = new Map(
  eventCatalogue.map((contract) => [contract.type, contract as EventContract]),
);
