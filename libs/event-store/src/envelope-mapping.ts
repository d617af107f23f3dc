import type { EventEnvelope } from '@scheduler/contracts';
import type { EventToAppend, JsonObject, RecordedEvent } from './port.js';

/**
 * The one mapping between the contracts' EventEnvelope and the event store: `data` is the
 * stored data, the envelope's other fields (besides id, type and streamId, which the store
 * keeps itself) are the stored metadata.
 */
export function envelopeToEventToAppend(envelope: EventEnvelope): EventToAppend {
  return {
    id: envelope.id,
    type: envelope.type,
    data: envelope.data as JsonObject,
    metadata: {
      schemaVersion: envelope.schemaVersion,
      occurredAt: envelope.occurredAt,
      tenantId: envelope.tenantId,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      traceparent: envelope.traceparent,
    },
  };
}

/**
 * Rebuilds the envelope of a stored event, unvalidated: consumers validate it with the
 * contract, so a stored event that no longer satisfies its contract reaches dead-letter
 * with the reason instead of stopping the relay.
 */
export function recordedEventToEnvelope(event: RecordedEvent): EventEnvelope {
  const metadata = event.metadata;
  return {
    id: event.id,
    type: event.type,
    schemaVersion: metadata.schemaVersion as number,
    occurredAt: metadata.occurredAt as string,
    streamId: event.streamId,
    tenantId: metadata.tenantId as string,
    correlationId: metadata.correlationId as string,
    causationId: (metadata.causationId as string | null | undefined) ?? null,
    traceparent: (metadata.traceparent as string | null | undefined) ?? null,
    data: event.data,
  };
}
