import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { EventEnvelope } from '@scheduler/contracts';

/** NATS headers the bus sets on every event besides Nats-Msg-Id (= the event id). */
export const BusHeaders = {
  /** W3C trace context, carried across the hop so one trace spans the services. */
  traceparent: 'traceparent',
  correlationId: 'Scheduler-Correlation-Id',
  /** The event-store stream: the transport keeps one stream's events in order. */
  streamId: 'Scheduler-Stream-Id',
  eventType: 'Scheduler-Event-Type',
  /** Milliseconds since the epoch when the event was committed; relay lag and latency. */
  committedAt: 'Scheduler-Committed-At',
} as const;

const encoder = new TextEncoder();

export function encodeEnvelope(envelope: EventEnvelope): Uint8Array {
  return encoder.encode(JSON.stringify(envelope));
}

export function envelopeHeaders(envelope: EventEnvelope, committedAt?: Date): MsgHdrs {
  const headers = natsHeaders();
  headers.set(BusHeaders.correlationId, String(envelope.correlationId));
  headers.set(BusHeaders.streamId, String(envelope.streamId));
  headers.set(BusHeaders.eventType, String(envelope.type));
  if (envelope.traceparent) headers.set(BusHeaders.traceparent, envelope.traceparent);
  if (committedAt) headers.set(BusHeaders.committedAt, String(committedAt.getTime()));
  return headers;
}
