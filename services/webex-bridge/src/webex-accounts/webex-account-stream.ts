import type { EventCause, EventEnvelope } from '@scheduler/contracts';
import {
  aggregateStream,
  handleCommand,
  type EventStore,
  type Position,
  type StreamCodec,
} from '@scheduler/event-store';
import {
  webexAccountDecider,
  webexAccountStreamId,
  type ConnectionFact,
  type MeetingPreferences,
  type WebexConnectionState,
} from './webex-account.decider.js';

/** Where the appended events come from: the triggering event, or a command's correlation id. */
export interface RecordTrace {
  readonly cause?: EventCause;
  readonly correlationId?: string;
}

/**
 * Writes `webexAccount-<userId>`, the stream of the user's Webex facts, through the kernel.
 * Personal fields (the Webex email and display name) are sealed under the user's key by the
 * service's stream codec.
 */
export class WebexAccountStream {
  constructor(
    private readonly eventStore: EventStore,
    /** The service's SEALED_ENVELOPES. */
    private readonly envelopes: StreamCodec<EventEnvelope>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends what the facts change, once. Returns the event types appended. */
  async record(
    userId: string,
    tenantId: string,
    facts: readonly ConnectionFact[],
    trace: RecordTrace = {},
  ): Promise<string[]> {
    const origin = { tenantId, occurredAt: this.now(), ...trace };
    const { newEvents } = await handleCommand(
      this.eventStore,
      webexAccountStreamId(userId),
      (state) => webexAccountDecider.decide({ userId, facts, origin }, state),
      { ...webexAccountDecider, codec: this.envelopes },
    );
    return newEvents.map((event) => event.type);
  }

  /**
   * Records the user's meeting preferences, `change` applied to the recorded ones (again on a
   * version conflict, so a concurrent change is never lost), if that changes them.
   * `position`: where MeetingPreferencesChanged landed, so a reader can wait for it.
   */
  async changePreferences(
    userId: string,
    tenantId: string,
    change: (current: MeetingPreferences) => MeetingPreferences,
    trace: RecordTrace = {},
  ): Promise<{ readonly preferences: MeetingPreferences; readonly position: Position | undefined }> {
    const origin = { tenantId, occurredAt: this.now(), ...trace };
    const { appendResult, newState } = await handleCommand(
      this.eventStore,
      webexAccountStreamId(userId),
      (state) =>
        webexAccountDecider.decide(
          {
            userId,
            facts: [{ kind: 'preferences-changed', preferences: change(state.preferences) }],
            origin,
          },
          state,
        ),
      { ...webexAccountDecider, codec: this.envelopes },
    );
    return { preferences: newState.preferences, position: appendResult?.position };
  }

  /** What the stream says about the user's Webex account now (the initial state when it has no stream). */
  async current(userId: string): Promise<WebexConnectionState> {
    const { state } = await aggregateStream(this.eventStore, webexAccountStreamId(userId), {
      ...webexAccountDecider,
      codec: this.envelopes,
    });
    return state;
  }
}
