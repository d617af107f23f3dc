import {
  type DataOf,
  DirectoryWebexSiteChanged,
  type EventEnvelope,
  GoogleAccountConnected,
  createEvent,
} from '@scheduler/contracts';
import type { Decider } from '@scheduler/event-store';

export type GoogleProfile = DataOf<typeof GoogleAccountConnected>;

/** `googleAccount-<userId>`: google-ingest is its one writer. */
export const googleAccountStreamId = (userId: string) => `${GoogleAccountConnected.category}-${userId}`;

/** What a (re)connection learnt about the account: its profile, and the Webex site the directory names. */
export interface RecordGoogleAccount {
  readonly tenantId: string;
  readonly correlationId: string;
  readonly occurredAt: Date;
  readonly profile: GoogleProfile;
  /** Undefined when the directory names no site, or one that failed the allow-list. */
  readonly directorySiteUrl: string | undefined;
}

export interface GoogleAccountState {
  /** The last profile recorded; after a purge its personal fields are Redacted markers. */
  readonly profile: GoogleProfile | undefined;
  readonly directorySiteUrl: string | undefined;
}

/**
 * The Google account stream says only what changed: GoogleAccountConnected when the profile
 * differs from the last one recorded, DirectoryWebexSiteChanged when the directory's site
 * differs from the last one. A reconnect that learns nothing new appends nothing.
 */
export const googleAccountDecider: Decider<RecordGoogleAccount, EventEnvelope, GoogleAccountState> = {
  initialState: () => ({ profile: undefined, directorySiteUrl: undefined }),

  evolve(state, event) {
    if (GoogleAccountConnected.is(event)) return { ...state, profile: event.data };
    if (DirectoryWebexSiteChanged.is(event)) return { ...state, directorySiteUrl: event.data.siteUrl };
    return state;
  },

  decide(command, state) {
    const streamId = googleAccountStreamId(command.profile.userId);
    const common = {
      streamId,
      tenantId: command.tenantId,
      correlationId: command.correlationId,
      occurredAt: command.occurredAt,
    };
    const events: EventEnvelope[] = [];
    if (!state.profile || !sameProfile(state.profile, command.profile))
      events.push(createEvent(GoogleAccountConnected, { ...common, data: command.profile }));
    if (command.directorySiteUrl !== undefined && command.directorySiteUrl !== state.directorySiteUrl)
      events.push(
        createEvent(DirectoryWebexSiteChanged, {
          ...common,
          data: { userId: command.profile.userId, siteUrl: command.directorySiteUrl },
        }),
      );
    return events;
  },
};

/** A forgotten (Redacted) field never equals a value, so the profile is recorded again after a purge. */
function sameProfile(left: GoogleProfile, right: GoogleProfile): boolean {
  return (
    left.userId === right.userId &&
    left.email === right.email &&
    left.displayName === right.displayName &&
    left.locale === right.locale &&
    left.timeZone === right.timeZone &&
    left.hostedDomain === right.hostedDomain &&
    JSON.stringify([...left.scopes].sort()) === JSON.stringify([...right.scopes].sort())
  );
}
