import {
  CalendarEventChanged,
  MeetingRequested,
  type EventContract,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import { isRedacted } from '@scheduler/crypto-shredding';
import { ExpectedVersionConflictError } from '@scheduler/event-store';
import type { Meeting as WebexMeeting, WebexClient } from '@scheduler/webex';
import type { DesiredState } from './desired-state.js';
import { MeetingNotScheduledYetError, MeetingStreamMissingError, UnhandledEventTypeError } from './errors.js';
import {
  decide,
  meetingStreamId,
  originOf,
  type CommandOrigin,
  type MeetingCommandBody,
  type MeetingState,
  type MeetingStreamEvent,
} from './meeting.decider.js';
import { nextStep, type Step, type Trigger } from './next-step.js';
import type { MeetingStreams } from './meeting-stream.js';
import { classifyWebexFailure } from './webex-failure.js';

export interface Clock {
  now(): Date;
}

/** The Webex client acting as this user; may throw ReauthorizationRequired when none can be made. */
export type WebexClientFor = (userId: string) => WebexClient | Promise<WebexClient>;

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

/** One attempt's decision: what to append to the meeting's stream, and what to report. */
interface Executed {
  readonly events: readonly MeetingStreamEvent[];
  readonly outcome: HandleOutcome;
}

/** The Webex meetings one handling created (or adopted), by id, with the client that did it. */
type CreatedMeetings = Map<string, WebexClient>;

const day = 86_400_000;

/**
 * The crash-safe meeting lifecycle (docs/meeting-lifecycle.md): the intent is in the stream
 * first, Webex is called second, the outcome is appended with the revision that was read. Every
 * step is safe to repeat, so redelivery and crashes at any point converge.
 *
 * Each delivery is one decision through the kernel (MeetingStreams.decide): fold the stream,
 * plan the step (nextStep), call Webex, decide the events; a conflicting append does all of it
 * again on the fresh stream.
 */
export class MeetingLifecycle {
  constructor(
    private readonly meetings: MeetingStreams,
    private readonly webexClientFor: WebexClientFor,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  /**
   * Handles MeetingRequested and CalendarEventChanged as the transport delivers them: opened
   * and validated. Returns when the outcome is recorded; throws for transient trouble (Webex
   * 5xx/429/timeouts, a meeting still being created, persistent conflicts), which the
   * transport answers with a delayed redelivery. Personal values that were forgotten arrive as
   * Redacted markers; nextStep never lets them reach Webex.
   */
  async handle(event: EventEnvelope): Promise<HandleOutcome> {
    if (MeetingRequested.is(event)) return this.handleRequested(validated(MeetingRequested, event));
    if (CalendarEventChanged.is(event))
      return this.handleCalendarChange(validated(CalendarEventChanged, event));
    throw new UnhandledEventTypeError(event.type);
  }

  private handleRequested(request: EventOf<typeof MeetingRequested>): Promise<HandleOutcome> {
    const meetingId = request.data.meetingId;
    const trigger: Trigger = { kind: 'requested', triggerId: request.id };
    return this.onMeeting(meetingId, request, (state) => {
      if (state.status === 'new') throw new MeetingStreamMissingError(meetingStreamId(meetingId), request.id);
      return nextStep(state, trigger, this.clock.now());
    });
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
    const outcome = await this.onMeeting(meetingId, change, (state) => {
      const step = nextStep(state, trigger, this.clock.now());
      if (step.kind === 'wait') throw new MeetingNotScheduledYetError(meetingId, change.id);
      return step;
    });
    if (outcome.step === 'redirect') {
      const redirected = await this.handleCalendarChange(change, outcome.redirectedTo);
      return { ...redirected, redirectedTo: outcome.redirectedTo! };
    }
    return copyMeetingId ? { ...outcome, redirectedTo: copyMeetingId } : outcome;
  }

  /** Plans the step on the meeting as it is, carries it out and records its outcome, as one decision. */
  private async onMeeting(
    meetingId: string,
    cause: EventEnvelope,
    plan: (state: MeetingState) => Step,
  ): Promise<HandleOutcome> {
    let outcome: HandleOutcome | undefined;
    const created: CreatedMeetings = new Map();
    let recorded: MeetingState;
    try {
      const result = await this.meetings.decide(meetingId, async (state) => {
        const origin = originOf(cause, this.clock.now(), sourceUpdatedAtOf(cause));
        const executed = await this.execute(meetingId, plan(state), state, origin, created);
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
    return outcome!;
  }

  private async execute(
    meetingId: string,
    step: Step,
    state: MeetingState,
    origin: CommandOrigin,
    createdInWebex: CreatedMeetings,
  ): Promise<Executed> {
    const record = (command: MeetingCommandBody, kind: Step['kind'] = step.kind): Executed => {
      const events = decide({ ...command, origin }, state);
      return { events, outcome: { meetingId, step: kind, appended: events.map((event) => event.type) } };
    };
    const recordFailure = (error: unknown) => {
      const failure = classifyWebexFailure(error);
      if (!failure) throw error;
      return record({ type: 'RecordFailure', ...failure });
    };

    switch (step.kind) {
      case 'nothing':
        return { events: [], outcome: { meetingId, step: 'nothing', reason: step.reason, appended: [] } };
      case 'wait':
        throw new MeetingNotScheduledYetError(meetingId, origin.causationId!);
      case 'fail':
        return record({
          type: 'RecordFailure',
          reason: step.reason,
          message: step.message,
          retryable: false,
        });

      case 'create': {
        let created: { meeting: WebexMeeting; adopted: boolean };
        try {
          const client = await this.webexClientFor(state.userId!);
          created = await this.ensureWebexMeeting(client, meetingId, step.desired);
          createdInWebex.set(created.meeting.id, client);
        } catch (error) {
          return recordFailure(error);
        }
        const executed = record({ type: 'ScheduleFromWebex', webexMeeting: created.meeting });
        if (!created.adopted) return executed;
        return { ...executed, outcome: { ...executed.outcome, reason: 'adopted' } };
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

function webexTimesAndTitle(desired: DesiredState) {
  return { title: desired.title, start: desired.start, end: desired.end, timezone: desired.timeZone };
}
