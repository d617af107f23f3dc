import {
  type DataOf,
  DirectoryWebexSiteChanged,
  type EventEnvelope,
  GoogleAccountConnected,
  GoogleAccountDisconnected,
  createEvent,
} from '@scheduler/contracts';
import type { Decider } from '@scheduler/event-store';

export type GoogleProfile = DataOf<typeof GoogleAccountConnected>;
export type DisconnectionReason = DataOf<typeof GoogleAccountDisconnected>['reason'];

/** `googleAccount-<userId>`: google-ingest is its one writer. */
export const googleAccountStreamId = (userId: string) => `${GoogleAccountConnected.category}-${userId}`;

/** What a (re)connection learnt about the account: its profile, and the Webex site the directory names. */
export interface RecordGoogleAccount {
  readonly kind?: 'connection';
  readonly tenantId: string;
  readonly correlationId: string;
  readonly occurredAt: Date;
  readonly profile: GoogleProfile;
  /** Undefined when the directory names no site, or one that failed the allow-list. */
  readonly directorySiteUrl: string | undefined;
}

/** Google refused the account's grant. */
export interface RecordGoogleAccountDisconnection {
  readonly kind: 'disconnection';
  readonly userId: string;
  readonly tenantId: string;
  readonly correlationId: string;
  readonly occurredAt: Date;
  readonly reason: DisconnectionReason;
}

export type GoogleAccountCommand = RecordGoogleAccount | RecordGoogleAccountDisconnection;

export interface GoogleAccountState {
  /** The last profile recorded; after a purge its personal fields are Redacted markers. */
  readonly profile: GoogleProfile | undefined;
  readonly directorySiteUrl: string | undefined;
  /** What the stream says last: a connection or a disconnection ('never' before either). */
  readonly connection: 'never' | 'connected' | 'disconnected';
}

/**
 * The Google account stream says only what changed: GoogleAccountConnected when the profile
 * differs from the last one recorded or the account comes back after a disconnection,
 * DirectoryWebexSiteChanged when the directory's site differs from the last one, and
 * GoogleAccountDisconnected once per disconnection. A reconnect that learns nothing new
 * appends nothing.
 */
export const googleAccountDecider: Decider<GoogleAccountCommand, EventEnvelope, GoogleAccountState> = {
  initialState: () => ({ profile: undefined, directorySiteUrl: undefined, connection: 'never' }),

  evolve(state, event) {
    if (GoogleAccountConnected.is(event)) return { ...state, profile: event.data, connection: 'connected' };
    if (DirectoryWebexSiteChanged.is(event)) return { ...state, directorySiteUrl: event.data.siteUrl };
    if (GoogleAccountDisconnected.is(event)) return { ...state, connection: 'disconnected' };
    return state;
  },

  decide(command, state) {
    return command.kind === 'disconnection'
      ? decideDisconnection(command, state)
      : decideConnection(command, state);
  },
};

function decideConnection(command: RecordGoogleAccount, state: GoogleAccountState): EventEnvelope[] {
  const common = {
    streamId: googleAccountStreamId(command.profile.userId),
    tenantId: command.tenantId,
    correlationId: command.correlationId,
    occurredAt: command.occurredAt,
  };
  const events: EventEnvelope[] = [];
  if (!state.profile || state.connection !== 'connected' || !sameProfile(state.profile, command.profile))
    events.push(createEvent(GoogleAccountConnected, { ...common, data: command.profile }));
  if (command.directorySiteUrl !== undefined && command.directorySiteUrl !== state.directorySiteUrl)
    events.push(
      createEvent(DirectoryWebexSiteChanged, {
        ...common,
        data: { userId: command.profile.userId, siteUrl: command.directorySiteUrl },
      }),
    );
  return events;
}

/** Only a connected account can be disconnected: a second report of the same dead grant records nothing. */
function decideDisconnection(
  command: RecordGoogleAccountDisconnection,
  state: GoogleAccountState,
): EventEnvelope[] {
  if (state.connection !== 'connected') return [];
  return [
    createEvent(GoogleAccountDisconnected, {
      streamId: googleAccountStreamId(command.userId),
      tenantId: command.tenantId,
      correlationId: command.correlationId,
      occurredAt: command.occurredAt,
      data: {
        userId: command.userId,
        reason: command.reason,
        disconnectedAt: command.occurredAt.toISOString(),
      },
    }),
  ];
}

/** A forgotten (Redacted) field never equals a value, so the profile is recorded again after a purge. */
function sameProfile(left: GoogleProfile, right: GoogleProfile): boolean {
  return (
    left.userId === right.userId &&
    left.email === right.email &&
    left.displayName === right.displayName &&
    left.locale === right.locale &&
    left.timeZone === right.timeZone &&
    left.hostedDomain === right.hostedDomain &&
    JSON.stringify([...left.scopes].sort()) === JSON.stringify([...right.scopes].sort()) &&
    JSON.stringify([...(left.missingScopes ?? [])].sort()) ===
      JSON.stringify([...(right.missingScopes ?? [])].sort())
  );
}
