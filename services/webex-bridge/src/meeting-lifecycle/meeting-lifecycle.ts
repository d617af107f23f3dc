import {
  CalendarEventChanged,
  MeetingCancelled,
  MeetingRequested,
  MeetingScheduled,
  MeetingSchedulingFailed,
  MeetingUpdated,
  createEvent,
  type EventCause,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import {
  type EventStore,
  type ExpectedRevision,
  ExpectedVersionConflictError,
  StreamDeletedError,
  StreamNotFoundError,
  envelopeToEventToAppend,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import type { Meeting as WebexMeeting, WebexClient } from '@scheduler/webex';
import type { DesiredState } from './desired-state.js';
import {
  MeetingConcurrencyError,
  MeetingNotScheduledYetError,
  MeetingStreamMissingError,
  UnhandledEventTypeError,
} from './errors.js';
import {
  decide,
  foldMeeting,
  initialMeetingState,
  nextStep,
  type MeetingCommand,
  type MeetingEvent,
  type MeetingState,
  type Step,
  type Trigger,
} from './meeting.js';
import { classifyWebexFailure } from './webex-failure.js';

export interface Clock {
  now(): Date;
}

/** The Webex client acting as this user; may throw ReauthorizationRequired when none can be made. */
export type WebexClientFor = (userId: string) => WebexClient | Promise<WebexClient>;

export interface MeetingLifecycleOptions {
  /** Reload-and-retry rounds after ExpectedVersionConflictError before giving up (transiently). Default 5. */
  maxConflictAttempts?: number;
}

/** What one handle() did; for logs, metrics and tests. */
export interface HandleOutcome {
  readonly meetingId: string | undefined;
  readonly step: Step['kind'];
  readonly reason?: string;
  /** Event types appended, in order. */
  readonly appended: readonly string[];
  /** Set when the change was handled against a copy's stream. */
  readonly redirectedTo?: string;
}

const contracts = {
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  MeetingCancelled,
  MeetingSchedulingFailed,
} as const;

const day = 86_400_000;
export const meetingStreamId = (meetingId: string) => `meeting-${meetingId}`;

/**
 * Stored metadata of the events a calendar change caused: the change's Google `updated` time.
 * Read back on load, it tells a redelivered older change from a newer one (docs/meeting-lifecycle.md,
 * "Ordering"). Not part of the envelope: the bus never carries it.
 */
export const sourceUpdatedAtMetadata = 'sourceUpdatedAt';

interface Loaded {
  readonly state: MeetingState;
  readonly revision: ExpectedRevision;
}

/**
 * The crash-safe meeting lifecycle (design §4, docs/meeting-lifecycle.md): the intent is in
 * the stream first, Webex is called second, the outcome is appended with the revision that was
 * read. Every step is safe to repeat, so redelivery and crashes at any point converge.
 */
export class MeetingLifecycle {
  private readonly maxConflictAttempts: number;

  constructor(
    private readonly eventStore: EventStore,
    /** Seals personal fields before every append and opens them on every load (design §6). */
    private readonly codec: PersonalDataCodec,
    private readonly webexClientFor: WebexClientFor,
    private readonly clock: Clock = { now: () => new Date() },
    options: MeetingLifecycleOptions = {},
  ) {
    this.maxConflictAttempts = options.maxConflictAttempts ?? 5;
  }

  /**
   * Handles MeetingRequested and CalendarEventChanged. Returns when the outcome is recorded;
   * throws for transient trouble (Webex 5xx/429/timeouts, a meeting still being created,
   * persistent conflicts), which the transport answers with a delayed redelivery.
   *
   * The event may be opened (as the transport delivers it) or still sealed (as stored): the
   * codec opens and validates either. Personal values that were forgotten arrive as Redacted
   * markers; nextStep never lets them reach Webex.
   */
  async handle(event: EventEnvelope): Promise<HandleOutcome> {
    if (!MeetingRequested.is(event) && !CalendarEventChanged.is(event))
      throw new UnhandledEventTypeError(event.type);
    const { event: opened } = await this.codec.decode(event);
    if (MeetingRequested.is(opened)) return this.handleRequested(opened);
    return this.handleCalendarChange(opened as EventOf<typeof CalendarEventChanged>);
  }

  private async handleRequested(request: EventOf<typeof MeetingRequested>): Promise<HandleOutcome> {
    const meetingId = request.data.meetingId;
    const streamId = meetingStreamId(meetingId);
    return this.retryingConflicts(streamId, async () => {
      const loaded = await this.load(meetingId);
      if (loaded.state.status === 'new') throw new MeetingStreamMissingError(streamId, request.id);
      const trigger: Trigger = { kind: 'requested', triggerId: request.id };
      const step = nextStep(loaded.state, trigger, this.clock.now());
      return this.execute(meetingId, step, loaded, request);
    });
  }

  private async handleCalendarChange(
    change: EventOf<typeof CalendarEventChanged>,
    copyMeetingId?: string,
  ): Promise<HandleOutcome> {
    const meetingId = copyMeetingId ?? change.data.conference?.meetingId;
    if (!meetingId) return { meetingId: undefined, step: 'nothing', reason: 'no-conference', appended: [] };
    const streamId = meetingStreamId(meetingId);
    const outcome = await this.retryingConflicts(streamId, async () => {
      const loaded = await this.load(meetingId);
      const trigger: Trigger = {
        kind: 'calendarChange',
        triggerId: change.id,
        tenantId: change.tenantId,
        change: change.data,
        ...(copyMeetingId ? { redirected: true } : {}),
      };
      const step = nextStep(loaded.state, trigger, this.clock.now());
      if (step.kind === 'wait') throw new MeetingNotScheduledYetError(meetingId, change.id);
      return this.execute(meetingId, step, loaded, change);
    });
    if (outcome.step === 'redirect') {
      const redirected = await this.handleCalendarChange(change, outcome.redirectedTo);
      return { ...redirected, redirectedTo: outcome.redirectedTo! };
    }
    return copyMeetingId ? { ...outcome, redirectedTo: copyMeetingId } : outcome;
  }

  private async execute(
    meetingId: string,
    step: Step,
    loaded: Loaded,
    cause: EventEnvelope,
  ): Promise<HandleOutcome> {
    const { state, revision } = loaded;
    const streamId = meetingStreamId(meetingId);
    const record = async (command: MeetingCommand, kind: Step['kind'] = step.kind) => {
      const events = decide(command, state);
      await this.append(streamId, events, revision, state.tenantId!, cause, sourceUpdatedAtOf(cause));
      return { meetingId, step: kind, appended: events.map((event) => event.type) };
    };
    const recordFailure = (error: unknown) => {
      const failure = classifyWebexFailure(error);
      if (!failure) throw error;
      return record({ type: 'RecordFailure', ...failure });
    };

    switch (step.kind) {
      case 'nothing':
        return { meetingId, step: 'nothing', reason: step.reason, appended: [] };
      case 'wait':
        throw new MeetingNotScheduledYetError(meetingId, cause.id);
      case 'fail':
        return record({
          type: 'RecordFailure',
          reason: step.reason,
          message: step.message,
          retryable: false,
        });

      case 'create': {
        let client: WebexClient;
        let created: { meeting: WebexMeeting; adopted: boolean };
        try {
          client = await this.webexClientFor(state.userId!);
          created = await this.ensureWebexMeeting(client, meetingId, step.desired);
        } catch (error) {
          return recordFailure(error);
        }
        try {
          const outcome = await record({ type: 'ScheduleFromWebex', webexMeeting: created.meeting });
          return { ...outcome, ...(created.adopted ? { reason: 'adopted' } : {}) };
        } catch (error) {
          if (error instanceof ExpectedVersionConflictError)
            await this.removeDuplicate(client, meetingId, created);
          throw error;
        }
      }

      case 'update': {
        let webexResult: { id: string } | undefined;
        if (step.callWebex) {
          try {
            const client = await this.webexClientFor(state.userId!);
            webexResult = await client.patchMeeting(step.webexMeetingId, {
              ...webexTimesAndTitle(step.desired),
              sendEmail: false,
            });
          } catch (error) {
            return recordFailure(error);
          }
        }
        return record({
          type: 'ApplyDesiredState',
          desired: step.desired,
          ...(webexResult ? { webexResult: { id: webexResult.id } } : {}),
        });
      }

      case 'delete': {
        if (step.webexMeetingId) {
          try {
            const client = await this.webexClientFor(state.userId!);
            // Google already told the attendees the event is gone.
            await client.deleteMeeting(step.webexMeetingId, { sendEmail: false });
          } catch (error) {
            return recordFailure(error);
          }
        }
        return record({ type: 'RecordDeleted', reason: step.reason });
      }

      case 'copy': {
        const copyStreamId = meetingStreamId(step.request.meetingId);
        const events = decide({ type: 'RequestCopy', request: step.request }, initialMeetingState);
        try {
          await this.append(
            copyStreamId,
            events,
            'no_stream',
            state.tenantId!,
            cause,
            sourceUpdatedAtOf(cause),
          );
        } catch (error) {
          // Requested before (a redelivery, or an earlier change of the copy): the change now
          // concerns the copy itself.
          if (error instanceof ExpectedVersionConflictError && error.streamId === copyStreamId)
            return { meetingId, step: 'redirect', appended: [], redirectedTo: step.request.meetingId };
          throw error;
        }
        return {
          meetingId: step.request.meetingId,
          step: 'copy',
          appended: events.map((event) => event.type),
        };
      }

      case 'redirect':
        return { meetingId, step: 'redirect', appended: [], redirectedTo: step.meetingId };
    }
  }

  /** Adopt the meeting a crashed attempt created (found by our tag), or create it. */
  private async ensureWebexMeeting(
    client: WebexClient,
    meetingId: string,
    desired: DesiredState,
  ): Promise<{ meeting: WebexMeeting; adopted: boolean }> {
    const request = webexTimesAndTitle(desired);
    const existing = await client.listMeetingsByIntegrationTag(meetingId, {
      from: new Date(Date.parse(request.start) - day).toISOString(),
      to: new Date(Date.parse(request.end) + day).toISOString(),
    });
    const found = existing.find((meeting) => meeting.integrationTags?.includes(meetingId) ?? true);
    if (found) return { meeting: found, adopted: true };
    return client.createMeeting(
      {
        ...request,
        invitees: desired.invitees.map((invitee) => ({ ...invitee })),
        // Google already mails the invitation, which carries the join details.
        sendEmail: false,
      },
      { integrationTag: meetingId },
    );
  }

  /**
   * Another handler scheduled this meeting while we were creating one (a redelivery that
   * overlapped the first attempt). If it recorded a different Webex meeting, ours is a
   * duplicate: delete it so "never created twice" holds in Webex too.
   */
  private async removeDuplicate(
    client: WebexClient,
    meetingId: string,
    created: { meeting: WebexMeeting; adopted: boolean },
  ): Promise<void> {
    const { state } = await this.load(meetingId);
    if (state.webex && state.webex.webexMeetingId !== created.meeting.id)
      await client.deleteMeeting(created.meeting.id, { sendEmail: false });
  }

  private async load(meetingId: string): Promise<Loaded> {
    const streamId = meetingStreamId(meetingId);
    let records;
    try {
      records = await this.eventStore.readStream(streamId);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { state: initialMeetingState, revision: 'no_stream' };
      // Tombstoned by retention: nothing may happen to it any more.
      if (error instanceof StreamDeletedError)
        return { state: { ...initialMeetingState, status: 'purged' }, revision: 'any' };
      throw error;
    }
    const stored = records.map(recordedEventToEnvelope);
    // One key lookup for the whole stream (all of it is sealed under the meeting's key).
    await this.codec.prefetchKeys(stored);
    const events: EventEnvelope[] = [];
    // A forgotten key (the purge) opens as Redacted markers and never throws: the fold notes it.
    for (const envelope of stored) events.push((await this.codec.decode(envelope)).event);
    const sourceTimes = new Map<string, string>();
    for (const record of records) {
      const updatedAt = record.metadata[sourceUpdatedAtMetadata];
      if (typeof updatedAt === 'string') sourceTimes.set(record.id, updatedAt);
    }
    return { state: foldMeeting(events, sourceTimes), revision: records.at(-1)!.revision };
  }

  private async append(
    streamId: string,
    events: readonly MeetingEvent[],
    expectedRevision: ExpectedRevision,
    tenantId: string,
    cause: EventCause,
    sourceUpdatedAt: string | undefined,
  ): Promise<void> {
    if (events.length === 0) return;
    const occurredAt = this.clock.now();
    const envelopes = events.map((event) =>
      createEvent(contracts[event.type], {
        streamId,
        tenantId,
        data: event.data as never,
        cause,
        occurredAt,
      }),
    );
    // Personal fields (title, invitees, the Webex password) are stored sealed under the
    // meeting's key, so the purge can forget them.
    const sealed = await Promise.all(envelopes.map((envelope) => this.codec.encode(envelope)));
    const toAppend = sealed.map((envelope) => {
      const appended = envelopeToEventToAppend(envelope);
      if (sourceUpdatedAt === undefined) return appended;
      return { ...appended, metadata: { ...appended.metadata, [sourceUpdatedAtMetadata]: sourceUpdatedAt } };
    });
    await this.eventStore.append(streamId, toAppend, expectedRevision);
  }

  private async retryingConflicts<Result>(streamId: string, attempt: () => Promise<Result>): Promise<Result> {
    for (let attempts = 1; ; attempts++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError) || error.streamId !== streamId) throw error;
        if (attempts >= this.maxConflictAttempts)
          throw new MeetingConcurrencyError(streamId, attempts, { cause: error });
      }
    }
  }
}

/** The Google `updated` time of a calendar change; other causes have none. */
function sourceUpdatedAtOf(cause: EventEnvelope): string | undefined {
  return CalendarEventChanged.is(cause) ? cause.data.updatedAt : undefined;
}

function webexTimesAndTitle(desired: DesiredState) {
  return { title: desired.title, start: desired.start, end: desired.end, timezone: desired.timeZone };
}
