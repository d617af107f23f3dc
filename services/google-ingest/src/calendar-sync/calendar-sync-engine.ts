import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
import {
  CalendarEventChanged,
  CalendarSyncReset,
  ContractViolationError,
  type EventEnvelope,
  createEvent,
  type EventOf,
  newUuidV7,
} from '@scheduler/contracts';
import { type EventStore, type StreamCodec, handleCommand } from '@scheduler/event-store';
import { metricOnce } from '@scheduler/runtime';
import {
  type CalendarEvent,
  type ChangesPage,
  GoogleApiError,
  type GoogleCalendarClient,
  SyncTokenExpired,
} from '@scheduler/google';
import type { MeetingRecorder } from '../conference-attachment/meeting-recorder.js';
import { canonicalCalendarId } from './calendar-id.js';
import { readOurConference } from './conference.js';
import {
  type CalendarEventChangedData,
  calendarEventStreamId,
  calendarWatchStreamId,
  cancelledEventData,
  conferenceRemovedEventData,
  eventTimeZone,
  liveEventData,
  stateDigest,
} from './event-mapping.js';
import { calendarEventDecider } from './calendar-event.decider.js';
import {
  type CalendarSyncTransaction,
  CalendarSyncRepository,
  type EventConferenceLink,
  type FullResyncReason,
  type LinkedEvent,
} from './calendar-sync.repository.js';
import { recordWatchFacts } from './calendar-watch-stream.js';
import { organizedElsewhere, ownCalendarIds } from './own-calendars.js';

/** A connected Google account, as the sync needs it. Where it comes from (token storage) is not our concern here. */
export interface CalendarAccount {
  /** Google's subject id: our user id. */
  readonly userId: string;
  readonly tenantId: string;
  /** Tells whether the user organises an event. Personal data: never logged. */
  readonly email: string;
  /** A Calendar client acting for this account. */
  readonly calendar: GoogleCalendarClient;
}

export interface CalendarSyncEngineOptions {
  /** The service's private database (sync state and linked events). */
  readonly pool: pg.Pool;
  readonly eventStore: EventStore;
  /** How google-ingest's streams are stored: CalendarEventChanged's personal fields (title, attendees) sealed. */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly clock?: () => Date;
  /** events.list page size (Google's default is 250, its maximum 2500). */
  readonly pageSize?: number;
  /**
   * Asks webex-bridge to record where a moved event lives now (ConferenceAttached on the new
   * calendar). Without it a moved event is reported cancelled, like a deleted one.
   */
  readonly meetings?: MeetingRecorder;
  /** Where scheduler_calendar_syncs_total is counted (the service's /metrics). */
  readonly registry?: Registry;
}

export interface CalendarSyncResult {
  readonly userId: string;
  readonly calendarId: string;
  readonly mode: 'incremental' | 'full';
  /** Why the sync was a full one. */
  readonly reset?: SyncReset;
  readonly pages: number;
  /** Changed events Google listed, ours or not. */
  readonly listed: number;
  readonly emitted: EmittedCounts;
  /** Changes to our events whose relevant state we had emitted already. */
  readonly unchanged: number;
  /** Events of ours that our contract cannot describe; the sync went on without them. */
  readonly skipped: ReadonlyArray<{ eventId: string; issues: readonly string[] }>;
  /** Events of ours moved to another calendar (events.move): their meeting follows them there. */
  readonly moved: ReadonlyArray<{ eventId: string; toCalendarId: string }>;
}

/** CalendarEventChanged appended, by kind of change. */
export type EmittedCounts = Record<CalendarEventChangedData['change'], number>;

/** Why a sync listed the calendar in full (CalendarSyncReset's reason). */
export type SyncReset = 'initial' | 'sync-token-expired' | FullResyncReason;

interface SyncRun {
  readonly account: CalendarAccount;
  readonly calendarId: string;
  readonly transaction: CalendarSyncTransaction;
  readonly correlationId: string;
  readonly now: Date;
  readonly result: {
    emitted: EmittedCounts;
    unchanged: number;
    skipped: Array<{ eventId: string; issues: readonly string[] }>;
    moved: Array<{ eventId: string; toCalendarId: string }>;
  };
  calendarTimeZone?: string;
  /** The user's calendars (calendarList), asked at most once per sync. */
  calendars?: readonly string[];
  ownCalendarIds?: ReadonlySet<string>;
}

/**
 * Turns Google Calendar changes into CalendarEventChanged events (docs/calendar-sync.md).
 * Incremental with the stored sync token, full on the first sync and after a 410; only events
 * that carry our conference (or that we had linked) produce events or private rows; a change
 * is emitted once however often it is seen.
 */
export class CalendarSyncEngine {
  private readonly repository: CalendarSyncRepository;
  private readonly eventStore: EventStore;
  private readonly codec: StreamCodec<EventEnvelope>;
  private readonly clock: () => Date;
  private readonly pageSize: number | undefined;
  private readonly meetings: MeetingRecorder | undefined;
  private readonly syncs: Counter<'outcome'> | undefined;

  constructor(options: CalendarSyncEngineOptions) {
    this.meetings = options.meetings;
    const registry = options.registry;
    this.syncs = registry
      ? metricOnce(
          registry,
          'scheduler_calendar_syncs_total',
          () =>
            new Counter({
              name: 'scheduler_calendar_syncs_total',
              help: 'Calendar syncs with Google, by outcome: incremental, full, failed (tried again on the next notification or periodic sync)',
              labelNames: ['outcome'],
              registers: [registry],
            }),
        )
      : undefined;
    this.codec = options.codec;
    this.repository = new CalendarSyncRepository(options.pool);
    this.eventStore = options.eventStore;
    this.clock = options.clock ?? (() => new Date());
    this.pageSize = options.pageSize;
  }

  /** `calendarId` may be `primary`: the sync names the calendar by its canonical id. */
  async syncCalendar(account: CalendarAccount, calendarId: string): Promise<CalendarSyncResult> {
    const canonical = canonicalCalendarId(calendarId, account.email);
    try {
      const result = await this.repository.withCalendarLocked(account.userId, canonical, (transaction) =>
        this.syncLocked(transaction, account, canonical),
      );
      this.syncs?.inc({ outcome: result.mode });
      return result;
    } catch (error) {
      this.syncs?.inc({ outcome: 'failed' });
      throw error;
    }
  }

  /**
   * Takes our conference for `meetingId` off the event (the user cancelled the meeting; the
   * event stays) and forgets the event's link, under the calendar's sync lock: the sync that
   * then sees the event without a conference finds no link either, and stays silent instead of
   * reporting the removal as the user's (CalendarEventChanged{conference-removed}).
   */
  async removeOurConference(
    account: CalendarAccount,
    calendarId: string,
    eventId: string,
    meetingId: string,
  ): Promise<'removed' | 'not-carried' | 'event-gone'> {
    const canonical = canonicalCalendarId(calendarId, account.email);
    return this.repository.withCalendarLocked(account.userId, canonical, async (transaction) => {
      let event: CalendarEvent;
      try {
        event = await account.calendar.getEvent(canonical, eventId);
      } catch (error) {
        if (!(error instanceof GoogleApiError && (error.status === 404 || error.status === 410))) throw error;
        event = { id: eventId, status: 'cancelled' };
      }
      const carried = readOurConference(event.conferenceData)?.meetingId === meetingId;
      if (carried && event.status !== 'cancelled')
        await account.calendar.removeConferenceData(canonical, eventId);
      const linked = (await transaction.linkedEvents([eventId])).get(eventId);
      if (linked?.meetingId === meetingId) await transaction.forgetLinkedEvent(eventId);
      if (event.status === 'cancelled') return 'event-gone';
      return carried ? 'removed' : 'not-carried';
    });
  }

  /**
   * The user's calendars are listed in full at their next sync, whatever token they hold: set
   * when the account's grant died, so that the sync after the reconnection finds what changed
   * meanwhile, deletions included (an event gone from the full listing is cancelled).
   */
  requireFullResync(userId: string, reason: FullResyncReason): Promise<void> {
    return this.repository.requireFullResync(userId, reason);
  }

  /**
   * The event now carries the meeting's conference (the attacher wrote it, or it moved here):
   * linked at once, so its deletion names the meeting even if no sync saw the conference before
   * the account's grant died. `calendarId` may be `primary`.
   */
  linkAttachedConference(
    account: { readonly userId: string; readonly email: string },
    calendarId: string,
    eventId: string,
    link: EventConferenceLink,
  ): Promise<void> {
    return this.repository.linkAttachedConference(
      account.userId,
      canonicalCalendarId(calendarId, account.email),
      eventId,
      link,
    );
  }

  /** Whether the calendar was ever synced: a new watch of it needs no initial sync. */
  hasSynced(userId: string, calendarId: string): Promise<boolean> {
    return this.repository.hasSynced(userId, calendarId);
  }

  private async syncLocked(
    transaction: CalendarSyncTransaction,
    account: CalendarAccount,
    calendarId: string,
  ): Promise<CalendarSyncResult> {
    const state = await transaction.syncState();
    const fullResyncReason = state?.fullResyncReason;
    let reset: SyncReset | undefined = state ? fullResyncReason : 'initial';
    let listing: ChangesPage | undefined;
    const listOptions = this.pageSize !== undefined ? { maxResults: this.pageSize } : {};
    if (state && !reset) {
      try {
        listing = await account.calendar.listChanges(calendarId, {
          ...listOptions,
          syncToken: state.syncToken,
        });
      } catch (error) {
        if (!(error instanceof SyncTokenExpired)) throw error;
        reset = 'sync-token-expired';
      }
    }
    listing ??= await account.calendar.listChanges(calendarId, listOptions);

    const run: SyncRun = {
      account,
      calendarId,
      transaction,
      correlationId: newUuidV7(),
      now: this.clock(),
      result: {
        emitted: { created: 0, updated: 0, cancelled: 0, 'conference-removed': 0 },
        unchanged: 0,
        skipped: [],
        moved: [],
      },
    };
    if (reset) {
      await recordWatchFacts(this.eventStore, this.codec, account.userId, [
        createEvent(CalendarSyncReset, {
          streamId: calendarWatchStreamId(account.userId),
          tenantId: account.tenantId,
          correlationId: run.correlationId,
          occurredAt: run.now,
          data: { userId: account.userId, calendarId, reason: reset },
        }),
      ]);
    }

    const full = reset !== undefined;
    const linked = await transaction.linkedEvents(
      full ? undefined : listing.events.map((event) => event.id!),
    );
    // A series before its occurrences: a cancelled occurrence finds its meeting in the series' row.
    const ordered = [
      ...listing.events.filter((event) => !event.recurringEventId),
      ...listing.events.filter((event) => event.recurringEventId),
    ];
    for (const event of ordered) await this.applyChange(run, event, linked.get(event.id!));
    if (full) {
      // A full listing leaves out deleted events: an event we had linked that is gone was
      // deleted (or moved away) while our sync token or the account's grant was dead.
      const listed = new Set(listing.events.map((event) => event.id!));
      for (const row of linked.values())
        if (!listed.has(row.eventId)) await this.emitCancelled(run, row.eventId, row, undefined);
    }

    await transaction.saveSyncToken(listing.nextSyncToken, run.now, fullResyncReason !== undefined);
    return {
      userId: account.userId,
      calendarId,
      mode: full ? 'full' : 'incremental',
      ...(reset ? { reset } : {}),
      pages: listing.pages,
      listed: listing.events.length,
      ...run.result,
    };
  }

  private async applyChange(run: SyncRun, event: CalendarEvent, row: LinkedEvent | undefined): Promise<void> {
    const eventId = event.id!;
    if (event.status === 'cancelled') {
      if (event.recurringEventId) {
        await this.emitCancelledOccurrence(run, event, row);
        return;
      }
      // A deleted event we never linked: nothing to say and nothing to keep.
      if (row) await this.emitCancelled(run, eventId, row, event.updated);
      return;
    }
    const conference = readOurConference(event.conferenceData);
    // Neither ours now nor before: leaves no trace.
    if (!conference && !row) return;
    if (!conference) {
      // Our conference was removed from an event we had linked: say so once, with the link it
      // carried (the meeting is no longer wanted), then forget the event.
      const removed = conferenceRemovedEventData({
        userId: run.account.userId,
        calendarId: run.calendarId,
        eventId,
        conference: { meetingId: row!.meetingId, conferenceId: row!.conferenceId },
        updated: event.updated,
        now: run.now,
      });
      await this.emitIfChanged(run, eventId, removed, row, 'forget');
      return;
    }
    const data = liveEventData({
      owner: organizedElsewhere(event.organizer?.email, run.account.email)
        ? { ...run.account, ownCalendarIds: await this.ownCalendarIds(run) }
        : run.account,
      calendarId: run.calendarId,
      event,
      conference,
      // A row the attacher made says nothing was emitted yet.
      change: row?.stateDigest !== undefined ? 'updated' : 'created',
      timeZone: eventTimeZone(event) ?? (await this.calendarTimeZone(run)),
      now: run.now,
    });
    await this.emitIfChanged(run, eventId, data, row, 'keep');
  }

  private async emitCancelled(
    run: SyncRun,
    eventId: string,
    row: LinkedEvent,
    updated: string | null | undefined,
  ): Promise<void> {
    // Google's listing shows a moved event as cancelled in the calendar it left.
    if (await this.followedMove(run, eventId, row)) return;
    const data = cancelledEventData({
      userId: run.account.userId,
      calendarId: run.calendarId,
      eventId,
      conference: { meetingId: row.meetingId, conferenceId: row.conferenceId },
      updated,
    });
    await this.emitIfChanged(run, eventId, data, row, 'forget');
  }

  /**
   * One occurrence of a series cancelled (an exception Google keeps for the series' life). Its
   * entry guarantees only its id, series and original start, so the meeting is the series'
   * (from the series' row, or the occurrence's own if it was changed before).
   */
  private async emitCancelledOccurrence(run: SyncRun, event: CalendarEvent, row: LinkedEvent | undefined) {
    const eventId = event.id!;
    const link =
      row ?? (await run.transaction.linkedEvents([event.recurringEventId!])).get(event.recurringEventId!);
    if (!link) return;
    const data = cancelledEventData({
      userId: run.account.userId,
      calendarId: run.calendarId,
      eventId,
      conference: { meetingId: link.meetingId, conferenceId: link.conferenceId },
      updated: event.updated,
      // The calendar's zone matters only for an all-day occurrence's date.
      occurrence: {
        event,
        timeZone:
          event.originalStartTime?.timeZone ??
          (event.originalStartTime?.dateTime ? 'UTC' : await this.calendarTimeZone(run)),
      },
    });
    // Kept: a cancelled occurrence stays cancelled for the series' life; the row makes its
    // repeated listing (every full sync) a no-op.
    await this.emitIfChanged(run, eventId, data, row, 'keep');
  }

  /**
   * Records the change unless it is the state we emitted last. The private row's digest answers
   * that without reading the stream; otherwise calendarEventDecider compares with the stream's
   * last change, so a retry after a crash (appended, but the row not saved) emits nothing twice.
   */
  private async emitIfChanged(
    run: SyncRun,
    eventId: string,
    data: CalendarEventChangedData,
    row: LinkedEvent | undefined,
    afterwards: 'keep' | 'forget',
  ): Promise<void> {
    const salt = row?.stateSalt ?? randomBytes(16);
    const digest = stateDigest(data, salt);
    if (row && row.stateDigest === digest) {
      run.result.unchanged += 1;
      if (afterwards === 'forget') await this.forget(run, eventId);
      return;
    }
    let change: EventOf<typeof CalendarEventChanged>;
    try {
      change = createEvent(CalendarEventChanged, {
        streamId: calendarEventStreamId(run.account.userId, eventId),
        tenantId: run.account.tenantId,
        correlationId: run.correlationId,
        occurredAt: run.now,
        data,
      });
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      // Paths and rules only: the values may be personal data.
      run.result.skipped.push({
        eventId,
        issues: error.issues.map((issue) => `${issue.path}: ${issue.message}`),
      });
      return;
    }
    const recorded = await handleCommand(
      this.eventStore,
      change.streamId,
      (state) => calendarEventDecider.decide({ change }, state),
      { ...calendarEventDecider, codec: this.codec },
    );
    if (recorded.appendResult) run.result.emitted[data.change] += 1;
    else run.result.unchanged += 1;
    if (afterwards === 'forget') {
      await this.forget(run, eventId);
      return;
    }
    const conference = data.conference!;
    await run.transaction.saveLinkedEvent({
      eventId,
      meetingId: conference.meetingId,
      conferenceId: conference.conferenceId,
      stateSalt: salt,
      stateDigest: digest,
      // Nothing appended means the stream's last change is this state already.
      streamRevision: recorded.appendResult?.nextExpectedRevision ?? recorded.stream.currentRevision!,
      emittedAt: run.now,
    });
  }

  private async forget(run: SyncRun, eventId: string): Promise<void> {
    await run.transaction.forgetLinkedEvent(eventId);
  }

  /**
   * events.move keeps the event's id and conference and shows it cancelled where it was. If the
   * event is live on another calendar of the user with the same meeting, the meeting follows it:
   * webex-bridge records the new calendar (before anything else is said of the event, so no
   * change from there reads as another calendar's), the row here is forgotten, and the target
   * calendar's own sync (watched by the caller if need be) reports the event from now on.
   */
  private async followedMove(run: SyncRun, eventId: string, row: LinkedEvent): Promise<boolean> {
    if (!this.meetings) return false;
    run.calendars ??= (await run.account.calendar.listCalendars())
      .map((entry) => canonicalCalendarId(entry.id!, run.account.email))
      .filter((id) => id !== run.calendarId);
    for (const calendarId of run.calendars) {
      let event: CalendarEvent;
      try {
        event = await run.account.calendar.getEvent(calendarId, eventId);
      } catch (error) {
        if (error instanceof GoogleApiError && (error.status === 404 || error.status === 410)) continue;
        throw error;
      }
      const conference = readOurConference(event.conferenceData);
      if (event.status === 'cancelled' || conference?.meetingId !== row.meetingId) continue;
      await this.meetings.recordConferenceAttached({
        tenantId: run.account.tenantId,
        trace: { correlationId: run.correlationId, causationId: null, traceparent: null },
        data: { meetingId: row.meetingId, calendarId, eventId, conferenceId: conference.conferenceId },
      });
      await this.linkAttachedConference(run.account, calendarId, eventId, {
        meetingId: row.meetingId,
        conferenceId: conference.conferenceId,
      });
      await this.forget(run, eventId);
      run.result.moved.push({ eventId, toCalendarId: calendarId });
      return true;
    }
    return false;
  }

  /** Asked once per sync, and only when an event of ours is organised by another address than the user's. */
  private async ownCalendarIds(run: SyncRun): Promise<ReadonlySet<string>> {
    run.ownCalendarIds ??= await ownCalendarIds(run.account);
    return run.ownCalendarIds;
  }

  /** Asked once per sync, and only when an event of ours names no time zone itself. */
  private async calendarTimeZone(run: SyncRun): Promise<string> {
    run.calendarTimeZone ??= await run.account.calendar.timeZone();
    return run.calendarTimeZone;
  }
}
