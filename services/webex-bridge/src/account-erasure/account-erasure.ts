import {
  lastOccurrenceEnd,
  type EraseAccount,
  type RecordAccountErased,
  type RecordAccountErasureStep,
  type ResponseOf,
} from '@scheduler/contracts';
import {
  aggregateStream,
  handleCommand,
  positionToString,
  type EventStore,
  type Position,
  type StreamCodec,
} from '@scheduler/event-store';
import type { EventEnvelope } from '@scheduler/contracts';
import type { z } from 'zod';
import type { MeetingCommands } from '../meetings/meeting-commands.js';
import type { MeetingState } from '../meetings/meeting.decider.js';
import type { MeetingStreams } from '../meetings/meeting-stream.js';
import type { AccountErasureRepository, ErasureInProgress } from './account-erasure.repository.js';
import {
  accountErasureDecider,
  accountErasureStreamId,
  ErasureStepOutOfOrderError,
  type AccountErasureState,
  type ErasureCommand,
  type ErasureOrigin,
} from './account-erasure.decider.js';

type Request<Contract extends { request: z.ZodType }> = z.output<Contract['request']>;

/** Ids and kinds only. */
export interface ErasureLogger {
  log(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface AccountErasureOptions {
  readonly store: EventStore;
  /** The service's SEALED_ENVELOPES. */
  readonly envelopes: StreamCodec<EventEnvelope>;
  readonly meetings: MeetingStreams;
  readonly commands: MeetingCommands;
  readonly repository: AccountErasureRepository;
  /** Makes a meeting due in the reconciler (the cancellation is applied in Webex). */
  readonly meetingDue: (meetingId: string, userId: string) => Promise<void>;
  /** Deletes everything of the user in this service's private database and their Webex webhooks. */
  readonly forgetUser: (userId: string) => Promise<void>;
  readonly cancelWaitMs: number;
  readonly logger: ErasureLogger;
  readonly now?: () => Date;
}

/** Meetings that no longer need anything: their Webex meeting is gone or was never ours to delete. */
const finished = (state: MeetingState) =>
  state.status === 'cancelled' ||
  state.status === 'ended' ||
  state.status === 'purged' ||
  state.streamDeleted;

/** A meeting whose (last) occurrence has not ended: an open-ended series has not. */
function notOver(state: MeetingState, now: Date): boolean {
  const desired = state.desired ?? state.requested;
  if (!desired) return true;
  const last = lastOccurrenceEnd(desired);
  return last.kind === 'open-ended' || Date.parse(last.end) > now.getTime();
}

/**
 * webex-bridge's side of a user's erasure, and the writer of `accountErasure-<userId>`.
 *
 * On AccountErasureRequested: with `cancel`, each meeting of the user that has not ended gets
 * MeetingCancellationRequested{user-request} through the user's own cancellation path (the
 * reconcile deletes the Webex meeting, google-ingest takes our conference off the event). The
 * step waits for those to be cancelled (their MeetingCancelled, or the periodic pass), at most
 * `cancelWaitMs`; then the user's webhooks, Webex tokens and rows are deleted and
 * AccountErasureStepCompleted{webex-bridge} names the user's meetings for retention.
 */
export class AccountErasure {
  private readonly now: () => Date;

  constructor(private readonly options: AccountErasureOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async requestErasure(request: Request<typeof EraseAccount>): Promise<ResponseOf<typeof EraseAccount>> {
    const { appendResult, newState } = await this.decide(
      request.userId,
      { type: 'RequestErasure', futureMeetings: request.futureMeetings },
      this.origin(request.tenantId, request.trace),
    );
    if (newState.status === 'erased') return { outcome: 'already-erased', erasedAt: newState.erasedAt! };
    if (appendResult)
      return {
        outcome: 'requested',
        position: positionToString(appendResult.position),
        requestedAt: newState.requestedAt!,
      };
    return {
      outcome: 'already-requested',
      futureMeetings: newState.futureMeetings!,
      requestedAt: newState.requestedAt!,
    };
  }

  async recordStep(
    request: Request<typeof RecordAccountErasureStep>,
  ): Promise<ResponseOf<typeof RecordAccountErasureStep>> {
    const current = await this.current(request.userId);
    if (current.status === 'none') return { outcome: 'not-requested' };
    try {
      const { appendResult } = await this.decide(
        request.userId,
        { type: 'CompleteStep', step: request.step },
        this.origin(request.tenantId, request.trace),
      );
      return { outcome: appendResult ? 'recorded' : 'already-recorded' };
    } catch (error) {
      if (error instanceof ErasureStepOutOfOrderError) return { outcome: 'not-requested' };
      throw error;
    }
  }

  async recordErased(
    request: Request<typeof RecordAccountErased>,
  ): Promise<ResponseOf<typeof RecordAccountErased>> {
    try {
      const { appendResult, newState } = await this.decide(
        request.userId,
        { type: 'RecordErased', erasedAt: request.erasedAt, meetingsPurged: request.meetingsPurged },
        this.origin(request.tenantId, request.trace),
      );
      if (appendResult) return { outcome: 'recorded' };
      return { outcome: newState.status === 'erased' ? 'already-recorded' : 'not-ready' };
    } catch (error) {
      if (error instanceof ErasureStepOutOfOrderError) return { outcome: 'not-ready' };
      throw error;
    }
  }

  /** AccountErasureRequested: remembered for the periodic pass, cancellations recorded, then advanced. */
  async started(erasure: ErasureInProgress): Promise<'waiting' | 'completed' | 'done-before'> {
    const state = await this.current(erasure.userId);
    if (state.status !== 'requested' || state.steps.has('webex-bridge')) {
      await this.options.repository.done(erasure.userId);
      return 'done-before';
    }
    await this.options.repository.track(erasure);
    if (state.futureMeetings === 'cancel') await this.cancelMeetings(erasure);
    return this.advance(erasure);
  }

  /** A meeting was cancelled: an erasure waiting for it may go on. */
  async meetingCancelled(meetingId: string): Promise<void> {
    if (!(await this.options.repository.any())) return;
    const meeting = await this.options.meetings.read(meetingId);
    if (!meeting.userId) return;
    const erasure = await this.options.repository.find(meeting.userId);
    if (erasure) await this.advance(erasure);
  }

  /**
   * The periodic pass: every erasure whose webex-bridge step is not recorded, from its start, so
   * one whose request event was dead-lettered midway still gets its cancellations (recording one
   * again is a no-op; the meeting is made due again).
   */
  async advanceAll(): Promise<number> {
    let completed = 0;
    for (const erasure of await this.options.repository.inProgress()) {
      try {
        if ((await this.started(erasure)) === 'completed') completed += 1;
      } catch (error) {
        this.options.logger.warn(
          { userId: erasure.userId, error: error instanceof Error ? error.name : 'Error' },
          'account erasure step failed; it is tried again on the next pass',
        );
      }
    }
    return completed;
  }

  /** Records webex-bridge's step once no cancellation it asked for is pending (or the wait is over). */
  async advance(erasure: ErasureInProgress): Promise<'waiting' | 'completed' | 'done-before'> {
    const state = await this.current(erasure.userId);
    if (state.status !== 'requested' || state.steps.has('webex-bridge')) {
      await this.options.repository.done(erasure.userId);
      return 'done-before';
    }
    const meetingIds = await this.userMeetings(erasure.userId);
    const pending: string[] = [];
    for (const meetingId of meetingIds) {
      const meeting = await this.options.meetings.read(meetingId);
      if (meeting.cancellationRequested && !finished(meeting)) pending.push(meetingId);
    }
    const waitedEnough = this.now().getTime() - erasure.requestedAt.getTime() >= this.options.cancelWaitMs;
    if (pending.length > 0 && !waitedEnough) return 'waiting';
    await this.options.forgetUser(erasure.userId);
    await this.decide(
      erasure.userId,
      { type: 'CompleteStep', step: 'webex-bridge', meetingIds, uncancelledMeetingIds: pending },
      { tenantId: erasure.tenantId, occurredAt: this.now(), correlationId: erasure.cause.correlationId },
    );
    await this.options.repository.done(erasure.userId);
    this.options.logger.log(
      { userId: erasure.userId, meetings: meetingIds.length, uncancelled: pending.length },
      'account erasure: webex-bridge step recorded',
    );
    return 'completed';
  }

  private async cancelMeetings(erasure: ErasureInProgress): Promise<void> {
    const now = this.now();
    for (const meetingId of await this.userMeetings(erasure.userId)) {
      const meeting = await this.options.meetings.read(meetingId);
      if (finished(meeting) || !notOver(meeting, now)) continue;
      const answer = await this.options.commands.cancelMeeting({
        tenantId: erasure.tenantId,
        trace: {
          correlationId: erasure.cause.correlationId,
          causationId: erasure.cause.id,
          traceparent: null,
        },
        data: { meetingId, userId: erasure.userId },
      });
      if (answer.outcome === 'recorded' || answer.outcome === 'already-recorded')
        await this.options.meetingDue(meetingId, erasure.userId);
    }
  }

  /**
   * Every meeting the user requested, from the log (ids and user ids are stored in clear). A scan
   * of the MeetingRequested events: an erasure is rare, and the log is the authority.
   */
  private async userMeetings(userId: string, pageSize = 1_000): Promise<string[]> {
    const found: string[] = [];
    let after: Position | undefined;
    for (;;) {
      const page = await this.options.store.readAll({
        ...(after ? { after } : {}),
        maxCount: pageSize,
        filter: { categories: ['meeting'], types: ['MeetingRequested'] },
      });
      for (const event of page)
        if (event.data.userId === userId && typeof event.data.meetingId === 'string')
          found.push(event.data.meetingId);
      if (page.length < pageSize) break;
      after = page.at(-1)!.position;
    }
    return found;
  }

  private current(userId: string): Promise<AccountErasureState> {
    return aggregateStream(this.options.store, accountErasureStreamId(userId), {
      ...accountErasureDecider,
      codec: this.options.envelopes,
    }).then((stream) => stream.state);
  }

  private decide(userId: string, command: ErasureCommand, origin: ErasureOrigin) {
    return handleCommand(
      this.options.store,
      accountErasureStreamId(userId),
      (state) => accountErasureDecider.decide({ userId, command, origin }, state),
      { ...accountErasureDecider, codec: this.options.envelopes },
    );
  }

  private origin(
    tenantId: string,
    trace: { correlationId: string; causationId: string | null; traceparent: string | null },
  ): ErasureOrigin {
    return {
      tenantId,
      occurredAt: this.now(),
      ...(trace.causationId
        ? {
            cause: {
              id: trace.causationId,
              correlationId: trace.correlationId,
              traceparent: trace.traceparent,
            },
          }
        : { correlationId: trace.correlationId, traceparent: trace.traceparent }),
    };
  }
}
