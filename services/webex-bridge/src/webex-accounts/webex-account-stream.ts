import type { EventCause, EventEnvelope } from '@scheduler/contracts';
import { handleCommand, type EventStore, type StreamCodec } from '@scheduler/event-store';
import { webexAccountDecider, webexAccountStreamId, type ConnectionFact } from './webex-account.decider.js';

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
}
