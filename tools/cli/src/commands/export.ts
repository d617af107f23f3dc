import { eventContractsByType } from '@scheduler/contracts';
import { positionToString, recordedEventToEnvelope, type Position } from '@scheduler/event-store';
import { type CliIo, writeLineDrained } from '../io.js';
import { renderPersonalFields } from '@scheduler/audit';
import { using } from '../resources.js';
import { auditSettings } from '../settings.js';

const PAGE_SIZE = 1_000;

export interface ExportOptions {
  readonly since: Date;
  /** Emit personal fields opened; by default they are `[sealed]` (or `[redacted]` once purged). */
  readonly open?: boolean;
}

/**
 * `audit export --since <time>`: every event recorded at or after the time, in log order, as
 * NDJSON. Personal fields are `[sealed]` while their key exists and `[redacted]` once it was
 * destroyed, so an export can leave the deployment without carrying personal data; `--open`
 * prints them opened. The log is read from its start and filtered by time: positions are not
 * timestamps, and an export is a full read anyway.
 */
export async function auditExport(io: CliIo, options: ExportOptions): Promise<{ events: number }> {
  const settings = auditSettings(io.environment);
  return using(async (resources) => {
    const store = await resources.eventStore(settings.EVENT_STORE_URL);
    const { codec } = resources.personalData(settings);
    let after: Position | undefined;
    let exported = 0;
    for (;;) {
      const page = await store.readAll({ ...(after ? { after } : {}), maxCount: PAGE_SIZE });
      if (page.length === 0) break;
      after = page.at(-1)!.position;
      const selected = page.filter((event) => event.recordedAt.getTime() >= options.since.getTime());
      await codec.prefetchKeys(selected);
      for (const event of selected) {
        const envelope = recordedEventToEnvelope(event);
        const { data } = renderPersonalFields(await codec.open(envelope), options.open ? 'opened' : 'sealed');
        await writeLineDrained(
          io.stdout,
          JSON.stringify({
            position: positionToString(event.position),
            recordedAt: event.recordedAt.toISOString(),
            eventId: event.id,
            streamId: event.streamId,
            revision: Number(event.revision),
            type: event.type,
            schemaVersion: envelope.schemaVersion,
            producer: eventContractsByType.get(event.type)?.producer ?? 'unknown',
            occurredAt: envelope.occurredAt,
            tenantId: envelope.tenantId,
            correlationId: envelope.correlationId,
            causationId: envelope.causationId,
            data,
          }),
        );
        exported++;
      }
      if (page.length < PAGE_SIZE) break;
    }
    return { events: exported };
  });
}
