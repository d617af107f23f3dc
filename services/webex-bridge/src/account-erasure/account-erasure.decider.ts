import {
  AccountErased,
  AccountErasureRequested,
  AccountErasureStepCompleted,
  createEvent,
  type DataOf,
  type EventCause,
  type EventEnvelope,
} from '@scheduler/contracts';
import type { Decider } from '@scheduler/event-store';

/**
 * `accountErasure-<userId>` as a decider: the user's erasure, requested once, its steps each
 * recorded once and in order, and its end. Every command is answered from the stream, so a
 * redelivered event or a repeated request appends nothing.
 */
export const accountErasureStreamId = (userId: string) => `accountErasure-${userId}`;

export type FutureMeetings = DataOf<typeof AccountErasureRequested>['futureMeetings'];
export type ErasureStep = DataOf<typeof AccountErasureStepCompleted>['step'];

export interface AccountErasureState {
  readonly status: 'none' | 'requested' | 'erased';
  readonly futureMeetings?: FutureMeetings;
  readonly requestedAt?: string;
  readonly steps: ReadonlySet<ErasureStep>;
  /** Every meeting of the user, as webex-bridge's step found them. */
  readonly meetingIds: readonly string[];
  readonly erasedAt?: string;
}

export const initialErasureState: AccountErasureState = { status: 'none', steps: new Set(), meetingIds: [] };

export function evolve(state: AccountErasureState, envelope: EventEnvelope): AccountErasureState {
  if (AccountErasureRequested.is(envelope)) {
    const data = envelope.data as DataOf<typeof AccountErasureRequested>;
    return {
      ...state,
      status: 'requested',
      futureMeetings: data.futureMeetings,
      requestedAt: data.requestedAt,
    };
  }
  if (AccountErasureStepCompleted.is(envelope)) {
    const data = envelope.data as DataOf<typeof AccountErasureStepCompleted>;
    return {
      ...state,
      steps: new Set([...state.steps, data.step]),
      meetingIds: data.meetingIds ?? state.meetingIds,
    };
  }
  if (AccountErased.is(envelope)) {
    const data = envelope.data as DataOf<typeof AccountErased>;
    return { ...state, status: 'erased', erasedAt: data.erasedAt };
  }
  return state;
}

export interface ErasureOrigin {
  readonly tenantId: string;
  readonly occurredAt: Date;
  readonly cause?: EventCause;
  readonly correlationId?: string;
  readonly traceparent?: string | null;
}

export type ErasureCommand =
  | { readonly type: 'RequestErasure'; readonly futureMeetings: FutureMeetings }
  | {
      readonly type: 'CompleteStep';
      readonly step: ErasureStep;
      readonly meetingIds?: readonly string[];
      readonly uncancelledMeetingIds?: readonly string[];
    }
  | { readonly type: 'RecordErased'; readonly erasedAt: string; readonly meetingsPurged: number };

export interface ErasureDecision {
  readonly userId: string;
  readonly command: ErasureCommand;
  readonly origin: ErasureOrigin;
}

/** The step that must be recorded before each one: the steps run in this order. */
const previousStep: Readonly<Record<ErasureStep, ErasureStep | undefined>> = {
  'webex-bridge': undefined,
  'google-ingest': 'webex-bridge',
};

/** Thrown when a step is reported out of order: the caller is told, nothing is recorded. */
export class ErasureStepOutOfOrderError extends Error {
  override readonly name = 'ErasureStepOutOfOrderError';
  constructor(
    readonly userId: string,
    readonly step: string,
  ) {
    super(`account erasure of ${userId}: step ${step} reported before the steps it follows`);
  }
}

export function decide(decision: ErasureDecision, state: AccountErasureState): EventEnvelope[] {
  const { userId, command, origin } = decision;
  const event = (
    contract: typeof AccountErasureRequested | typeof AccountErasureStepCompleted | typeof AccountErased,
    data: unknown,
  ) =>
    createEvent(contract, {
      streamId: accountErasureStreamId(userId),
      tenantId: origin.tenantId,
      data: data as never,
      occurredAt: origin.occurredAt,
      ...(origin.cause ? { cause: origin.cause } : {}),
      ...(origin.correlationId ? { correlationId: origin.correlationId } : {}),
      ...(origin.traceparent ? { traceparent: origin.traceparent } : {}),
    });
  const at = origin.occurredAt.toISOString();
  switch (command.type) {
    case 'RequestErasure':
      if (state.status !== 'none') return [];
      return [
        event(AccountErasureRequested, { userId, futureMeetings: command.futureMeetings, requestedAt: at }),
      ];
    case 'CompleteStep': {
      if (state.status !== 'requested' || state.steps.has(command.step)) return [];
      const before = previousStep[command.step];
      if (before && !state.steps.has(before)) throw new ErasureStepOutOfOrderError(userId, command.step);
      return [
        event(AccountErasureStepCompleted, {
          userId,
          step: command.step,
          completedAt: at,
          ...(command.meetingIds ? { meetingIds: [...command.meetingIds] } : {}),
          ...(command.uncancelledMeetingIds?.length
            ? { uncancelledMeetingIds: [...command.uncancelledMeetingIds] }
            : {}),
        }),
      ];
    }
    case 'RecordErased':
      if (state.status !== 'requested') return [];
      if (!state.steps.has('google-ingest')) throw new ErasureStepOutOfOrderError(userId, 'erased');
      return [
        event(AccountErased, { userId, erasedAt: command.erasedAt, meetingsPurged: command.meetingsPurged }),
      ];
  }
}

export const accountErasureDecider: Decider<ErasureDecision, EventEnvelope, AccountErasureState> = {
  decide,
  evolve,
  initialState: () => initialErasureState,
};
