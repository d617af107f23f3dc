import {
  AccountDisconnected,
  WebexAccountConnected,
  WebexSiteResolved,
  createEvent,
  type EventCause,
  type EventEnvelope,
} from '@scheduler/contracts';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import {
  type EventStore,
  type ExpectedRevision,
  ExpectedVersionConflictError,
  StreamNotFoundError,
  envelopeToEventToAppend,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import { UserStreamConflictError } from './errors.js';
import {
  connectionEventTypes,
  decideConnection,
  evolveConnection,
  initialConnectionState,
  type ConnectionEvent,
  type ConnectionFact,
  type WebexConnectionState,
} from './webex-connection.js';

export const userStreamId = (userId: string) => `webexAccount-${userId}`;

const contracts = { WebexAccountConnected, WebexSiteResolved, AccountDisconnected } as const;

/** Where the appended events come from: the triggering event, or a command's correlation id. */
export interface RecordTrace {
  readonly cause?: EventCause;
  readonly correlationId?: string;
}

export interface UserStreamOptions {
  /** Reload-and-decide rounds after ExpectedVersionConflictError. Default 5. */
  maxConflictAttempts?: number;
  now?: () => Date;
}

/**
 * Reads and writes the Webex facts of `user-<userId>`. Personal fields (the Webex email and
 * display name) are sealed under the user's key before they are stored (design §6), so the
 * codec opens them again on reading. The stream is shared with google-ingest (Google facts,
 * directory sites): every append carries the revision read, and a conflict decides again from
 * the fresh stream.
 */
export class UserStream {
  private readonly maxConflictAttempts: number;
  private readonly now: () => Date;

  constructor(
    private readonly eventStore: EventStore,
    private readonly codec: PersonalDataCodec,
    options: UserStreamOptions = {},
  ) {
    this.maxConflictAttempts = options.maxConflictAttempts ?? 5;
    this.now = options.now ?? (() => new Date());
  }

  async load(userId: string): Promise<{ state: WebexConnectionState; revision: ExpectedRevision }> {
    const streamId = userStreamId(userId);
    let recorded;
    try {
      recorded = await this.eventStore.readStream(streamId);
    } catch (error) {
      if (error instanceof StreamNotFoundError)
        return { state: initialConnectionState, revision: 'no_stream' };
      throw error;
    }
    let state = initialConnectionState;
    let revision: ExpectedRevision = 'no_stream';
    for (const event of recorded) {
      revision = event.revision;
      if (!connectionEventTypes.has(event.type)) continue;
      const { event: decoded } = await this.codec.decode(recordedEventToEnvelope(event));
      state = evolveConnection(state, decoded as unknown as ConnectionEvent);
    }
    return { state, revision };
  }

  /** Appends what the facts change, once. Returns the event types appended. */
  async record(
    userId: string,
    tenantId: string,
    facts: readonly ConnectionFact[],
    trace: RecordTrace = {},
  ): Promise<string[]> {
    const streamId = userStreamId(userId);
    for (let attempt = 1; attempt <= this.maxConflictAttempts; attempt++) {
      const { state, revision } = await this.load(userId);
      const decided = decideConnection(userId, state, facts);
      if (decided.length === 0) return [];
      const occurredAt = this.now();
      const envelopes: EventEnvelope[] = decided.map((event) =>
        createEvent(contracts[event.type], {
          streamId,
          tenantId,
          data: event.data as never,
          occurredAt,
          ...(trace.cause ? { cause: trace.cause } : {}),
          ...(trace.correlationId ? { correlationId: trace.correlationId } : {}),
        }),
      );
      const sealed = await Promise.all(envelopes.map((envelope) => this.codec.encode(envelope)));
      try {
        await this.eventStore.append(streamId, sealed.map(envelopeToEventToAppend), revision);
        return decided.map((event) => event.type);
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError)) throw error;
      }
    }
    throw new UserStreamConflictError(streamId, this.maxConflictAttempts);
  }
}
