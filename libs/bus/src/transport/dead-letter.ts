import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { ContractViolationError } from '@scheduler/contracts';

export type DeadLetterReason = 'invalid-payload' | 'max-deliveries';

/** What a dead-letter message carries: enough to understand, fix and replay it. */
export interface DeadLetter {
  readonly reason: DeadLetterReason;
  readonly durable: string;
  readonly subject: string;
  readonly streamSequence: number;
  readonly deliveryCount: number;
  readonly error: { readonly name: string; readonly message: string; readonly issues?: unknown };
  readonly failedAt: string;
  readonly headers: Record<string, string>;
  /** The original payload, as UTF-8 text. */
  readonly payload: string;
}

const DeadLetterHeaders = {
  reason: 'Scheduler-Dead-Letter-Reason',
  deliveryCount: 'Scheduler-Delivery-Count',
  originalSubject: 'Scheduler-Original-Subject',
} as const;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function describeError(error: unknown): DeadLetter['error'] {
  if (error instanceof ContractViolationError) {
    return { name: error.name, message: error.message, issues: error.issues };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  // Nest's RPC exception filters answer with plain objects such as { status, message }.
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return { name: 'RpcError', message: (error as { message: string }).message };
  }
  return { name: 'NonError', message: String(error) };
}

/**
 * Copies a message to its dead-letter subject and waits for JetStream's ack. The message
 * id makes a second copy (after a crash before term) a duplicate the window absorbs.
 */
export async function publishDeadLetter(
  jetStream: JetStreamClient,
  subject: string,
  message: JsMsg,
  reason: DeadLetterReason,
  error: unknown,
): Promise<DeadLetter> {
  const originalHeaders: Record<string, string> = {};
  for (const [key, values] of message.headers ?? []) originalHeaders[key] = values.join(', ');
  const letter: DeadLetter = {
    reason,
    durable: message.info.consumer,
    subject: message.subject,
    streamSequence: message.info.streamSequence,
    deliveryCount: message.info.deliveryCount,
    error: describeError(error),
    failedAt: new Date().toISOString(),
    headers: originalHeaders,
    payload: decoder.decode(message.data),
  };
  const headers = natsHeaders();
  headers.set(DeadLetterHeaders.reason, reason);
  headers.set(DeadLetterHeaders.deliveryCount, String(letter.deliveryCount));
  headers.set(DeadLetterHeaders.originalSubject, message.subject);
  await jetStream.publish(subject, encoder.encode(JSON.stringify(letter)), {
    msgID: `${letter.durable}:${letter.streamSequence}`,
    headers,
  });
  return letter;
}
