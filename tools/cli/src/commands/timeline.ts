import { MeetingTimelineNotFoundError, type TimelineEntry, readMeetingTimeline } from '@scheduler/audit';
import { NotFoundError } from '../exit-codes.js';
import { type CliIo, writeLine } from '../io.js';
import { using } from '../resources.js';
import { auditSettings } from '../settings.js';

export type { TimelineEntry };

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
    const timeline = await readMeetingTimeline(store, codec, meetingId).catch((error: unknown) => {
      if (error instanceof MeetingTimelineNotFoundError) throw new NotFoundError('meeting', meetingId);
      throw error;
    });
    for (const entry of timeline.entries) {
      if (options.json) {
        writeLine(io.stdout, JSON.stringify(entry));
        continue;
      }
      const fields = Object.entries(entry.personal).map(([path, value]) => `${path}=${describeValue(value)}`);
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
