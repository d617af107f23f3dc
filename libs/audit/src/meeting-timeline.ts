import { eventContractsByType } from '@scheduler/contracts';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import {
  type EventStore,
  StreamDeletedError,
  StreamNotFoundError,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import { renderPersonalFields } from './personal-fields.js';

export interface TimelineEntry {
  readonly revision: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly type: string;
  /** The service that appended it: the contract's producer. */
  readonly producer: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly eventId: string;
  /** Personal fields opened, or `[redacted]` once the meeting's key was destroyed. */
  readonly personal: Record<string, unknown>;
}

export interface MeetingTimeline {
  readonly meetingId: string;
  /** The tenant its events were recorded for (every event of a meeting names the same one). */
  readonly tenantId: string;
  /** Oldest first. */
  readonly entries: readonly TimelineEntry[];
}

/** The meeting has no stream (never requested, or an id of something else). */
export class MeetingTimelineNotFoundError extends Error {
  override readonly name = 'MeetingTimelineNotFoundError';
  constructor(readonly meetingId: string) {
    super(`no meeting ${meetingId} in the event log`);
  }
}

/**
 * A meeting's audit timeline: its stream (`meeting-<meetingId>`), oldest first, each event with
 * its time, type, producing service, correlation and the personal fields opened with the
 * deployment's keys (`[redacted]` once the purge destroyed the key). The admin CLI prints it;
 * the gateway's audit page shows it.
 */
export async function readMeetingTimeline(
  store: EventStore,
  codec: PersonalDataCodec,
  meetingId: string,
): Promise<MeetingTimeline> {
  const recorded = await store.readStream(`meeting-${meetingId}`).catch((error: unknown) => {
    if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError)
      throw new MeetingTimelineNotFoundError(meetingId);
    throw error;
  });
  if (recorded.length === 0) throw new MeetingTimelineNotFoundError(meetingId);
  await codec.prefetchKeys(recorded);
  const entries: TimelineEntry[] = [];
  let tenantId = '';
  for (const event of recorded) {
    const envelope = recordedEventToEnvelope(event);
    tenantId ||= envelope.tenantId;
    const { personal } = renderPersonalFields(await codec.open(envelope), 'opened');
    entries.push({
      revision: Number(event.revision),
      occurredAt: envelope.occurredAt,
      recordedAt: event.recordedAt.toISOString(),
      type: event.type,
      producer: eventContractsByType.get(event.type)?.producer ?? 'unknown',
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      eventId: event.id,
      personal,
    });
  }
  return { meetingId, tenantId, entries };
}
