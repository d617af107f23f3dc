import { translate } from '@scheduler/i18n';
import {
  CalendarEventChanged,
  basicUtc,
  MeetingRequested,
  newUuidV7,
  type EventContract,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import { isRedacted } from '@scheduler/crypto-shredding';
import { metricOnce } from '@scheduler/runtime';
import { Histogram, type Registry } from 'prom-client';
import { ExpectedVersionConflictError } from '@scheduler/event-store';
import { backoffDelay, type BackoffOptions } from '@scheduler/resilience';
import { WebexApiError, type Meeting as WebexMeeting, type WebexClient } from '@scheduler/webex';
import { rewritesWebexSeries, webexRuleOf, type ChangedAspect, type DesiredState } from './desired-state.js';
import { MeetingStreamMissingError, UnhandledEventTypeError } from './errors.js';
import { inviteeChanges } from './invitee-changes.js';
import {
  decide,
  meetingStreamId,
  occurrenceKey,
  originOf,
  type CommandOrigin,
  type MeetingCommandBody,
  type MeetingState,
  type MeetingStreamEvent,
} from './meeting.decider.js';
import {
  driftCheckedUntil,
  nextStep,
  planReconcile,
  type NothingReason,
  type Step,
  type Trigger,
} from './next-step.js';
import type { MeetingStreams } from './meeting-stream.js';
import { appliedAfter } from '../recurrence/occurrence-plan.js';
import type { LockedMeeting, MeetingSyncRepository } from './meeting-sync.repository.js';
import { classifyWebexFailure, transientWebexFailure } from './webex-failure.js';

export interface Clock {
  now(): Date;
}

/** The Webex client acting as this user; may throw ReauthorizationRequired when none can be made. */
export type WebexClientFor = (userId: string) => WebexClient | Promise<WebexClient>;

/**
 * What one drift check found: Webex as applied (`in-step`), changed there and applied again,
 * deleted there (recorded), not converged (the reconciler is on it), or not known (Webex failed).
 */
export type DriftOutcome = 'in-step' | 'changed' | 'deleted' | 'not-converged' | 'unknown';

/**
 * The user's Webex site and meeting template (their preference, else the directory's site, else the
 * account's default); undefined: Webex's default.
 */
export type SiteFor = (
  userId: string,
  /** The meeting's tenant: its administrators' default template applies when the user chose none. */
  tenantId?: string,
) => Promise<{ readonly siteUrl: string; readonly meetingTemplateId?: string } | undefined>;

/** Where a meeting stands after a reconcile. */
export type SyncOutcome = 'converged' | 'deferred' | 'waiting-for-reconnect';

/** What one handle() or reconcile did; for logs, metrics and tests. */
export interface HandleOutcome {
  readonly meetingId: string | undefined;
  readonly step: Step['kind'];
  readonly reason?: string;
  /** Event types appended, in order. */
  readonly appended: readonly string[];
  /** Set when the change was handled against a copy's stream. */
  readonly redirectedTo?: string;
  /** Set when the meeting was reconciled: converged (or nothing left to do), or tried again later. */
  readonly sync?: SyncOutcome;
}

/** One attempt's decision: what to append to the meeting's stream, and what to report. */
interface Executed {
  readonly events: readonly MeetingStreamEvent[];
  readonly outcome: HandleOutcome;
}

/** The Webex meetings one handling created (or adopted), by id, with the client that did it. */
type CreatedMeetings = Map<string, WebexClient>;

/** A Webex failure that the meeting waits out instead of failing. */
type Wait =
  | { readonly kind: 'reconnect'; readonly message: string }
  | { readonly kind: 'retry'; readonly attempt: number; readonly dueAt: Date; readonly message: string };

/** Decides what a Webex failure records; undefined: not a wait (a permanent failure or our own trouble). */
type OnWebexFailure = (error: unknown) => { wait: Wait; command?: MeetingCommandBody } | undefined;

/** How a reconcile's step calls Webex and records what failed. */
interface ReconcileStep {
  readonly correlationId: string;
  readonly onWebexFailure: OnWebexFailure;
  /**
   * A probe asks once whether Webex is back: each Webex call is made once, without the client's
   * retries, so a failing probe costs one call and the sweep stays within its interval.
   */
  readonly probe: boolean;
}

const day = 86_400_000;

/**
 * How long a meeting waits after its n-th consecutive transient failure (backoffDelay): from
 * about a second up to 15 minutes. The cap bounds how stale a meeting can be once Webex is back
 * if nothing else notices; normally the reconciler's probe notices within one sweep interval.
 */
export const defaultRetryBackoff: BackoffOptions = { baseDelayMs: 1_000, maxDelayMs: 15 * 60_000 };

export interface MeetingLifecycleOptions {
  readonly meetings: MeetingStreams;
  readonly webexClientFor: WebexClientFor;
  /** Where meetings are created: the user's site and template. Without it, the account's default site. */
  readonly siteFor?: SiteFor;
  /** The language the user reads (libs/i18n), for the agenda of the meetings created for them. Without it, English. */
  readonly languageOf?: (userId: string) => Promise<string>;
  /** The meetings that are not converged, and their row locks. */
  readonly sync: MeetingSyncRepository;
  readonly clock?: Clock;
  readonly retryBackoff?: BackoffOptions;
  /** Told about our own failures while reconciling (nobody waits for them); ids only. */
  readonly onError?: (meetingId: string, error: unknown) => void;
  /** Where the request-to-converged histogram is kept (the service's /metrics). */
  readonly registry?: Registry;
}

/** Seconds from a meeting's request until Webex first holds it; a minute is already slow. */
const requestToConvergedBuckets = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

/** What a trigger can be about without concerning this meeting's Webex meeting at all. */
const unrelated: ReadonlySet<string> = new Set<NothingReason>([
  'unknown-meeting',
  'other-tenant',
  'no-conference',
  'event-not-linked',
  'other-calendar',
  'recurring-instance',
  'finished',
]);

/** Steps one reconcile takes at most: create, then PATCH what changed meanwhile, and a margin. */
const maximumStepsPerReconcile = 4;

/**
 * The meeting lifecycle (docs/meeting-lifecycle.md), level-triggered. A trigger records what the
 * meeting should look like in its stream first (MeetingRequested, MeetingChangeRequested,
 * MeetingCancellationRequested); then the meeting is reconciled: the stream is folded, the step
 * from what Webex holds to what is desired is planned (planReconcile), Webex is called and the
 * outcome is appended with the revision that was read (a conflict decides again on the fresh
 * stream). A transient Webex failure becomes MeetingSyncDeferred, a dead authorization
 * MeetingReconnectRequired, and the meeting's row in meetings_to_converge says when it is
 * tried again.
 *
 * Every reconcile holds the meeting's row lock, so one meeting is worked on by one replica at a
 * time and Webex ends with the newest desired state.
 */
export class MeetingLifecycle {
  private readonly meetings: MeetingStreams;
  private readonly webexClientFor: WebexClientFor;
  private readonly sync: MeetingSyncRepository;
  private readonly clock: Clock;
  private readonly retryBackoff: BackoffOptions;

  private readonly requestToConverged: Histogram | undefined;

  constructor(private readonly options: MeetingLifecycleOptions) {
    this.meetings = options.meetings;
    this.webexClientFor = options.webexClientFor;
    this.sync = options.sync;
    this.clock = options.clock ?? { now: () => new Date() };
    this.retryBackoff = options.retryBackoff ?? defaultRetryBackoff;
    const registry = options.registry;
    this.requestToConverged = registry
      ? metricOnce(
          registry,
          'scheduler_meeting_request_to_converged_seconds',
          () =>
            new Histogram({
              name: 'scheduler_meeting_request_to_converged_seconds',
              help: 'The journey: from MeetingRequested until Webex first holds the meeting as requested (MeetingScheduled)',
              buckets: requestToConvergedBuckets,
              registers: [registry],
            }),
        )
      : undefined;
  }

  /**
   * Handles MeetingRequested and CalendarEventChanged as the transport delivers them: opened
   * and validated. Returns once the intent is recorded and the meeting was reconciled once. A
   * Webex failure is never thrown: it is recorded and left to the reconciler. Throws only what a
   * redelivery can repair (the database or the event store unavailable) or what can never
   * succeed (a malformed event). Forgotten personal values arrive as Redacted markers; the
   * planners never let them reach Webex.
   */
  async handle(event: EventEnvelope): Promise<HandleOutcome> {
    if (MeetingRequested.is(event)) return this.handleRequested(validated(MeetingRequested, event));
    if (CalendarEventChanged.is(event))
      return this.handleCalendarChange(validated(CalendarEventChanged, event));
    throw new UnhandledEventTypeError(event.type);
  }

  /** The lifecycle's time: the reconciler's due times are measured with it too. */
  now(): Date {
    return this.clock.now();
  }

  /** Reconciles one meeting now (due or not), waiting for its row lock. */
  reconcile(meetingId: string, userId: string, cause?: EventEnvelope): Promise<HandleOutcome> {
    return this.sync.withMeetingLocked(meetingId, userId, this.clock.now(), (locked) =>
      this.reconcileLocked(locked, cause),
    );
  }

  /**
   * Reconciles the next due meeting that no other replica holds; false when none is due.
   * `probe`: instead, the meeting that has waited longest for a transient failure, due or not,
   * as one trial call; if it fails, nothing is recorded and its row stays as it was.
   */
  async reconcileNextDue(options: { probe?: boolean } = {}): Promise<HandleOutcome | false> {
    let outcome: HandleOutcome | undefined;
    const claimed = await this.sync.claimNext(
      this.clock.now(),
      async (locked) => {
        outcome = await this.reconcileLocked(locked, undefined, options.probe === true);
      },
      options,
    );
    return claimed ? outcome! : false;
  }

  /**
   * Compares a converged meeting with what Webex holds (GET by id, and its invitees). Changed
   * there: MeetingDriftDetected{changed} and the desired state is applied again at once (the
   * calendar is the source of truth). Deleted there: MeetingDriftDetected{deleted}, not
   * re-created. Runs under the meeting's row lock, like every reconcile.
   */
  checkDrift(meetingId: string, userId: string): Promise<DriftOutcome> {
    return this.sync.withMeetingLocked(meetingId, userId, this.clock.now(), async (locked) => {
      const state = await this.meetings.read(meetingId);
      const plan = planReconcile(state, this.clock.now());
      if (plan.kind !== 'nothing' || plan.reason !== 'converged') {
        // Something is to be applied: the row this lock made (due now) hands it to the reconciler.
        if (plan.kind === 'nothing') {
          if (locked.inserted) await locked.converged();
          await this.keepDriftCheck(meetingId, state, locked);
        }
        return 'not-converged';
      }
      let found: { found: 'changed' | 'deleted'; changed: ChangedAspect[] } | undefined;
      try {
        const client = await this.webexClientFor(state.userId!);
        found = await driftIn(client, state.webex!.webexMeetingId, state.applied!);
      } catch (error) {
        // Compared again at the next check; a failure here says nothing about the meeting.
        if (locked.inserted) await locked.converged();
        this.options.onError?.(meetingId, error);
        return 'unknown';
      }
      if (!found) {
        if (locked.inserted) await locked.converged();
        return 'in-step';
      }
      const drift = found;
      await this.meetings.decide(meetingId, (current) =>
        decide(
          {
            type: 'RecordDrift',
            ...drift,
            origin: {
              tenantId: current.tenantId ?? '',
              correlationId: `drift-${newUuidV7()}`,
              causationId: null,
              traceparent: null,
              occurredAt: this.clock.now(),
            },
          },
          current,
        ),
      );
      if (drift.found === 'deleted') {
        await locked.converged();
        await locked.untrackForDrift();
        return 'deleted';
      }
      await this.reconcileLocked(locked, undefined);
      return 'changed';
    });
  }

  private async handleRequested(request: EventOf<typeof MeetingRequested>): Promise<HandleOutcome> {
    const meetingId = request.data.meetingId;
    const state = await this.meetings.read(meetingId);
    if (state.status === 'new') throw new MeetingStreamMissingError(meetingStreamId(meetingId), request.id);
    // The request is the desired state, already in the stream: reconcile (a redelivery too, as
    // the first delivery may have died before it reconciled).
    const reconciled = await this.reconcile(meetingId, request.data.userId, request);
    // Nothing to do: say why in the trigger's terms (already handled, finished …).
    const step = nextStep(state, { kind: 'requested', triggerId: request.id }, this.clock.now());
    if (reconciled.step === 'nothing' && step.kind === 'nothing')
      return { ...reconciled, reason: step.reason };
    return reconciled;
  }

  private async handleCalendarChange(
    change: EventOf<typeof CalendarEventChanged>,
    copyMeetingId?: string,
  ): Promise<HandleOutcome> {
    const meetingId = copyMeetingId ?? change.data.conference?.meetingId;
    if (!meetingId) return { meetingId: undefined, step: 'nothing', reason: 'no-conference', appended: [] };
    const trigger: Trigger = {
      kind: 'calendarChange',
      triggerId: change.id,
      tenantId: change.tenantId,
      change: change.data,
      ...(copyMeetingId ? { redirected: true } : {}),
    };
    // One meeting, one at a time: the change waits for a create or update in flight.
    const outcome = await this.sync.withMeetingLocked(
      meetingId,
      change.data.userId,
      this.clock.now(),
      async (locked) => {
        // First the intent: what the change asks of the meeting, recorded before Webex is called.
        const intent = await this.onMeeting(meetingId, change, (state) =>
          nextStep(state, trigger, this.clock.now()),
        );
        const unrelatedToWebex =
          intent.step === 'redirect' ||
          intent.step === 'copy' ||
          (intent.step === 'nothing' && unrelated.has(intent.reason!));
        if (unrelatedToWebex) {
          // The row was only made for the lock; an existing one keeps its schedule.
          if (locked.inserted) await locked.converged();
          return intent;
        }
        // Then the meeting is brought to it; also when the change asked nothing new, since an
        // earlier delivery may have died between recording and reconciling.
        const reconciled = await this.reconcileLocked(locked, change);
        return { ...intent, appended: [...intent.appended, ...reconciled.appended], sync: reconciled.sync! };
      },
    );
    if (outcome.step === 'redirect') {
      const redirected = await this.handleCalendarChange(change, outcome.redirectedTo);
      return { ...redirected, redirectedTo: outcome.redirectedTo! };
    }
    return copyMeetingId ? { ...outcome, redirectedTo: copyMeetingId } : outcome;
  }

  /** Under the meeting's row lock: step until converged, deferred, waiting or failed. */
  private async reconcileLocked(
    locked: LockedMeeting,
    cause: EventEnvelope | undefined,
    probe = false,
  ): Promise<HandleOutcome> {
    const meetingId = locked.row.meetingId;
    const steps: HandleOutcome[] = [];
    const report = (sync: SyncOutcome): HandleOutcome => ({
      ...(steps.find((step) => step.step !== 'nothing') ?? steps.at(-1) ?? { meetingId, step: 'nothing' }),
      appended: steps.flatMap((step) => step.appended),
      sync,
    });
    // What the reconciler decides on its own shares one correlation id per reconcile.
    const correlationId = `reconcile-${newUuidV7()}`;
    try {
      for (let count = 0; count < maximumStepsPerReconcile; count++) {
        let wait: Wait | undefined;
        let userId = locked.row.userId;
        const { outcome, state } = await this.onMeetingWithState(
          meetingId,
          cause,
          (current) => {
            userId = current.userId ?? userId;
            return planReconcile(current, this.clock.now());
          },
          {
            correlationId,
            onWebexFailure: (error) => {
              const decided = this.waitFor(locked, error, probe);
              wait = decided?.wait;
              return decided;
            },
            probe,
          },
        );
        steps.push(outcome);
        const waited = wait as Wait | undefined;
        if (waited?.kind === 'reconnect') {
          await locked.waitForReconnect(userId, waited.message);
          return report('waiting-for-reconnect');
        }
        if (waited?.kind === 'retry') {
          // A failed probe changes nothing: the meeting keeps its place in the backoff.
          if (!probe) await locked.retryAt(waited.dueAt, waited.attempt, waited.message);
          return report('deferred');
        }
        if (outcome.step === 'nothing' || outcome.step === 'fail') {
          await locked.converged();
          await this.keepDriftCheck(meetingId, state, locked);
          return report('converged');
        }
      }
      // The desired state kept changing while it was applied: again soon.
      await locked.retryAt(this.clock.now(), locked.row.attempts, 'the desired state kept changing');
      return report('deferred');
    } catch (error) {
      // Our own trouble (event store, conflicts that kept coming): the row stays and backs off;
      // the stream is the authority when it is tried again. Nothing is recorded in it.
      const attempt = locked.row.attempts + 1;
      const dueAt = new Date(this.clock.now().getTime() + backoffDelay(attempt, this.retryBackoff));
      await locked.retryAt(dueAt, attempt, error instanceof Error ? error.name : 'unknown failure');
      this.options.onError?.(meetingId, error);
      return { ...report('deferred'), reason: 'error' };
    }
  }

  /** A Webex failure the meeting waits out, and what to record for it; undefined for any other. */
  private waitFor(
    locked: LockedMeeting,
    error: unknown,
    probe: boolean,
  ): { wait: Wait; command?: MeetingCommandBody } | undefined {
    const permanent = classifyWebexFailure(error);
    if (permanent?.reason === 'reauthorization-required')
      return {
        wait: { kind: 'reconnect', message: permanent.message },
        command: { type: 'RecordWaitingForReconnect', message: permanent.message },
      };
    if (permanent) return undefined;
    const transient = transientWebexFailure(error);
    if (!transient) return undefined;
    const attempt = locked.row.attempts + 1;
    const dueAt = new Date(this.clock.now().getTime() + backoffDelay(attempt, this.retryBackoff));
    const wait: Wait = { kind: 'retry', attempt, dueAt, message: transient.message };
    if (probe) return { wait };
    return {
      wait,
      command: {
        type: 'RecordDeferred',
        attempt,
        nextAttemptAt: dueAt.toISOString(),
        reason: transient.reason,
        message: transient.message,
      },
    };
  }

  /** A converged meeting that Webex holds and that has not started is compared with Webex from time to time. */
  private async keepDriftCheck(
    meetingId: string,
    state: MeetingState,
    locked?: Pick<LockedMeeting, 'trackForDrift' | 'untrackForDrift'>,
  ): Promise<void> {
    const until = driftCheckedUntil(state, this.clock.now());
    // Under a lock, on the lock's connection (see LockedMeeting).
    if (until)
      await (locked
        ? locked.trackForDrift(state.userId!, until)
        : this.sync.trackForDrift(meetingId, state.userId!, until));
    else await (locked ? locked.untrackForDrift() : this.sync.untrackForDrift(meetingId));
  }

  /** Plans the step on the meeting as it is, carries it out and records its outcome, as one decision. */
  private async onMeeting(
    meetingId: string,
    cause: EventEnvelope | undefined,
    plan: (state: MeetingState) => Step,
  ): Promise<HandleOutcome> {
    return (await this.onMeetingWithState(meetingId, cause, plan)).outcome;
  }

  /** onMeeting, also answering the meeting's state after the decision. */
  private async onMeetingWithState(
    meetingId: string,
    cause: EventEnvelope | undefined,
    plan: (state: MeetingState) => Step,
    reconcile?: ReconcileStep,
  ): Promise<{ outcome: HandleOutcome; state: MeetingState }> {
    let outcome: HandleOutcome | undefined;
    const created: CreatedMeetings = new Map();
    let recorded: MeetingState;
    try {
      const result = await this.meetings.decide(meetingId, async (state) => {
        const origin: CommandOrigin = cause
          ? originOf(cause, this.clock.now(), sourceUpdatedAtOf(cause))
          : {
              // A stream without a tenant has nothing to reconcile (planReconcile plans nothing).
              tenantId: state.tenantId ?? '',
              correlationId: reconcile?.correlationId ?? `reconcile-${newUuidV7()}`,
              causationId: null,
              traceparent: null,
              occurredAt: this.clock.now(),
            };
        const executed = await this.execute(meetingId, plan(state), state, origin, created, reconcile);
        outcome = executed.outcome;
        return executed.events;
      });
      recorded = result.newState;
    } catch (error) {
      if (error instanceof ExpectedVersionConflictError && created.size > 0)
        await this.removeDuplicates(created, await this.meetings.read(meetingId));
      throw error;
    }
    await this.removeDuplicates(created, recorded);
    if (outcome!.appended.includes('MeetingScheduled') && recorded.requestedAt !== undefined) {
      const seconds = (this.clock.now().getTime() - Date.parse(recorded.requestedAt)) / 1000;
      this.requestToConverged?.observe(Math.max(0, seconds));
    }
    return { outcome: outcome!, state: recorded };
  }

  private async execute(
    meetingId: string,
    step: Step,
    state: MeetingState,
    origin: CommandOrigin,
    createdInWebex: CreatedMeetings,
    reconcile: ReconcileStep | undefined,
  ): Promise<Executed> {
    const clientFor = async (userId: string) => {
      const client = await this.webexClientFor(userId);
      return reconcile?.probe ? client.withoutRetries() : client;
    };
    const record = (command: MeetingCommandBody, kind: Step['kind'] = step.kind): Executed => {
      const events = decide({ ...command, origin }, state);
      return { events, outcome: { meetingId, step: kind, appended: events.map((event) => event.type) } };
    };
    const recordFailure = (error: unknown): Executed => {
      const waiting = reconcile?.onWebexFailure(error);
      if (waiting)
        return waiting.command
          ? record(waiting.command)
          : { events: [], outcome: { meetingId, step: step.kind, appended: [] } };
      const failure = classifyWebexFailure(error);
      if (!failure) throw error;
      return record({ type: 'RecordFailure', ...failure });
    };

    switch (step.kind) {
      case 'nothing':
        return { events: [], outcome: { meetingId, step: 'nothing', reason: step.reason, appended: [] } };
      case 'fail':
        return record({
          type: 'RecordFailure',
          reason: step.reason,
          message: step.message,
          retryable: false,
        });

      // A trigger's intent: recorded as the desired state, applied by the reconcile that follows.
      case 'update':
        return record({ type: 'RecordDesiredState', desired: step.desired });
      case 'delete':
        return record({ type: 'RecordCancellationRequested', reason: step.reason });
      case 'change-occurrence':
        return record({
          type: 'RecordOccurrenceChange',
          originalStart: step.originalStart,
          cancelled: step.cancelled,
          ...(step.shown ? { shown: step.shown } : {}),
        });

      case 'apply-occurrence': {
        const { operation } = step;
        let createdWebexMeetingId: string | undefined;
        try {
          const client = await clientFor(state.userId!);
          // Google already tells the attendees of the occurrence's change.
          switch (operation.kind) {
            case 'patch-occurrence':
              await client.patchMeetingOccurrence(operation.occurrenceId, {
                title: operation.shown.title,
                start: operation.shown.start,
                end: operation.shown.end,
                sendEmail: false,
              });
              break;
            case 'delete-occurrence':
              await client.deleteMeetingOccurrence(operation.occurrenceId, { sendEmail: false });
              break;
            case 'create-single': {
              const site = await this.options.siteFor?.(state.userId!, state.tenantId);
              const single = await client.createMeeting(
                {
                  title: operation.shown.title,
                  agenda: await this.agendaFor(state.userId!),
                  start: operation.shown.start,
                  end: operation.shown.end,
                  timezone: step.desired.timeZone,
                  ...(site
                    ? {
                        siteUrl: site.siteUrl,
                        ...(site.meetingTemplateId ? { templateId: site.meetingTemplateId } : {}),
                      }
                    : {}),
                  invitees: step.desired.invitees.map((invitee) => ({ ...invitee })),
                  sendEmail: false,
                },
                // Its own tag (the meeting and the occurrence's original start, within Webex's
                // 64 characters): a retried create finds it rather than making a second one.
                { integrationTag: `${meetingId}_${basicUtc(Date.parse(operation.originalStart))}` },
              );
              createdWebexMeetingId = single.meeting.id;
              break;
            }
            case 'patch-single':
              await client.patchMeeting(operation.webexMeetingId, {
                title: operation.shown.title,
                start: operation.shown.start,
                end: operation.shown.end,
                timezone: step.desired.timeZone,
                sendEmail: false,
              });
              break;
            case 'delete-single':
              await client.deleteMeeting(operation.webexMeetingId, { sendEmail: false });
              break;
          }
        } catch (error) {
          return recordFailure(error);
        }
        const current = state.appliedOccurrences?.get(occurrenceKey(operation.originalStart));
        return record({
          type: 'RecordOccurrenceApplied',
          applied: appliedAfter(current, operation, createdWebexMeetingId),
        });
      }

      case 'create': {
        let created: { meeting: WebexMeeting; adopted: boolean };
        try {
          const client = await clientFor(state.userId!);
          const site = await this.options.siteFor?.(state.userId!, state.tenantId);
          created = await this.ensureWebexMeeting(client, meetingId, step.desired, site, state.userId!);
          createdInWebex.set(created.meeting.id, client);
        } catch (error) {
          return recordFailure(error);
        }
        const executed = record({ type: 'ScheduleFromWebex', webexMeeting: created.meeting });
        if (!created.adopted) return executed;
        return { ...executed, outcome: { ...executed.outcome, reason: 'adopted' } };
      }

      case 'patch': {
        let webexResult: { id: string } | undefined;
        try {
          const client = await clientFor(state.userId!);
          if (step.changed.some((aspect) => aspect !== 'invitees'))
            webexResult = await client.patchMeeting(step.webexMeetingId, {
              ...webexPatch(step.desired, step.changed, state.applied),
              sendEmail: false,
            });
          if (step.changed.includes('invitees'))
            await applyInvitees(client, step.webexMeetingId, step.desired.invitees);
        } catch (error) {
          return recordFailure(error);
        }
        return record({
          type: 'ApplyDesiredState',
          desired: step.desired,
          ...(webexResult ? { webexResult: { id: webexResult.id } } : {}),
        });
      }

      case 'remove': {
        try {
          if (step.webexMeetingId) {
            const client = await clientFor(state.userId!);
            // Google already told the attendees the event is gone.
            await client.deleteMeeting(step.webexMeetingId, { sendEmail: false });
            // The single meetings standing in for occurrences of the series go with it.
            for (const occurrence of state.appliedOccurrences?.values() ?? [])
              if (occurrence.single)
                await client.deleteMeeting(occurrence.single.webexMeetingId, { sendEmail: false });
          } else if (state.status === 'requested') {
            // A create that crashed before recording may have left a Webex meeting carrying our
            // tag: it would be orphaned, so it is looked up and deleted too.
            const client = await clientFor(state.userId!);
            const site = await this.options.siteFor?.(state.userId!, state.tenantId);
            for (const orphan of await this.taggedMeetings(client, meetingId, state.requested, site))
              await client.deleteMeeting(orphan.id, { sendEmail: false });
          }
        } catch (error) {
          return recordFailure(error);
        }
        return record({ type: 'RecordDeleted', reason: step.reason });
      }

      case 'copy': {
        // The copy is a meeting of its own: its request starts the copy's stream. Nothing is
        // appended to this one.
        const copyId = step.request.meetingId;
        const { newEvents } = await this.meetings.decide(copyId, (copy) =>
          copy.status === 'new' ? decide({ type: 'RequestCopy', request: step.request, origin }, copy) : [],
        );
        // Requested before (a redelivery, or an earlier change of the copy): the change now
        // concerns the copy itself.
        if (newEvents.length === 0)
          return { events: [], outcome: { meetingId, step: 'redirect', appended: [], redirectedTo: copyId } };
        return {
          events: [],
          outcome: { meetingId: copyId, step: 'copy', appended: newEvents.map((event) => event.type) },
        };
      }

      case 'redirect':
        return {
          events: [],
          outcome: { meetingId, step: 'redirect', appended: [], redirectedTo: step.meetingId },
        };
    }
  }

  /**
   * The agenda line of a meeting we create: where it is managed, in its user's language at the
   * time of creation (a later change of language leaves existing meetings as they are).
   */
  private async agendaFor(userId: string): Promise<string> {
    return translate(await this.options.languageOf?.(userId), 'webex.agenda');
  }

  /** Adopt the meeting a crashed attempt created (found by our tag), or create it. */
  private async ensureWebexMeeting(
    client: WebexClient,
    meetingId: string,
    desired: DesiredState,
    site: Awaited<ReturnType<SiteFor>>,
    userId: string,
  ): Promise<{ meeting: WebexMeeting; adopted: boolean }> {
    const request = webexTimesAndTitle(desired);
    const where = site
      ? {
          siteUrl: site.siteUrl,
          ...(site.meetingTemplateId ? { templateId: site.meetingTemplateId } : {}),
        }
      : {};
    const [found] = await this.taggedMeetings(client, meetingId, desired, site);
    if (found) return { meeting: found, adopted: true };
    return client.createMeeting(
      {
        ...request,
        agenda: await this.agendaFor(userId),
        ...seriesRule(desired),
        ...where,
        invitees: desired.invitees.map((invitee) => ({ ...invitee })),
        // Google already mails the invitation, which carries the join details.
        sendEmail: false,
      },
      { integrationTag: meetingId },
    );
  }

  /**
   * The Webex meetings carrying our tag (the meeting id) around the meeting's times, on the site
   * where it is created (Webex lists only the user's preferred site unless told which). Without
   * the times (personal data forgotten), the year ahead.
   */
  private async taggedMeetings(
    client: WebexClient,
    meetingId: string,
    times: { readonly start: string; readonly end: string } | undefined,
    site: Awaited<ReturnType<SiteFor>>,
  ): Promise<WebexMeeting[]> {
    const now = this.clock.now().getTime();
    const from = times ? Date.parse(times.start) - day : now - day;
    const to = times ? Date.parse(times.end) + day : now + 366 * day;
    const listed = await client.listMeetings({
      integrationTag: meetingId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      max: 100,
      ...(site ? { siteUrl: site.siteUrl } : {}),
    });
    return listed.filter((meeting) => meeting.integrationTags?.includes(meetingId) ?? true);
  }

  /**
   * Another handler scheduled this meeting while we were creating one (a redelivery that
   * overlapped the first attempt). If it recorded a different Webex meeting, ours is a
   * duplicate: delete it so "never created twice" holds in Webex too.
   */
  private async removeDuplicates(created: CreatedMeetings, state: MeetingState): Promise<void> {
    const recorded = state.webex?.webexMeetingId;
    if (!recorded) return;
    for (const [webexMeetingId, client] of created)
      if (webexMeetingId !== recorded) await client.deleteMeeting(webexMeetingId, { sendEmail: false });
  }
}

/**
 * The transport delivers events opened and validated, a forgotten (Redacted) value included;
 * other callers' events are validated here. Nothing is opened again.
 */
function validated<Contract extends EventContract>(
  contract: Contract,
  event: EventEnvelope,
): EventOf<Contract> {
  const data = event.data;
  const forgotten = typeof data === 'object' && data !== null && Object.values(data).some(isRedacted);
  return (forgotten ? event : contract.parse(event)) as EventOf<Contract>;
}

/** The Google `updated` time of a calendar change; other causes have none. */
function sourceUpdatedAtOf(cause: EventEnvelope): string | undefined {
  return CalendarEventChanged.is(cause) ? cause.data.updatedAt : undefined;
}

/** How the Webex meeting differs from what was applied; undefined when it does not. */
async function driftIn(
  client: WebexClient,
  webexMeetingId: string,
  applied: DesiredState,
): Promise<{ found: 'changed' | 'deleted'; changed: ChangedAspect[] } | undefined> {
  let meeting: WebexMeeting;
  try {
    meeting = await client.getMeeting(webexMeetingId);
  } catch (error) {
    if (error instanceof WebexApiError && error.status === 404) return { found: 'deleted', changed: [] };
    throw error;
  }
  const changed: ChangedAspect[] = [];
  if (meeting.title !== applied.title) changed.push('title');
  if (
    Date.parse(meeting.start) !== Date.parse(applied.start) ||
    Date.parse(meeting.end) !== Date.parse(applied.end) ||
    meeting.timezone !== applied.timeZone
  )
    changed.push('time');
  const invitees = inviteeChanges(applied.invitees, await client.listMeetingInvitees(webexMeetingId));
  if (invitees.toAdd.length + invitees.toRemove.length > 0) changed.push('invitees');
  return changed.length > 0 ? { found: 'changed', changed } : undefined;
}

/**
 * Brings Webex's invitee list to the calendar's, one invitee at a time: a create that already
 * happened answers 409 and is adopted, a delete that already happened answers 404, so a retry
 * after a partial run only does what is left. No Webex mails: Google already sent the invitation.
 */
async function applyInvitees(
  client: WebexClient,
  webexMeetingId: string,
  desired: DesiredState['invitees'],
): Promise<void> {
  const { toAdd, toRemove } = inviteeChanges(desired, await client.listMeetingInvitees(webexMeetingId));
  for (const invitee of toAdd)
    await client.createMeetingInvitee(webexMeetingId, { ...invitee }, { sendEmail: false });
  for (const invitee of toRemove) await client.deleteMeetingInvitee(invitee.id, { sendEmail: false });
}

/** Webex's `recurrence` of a series (planReconcile refused the rules it cannot map). */
function seriesRule(desired: DesiredState): { recurrence?: string } {
  const rule = webexRuleOf(desired);
  return rule === undefined ? {} : { recurrence: rule };
}

/**
 * What a PATCH sends. A single meeting gets its whole title and times every time (safe to
 * repeat). A series gets its times and rule only when they changed: Webex drops every
 * exception of a series whose start, end or rule is patched, and refuses a start in the past,
 * which a running series' first occurrence is. `recurrence: null` makes it a single meeting.
 */
function webexPatch(
  desired: DesiredState,
  changed: readonly ChangedAspect[],
  applied: DesiredState | undefined,
) {
  const series = desired.recurrence !== undefined || applied?.recurrence !== undefined;
  if (!series) return webexTimesAndTitle(desired);
  const rewritesSeries = rewritesWebexSeries(applied, desired, changed);
  return {
    title: desired.title,
    ...(changed.includes('time')
      ? { start: desired.start, end: desired.end, timezone: desired.timeZone }
      : {}),
    ...(rewritesSeries ? { recurrence: seriesRule(desired).recurrence ?? null } : {}),
  };
}

function webexTimesAndTitle(desired: DesiredState) {
  return { title: desired.title, start: desired.start, end: desired.end, timezone: desired.timeZone };
}
