import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { PublishFailedError } from '../errors.js';
import type { BusNames } from '../naming.js';
import type { DeadLetter } from './dead-letter.js';

/** A dead letter as the dead-letter stream holds it: its sequence there is its id. */
export interface StoredDeadLetter {
  readonly sequence: number;
  readonly storedAt: string;
  readonly letter: DeadLetter;
}

export interface ReplayedDeadLetter {
  readonly sequence: number;
  readonly subject: string;
  /** Where JetStream stored the republished message in the original subject's stream. */
  readonly republishedAs: { readonly stream: string; readonly sequence: number; readonly duplicate: boolean };
}

/** No dead letter under that sequence (never written, or replayed and removed). */
export class DeadLetterNotFoundError extends Error {
  constructor(
    readonly stream: string,
    readonly sequence: number,
  ) {
    super(`no dead letter #${sequence} in ${stream}`);
    this.name = 'DeadLetterNotFoundError';
  }
}

/** A message in the dead-letter stream that is not a dead letter the transport wrote. */
export class UnreadableDeadLetterError extends Error {
  constructor(
    readonly stream: string,
    readonly sequence: number,
    reason: string,
  ) {
    super(`message #${sequence} in ${stream} is not a dead letter: ${reason}`);
    this.name = 'UnreadableDeadLetterError';
  }
}

/** Set on a replayed message: the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'Scheduler-Replayed-From';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown; api_error?: { err_code?: unknown } } | undefined)?.api_error
    ?.err_code;
  return code === 10037 || (error instanceof Error && /no message found/i.test(error.message));
}

function isStreamNotFound(error: unknown): boolean {
  const code = (error as { api_error?: { err_code?: unknown } } | undefined)?.api_error?.err_code;
  return code === 10059 || (error instanceof Error && /stream not found/i.test(error.message));
}

async function fetchDeadLetter(
  manager: JetStreamManager,
  names: BusNames,
  sequence: number,
): Promise<StoredDeadLetter | undefined> {
  const stored = await manager.streams
    .getMessage(names.deadLetterStream, { seq: sequence })
    .catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    });
  if (!stored) return undefined;
  let letter: DeadLetter;
  try {
    letter = JSON.parse(decoder.decode(stored.data)) as DeadLetter;
  } catch (error) {
    throw new UnreadableDeadLetterError(names.deadLetterStream, sequence, (error as Error).message);
  }
  if (typeof letter?.subject !== 'string' || typeof letter.payload !== 'string') {
    throw new UnreadableDeadLetterError(names.deadLetterStream, sequence, 'no subject or payload');
  }
  return { sequence, storedAt: stored.time.toISOString(), letter };
}

/**
 * Every dead letter still in the dead-letter stream, oldest first (the transport writes them,
 * see publishDeadLetter; one subject per consumer durable). A stream nobody created yet holds none.
 */
export async function listDeadLetters(
  manager: JetStreamManager,
  names: BusNames,
): Promise<StoredDeadLetter[]> {
  const info = await manager.streams.info(names.deadLetterStream).catch((error: unknown) => {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  });
  if (!info || info.state.messages === 0) return [];
  const found: StoredDeadLetter[] = [];
  // Replayed letters are deleted, so the range has gaps; a gap reads as not found.
  for (let sequence = info.state.first_seq; sequence <= info.state.last_seq; sequence++) {
    const stored = await fetchDeadLetter(manager, names, sequence);
    if (stored) found.push(stored);
  }
  return found;
}

/** One dead letter by its sequence; DeadLetterNotFoundError when there is none. */
export async function readDeadLetter(
  manager: JetStreamManager,
  names: BusNames,
  sequence: number,
): Promise<StoredDeadLetter> {
  const stored = await fetchDeadLetter(manager, names, sequence).catch((error: unknown) => {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  });
  if (!stored) throw new DeadLetterNotFoundError(names.deadLetterStream, sequence);
  return stored;
}

/**
 * Publishes a dead letter's payload again to its original subject, with its original headers,
 * waits for JetStream's ack, and only then removes it from the dead-letter stream (a crash in
 * between leaves it listed; replaying it again is absorbed by the duplicate window). The
 * original Nats-Msg-Id (the event id) is replaced by one naming the dead letter: within the
 * duplicate window the event id would be dropped as a duplicate of the failed delivery.
 * Every consumer of the subject receives the message again; handlers are idempotent.
 */
export async function replayDeadLetter(
  connection: NatsConnection,
  names: BusNames,
  sequence: number,
): Promise<ReplayedDeadLetter> {
  const manager = await jetstreamManager(connection);
  const { letter } = await readDeadLetter(manager, names, sequence);
  const headers = natsHeaders();
  for (const [key, value] of Object.entries(letter.headers ?? {})) {
    if (key.toLowerCase() !== 'nats-msg-id') headers.set(key, value);
  }
  headers.set(REPLAYED_FROM_HEADER, `${names.deadLetterStream}:${sequence}`);
  const messageId = `dead-letter-replay:${names.deadLetterStream}:${sequence}`;
  let ack;
  try {
    ack = await jetstream(connection).publish(letter.subject, encoder.encode(letter.payload), {
      msgID: messageId,
      headers,
    });
  } catch (error) {
    throw new PublishFailedError(letter.subject, messageId, error);
  }
  await manager.streams.deleteMessage(names.deadLetterStream, sequence);
  return {
    sequence,
    subject: letter.subject,
    republishedAs: { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate },
  };
}
