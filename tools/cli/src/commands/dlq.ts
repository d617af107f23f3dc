import { jetstreamManager } from '@nats-io/jetstream';
import {
  DeadLetterNotFoundError,
  busNames,
  listDeadLetters,
  readDeadLetter,
  replayDeadLetter,
  type ReplayedDeadLetter,
  type StoredDeadLetter,
} from '@scheduler/bus';
import { NotFoundError } from '../exit-codes.js';
import { type CliIo, writeLine } from '../io.js';
import { using } from '../resources.js';
import { busSettings } from '../settings.js';

const asNotFound = (error: unknown): never => {
  if (error instanceof DeadLetterNotFoundError) throw new NotFoundError('dead letter', `#${error.sequence}`);
  throw error;
};

/** `dlq list`: every dead letter, oldest first: its id, when and why it failed, for which consumer. */
export async function dlqList(io: CliIo, options: { json?: boolean }): Promise<StoredDeadLetter[]> {
  const settings = busSettings(io.environment);
  return using(async (resources) => {
    const manager = await jetstreamManager(await resources.nats(settings));
    const letters = await listDeadLetters(manager, busNames(settings.BUS_PREFIX));
    for (const { sequence, storedAt, letter } of letters) {
      if (options.json) {
        writeLine(
          io.stdout,
          JSON.stringify({
            id: sequence,
            storedAt,
            failedAt: letter.failedAt,
            reason: letter.reason,
            durable: letter.durable,
            subject: letter.subject,
            deliveryCount: letter.deliveryCount,
            error: letter.error,
          }),
        );
      } else {
        writeLine(
          io.stdout,
          [
            `#${sequence}`,
            letter.failedAt,
            letter.reason.padEnd(15),
            `deliveries ${letter.deliveryCount}`,
            letter.durable,
            letter.subject,
            `${letter.error.name}: ${letter.error.message}`,
          ].join('  '),
        );
      }
    }
    if (!options.json && letters.length === 0) writeLine(io.stderr, 'the dead-letter queue is empty');
    return letters;
  });
}

/** `dlq show <id>`: one dead letter in full, as JSON (the payload keeps its personal fields sealed). */
export async function dlqShow(io: CliIo, sequence: number): Promise<StoredDeadLetter> {
  const settings = busSettings(io.environment);
  return using(async (resources) => {
    const manager = await jetstreamManager(await resources.nats(settings));
    const stored = await readDeadLetter(manager, busNames(settings.BUS_PREFIX), sequence).catch(asNotFound);
    let payload: unknown = stored.letter.payload;
    try {
      payload = JSON.parse(stored.letter.payload);
    } catch {
      // Shown as the text it is: a payload that is not JSON is why some letters are here.
    }
    writeLine(
      io.stdout,
      JSON.stringify({ id: stored.sequence, storedAt: stored.storedAt, ...stored.letter, payload }, null, 2),
    );
    return stored;
  });
}

/**
 * `dlq replay <id>` / `dlq replay --all`: republishes to the original subject and removes the
 * letter once JetStream acknowledged the republish (replayDeadLetter). Every consumer of the
 * subject receives it again; handlers are idempotent. With --all, one failure stops the run and
 * leaves the rest listed.
 */
export async function dlqReplay(
  io: CliIo,
  target: { sequence: number } | { all: true },
): Promise<ReplayedDeadLetter[]> {
  const settings = busSettings(io.environment);
  return using(async (resources) => {
    const connection = await resources.nats(settings);
    const names = busNames(settings.BUS_PREFIX);
    const sequences =
      'all' in target
        ? (await listDeadLetters(await jetstreamManager(connection), names)).map((stored) => stored.sequence)
        : [target.sequence];
    const replayed: ReplayedDeadLetter[] = [];
    for (const sequence of sequences) {
      const result = await replayDeadLetter(connection, names, sequence).catch(asNotFound);
      replayed.push(result);
      writeLine(
        io.stdout,
        `replayed #${sequence} to ${result.subject} (${result.republishedAs.stream} #${result.republishedAs.sequence}` +
          `${result.republishedAs.duplicate ? ', a duplicate of an earlier replay' : ''}); removed from the dead-letter queue`,
      );
    }
    if (sequences.length === 0) writeLine(io.stderr, 'the dead-letter queue is empty');
    return replayed;
  });
}
