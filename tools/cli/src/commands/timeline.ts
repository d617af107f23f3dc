import { eventContractsByType } from '@scheduler/contracts';
import { StreamNotFoundError, StreamDeletedError, recordedEventToEnvelope } from '@scheduler/event-store';
import { NotFoundError } from '../exit-codes.js';
import { type CliIo, writeLine } from '../io.js';
import { renderPersonalFields } from '../personal-fields.js';
import { using } from '../resources.js';
import { auditSettings } from '../settings.js';

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

const describeValue = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** `audit timeline <meetingId>`: the meeting's stream, oldest first, personal fields opened. */
export async function auditTimeline(
  io: CliIo,
  meetingId: string,
  options: { json?: boolean },
): Promise<void> {
  const settings = auditSettings(io.environment);
  await using(async (resources) => {
    const store = await resources.eventStore(settings.EVENT_STORE_URL);
    const { codec } = resources.personalData(settings);
    const streamId = `meeting-${meetingId}`;
    const recorded = await store.readStream(streamId).catch((error: unknown) => {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError)
        throw new NotFoundError('meeting', meetingId);
      throw error;
    });
    await codec.prefetchKeys(recorded);
    for (const event of recorded) {
      const envelope = recordedEventToEnvelope(event);
      const { personal } = renderPersonalFields(await codec.open(envelope), 'opened');
      const entry: TimelineEntry = {
        revision: Number(event.revision),
        occurredAt: envelope.occurredAt,
        recordedAt: event.recordedAt.toISOString(),
        type: event.type,
        producer: eventContractsByType.get(event.type)?.producer ?? 'unknown',
        correlationId: envelope.correlationId,
        causationId: envelope.causationId,
        eventId: event.id,
        personal,
      };
      if (options.json) {
        writeLine(io.stdout, JSON.stringify(entry));
        continue;
      }
      const fields = Object.entries(personal).map(([path, value]) => `${path}=${describeValue(value)}`);
      writeLine(
        io.stdout,
        [
          entry.occurredAt,
          entry.type.padEnd(26),
          entry.producer.padEnd(13),
          `correlation ${entry.correlationId}`,
          ...fields,
        ].join('  '),
      );
    }
  });
}
