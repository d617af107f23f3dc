import { InvalidAppendError, InvalidStreamIdError } from './errors.js';
import type { EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions } from './port.js';

/**
 * The rules every adapter applies before it talks to its backend, so bad input fails the
 * same way on PostgreSQL and EventStoreDB and never writes anything.
 */

const MAXIMUM_STREAM_ID_LENGTH = 1_000;
const MAXIMUM_EVENT_TYPE_LENGTH = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function assertValidStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string') throw new InvalidStreamIdError(streamId, 'it must be a string');
  if (streamId.length === 0) throw new InvalidStreamIdError(streamId, 'it is empty');
  if (streamId.length > MAXIMUM_STREAM_ID_LENGTH)
    throw new InvalidStreamIdError(streamId, `it is longer than ${MAXIMUM_STREAM_ID_LENGTH} characters`);
  // EventStoreDB reserves `$` names for system streams.
  if (streamId.startsWith('$'))
    throw new InvalidStreamIdError(streamId, 'names starting with "$" are reserved');
  if (CONTROL_CHARACTERS.test(streamId) || !streamId.isWellFormed())
    throw new InvalidStreamIdError(streamId, 'it contains control characters or broken unicode');
  if (streamId.trim() !== streamId)
    throw new InvalidStreamIdError(streamId, 'it starts or ends with white space');
}

export function assertValidExpectedRevision(streamId: string, expectedRevision: unknown): void {
  if (typeof expectedRevision === 'bigint') {
    if (expectedRevision < 0n)
      throw new InvalidAppendError(streamId, `expected revision ${expectedRevision} is negative`);
    return;
  }
  if (expectedRevision === 'any' || expectedRevision === 'no_stream' || expectedRevision === 'stream_exists')
    return;
  throw new InvalidAppendError(
    streamId,
    `expected revision must be "any", "no_stream", "stream_exists" or a bigint, not ${String(expectedRevision)}`,
  );
}

export function assertValidAppend(
  streamId: unknown,
  events: unknown,
  expectedRevision: ExpectedRevision,
): asserts events is readonly EventToAppend[] {
  assertValidStreamId(streamId);
  assertValidExpectedRevision(streamId, expectedRevision);
  if (!Array.isArray(events)) throw new InvalidAppendError(streamId, 'events must be an array');
  if (events.length === 0) throw new InvalidAppendError(streamId, 'there are no events to append');
  const ids = new Set<string>();
  events.forEach((event: unknown, index) => {
    if (event === null || typeof event !== 'object')
      throw new InvalidAppendError(streamId, 'it is not an object', index);
    const { id, type, data, metadata } = event as Record<string, unknown>;
    if (typeof id !== 'string' || !UUID.test(id))
      throw new InvalidAppendError(streamId, `id ${JSON.stringify(id)} is not a UUID`, index);
    if (ids.has(id.toLowerCase())) throw new InvalidAppendError(streamId, `id ${id} appears twice`, index);
    ids.add(id.toLowerCase());
    if (typeof type !== 'string' || type.length === 0 || type.length > MAXIMUM_EVENT_TYPE_LENGTH)
      throw new InvalidAppendError(
        streamId,
        `type must be a non-empty string of at most ${MAXIMUM_EVENT_TYPE_LENGTH} characters`,
        index,
      );
    if (type.startsWith('$') || CONTROL_CHARACTERS.test(type) || !type.isWellFormed())
      throw new InvalidAppendError(
        streamId,
        `type ${JSON.stringify(type)} is reserved or has control characters`,
        index,
      );
    assertJsonObject(streamId, index, 'data', data);
    if (metadata !== undefined) assertJsonObject(streamId, index, 'metadata', metadata);
  });
}

export function assertValidReadStream(streamId: unknown, options: ReadStreamOptions): void {
  assertValidStreamId(streamId);
  if (
    options.fromRevision !== undefined &&
    (typeof options.fromRevision !== 'bigint' || options.fromRevision < 0n)
  )
    throw new RangeError(`stream ${streamId}: fromRevision must be a bigint of 0 or more`);
  assertValidMaxCount(options.maxCount);
  if (
    options.direction !== undefined &&
    options.direction !== 'forwards' &&
    options.direction !== 'backwards'
  )
    throw new RangeError(`direction must be "forwards" or "backwards", not ${String(options.direction)}`);
}

export function assertValidReadAll(options: ReadAllOptions): void {
  assertValidMaxCount(options.maxCount);
}

function assertValidMaxCount(maxCount: unknown): void {
  if (maxCount === undefined) return;
  if (typeof maxCount !== 'number' || !Number.isSafeInteger(maxCount) || maxCount < 1)
    throw new RangeError(`maxCount must be a positive integer, not ${String(maxCount)}`);
}

/**
 * Only what survives a JSON round trip unchanged is accepted: PostgreSQL's jsonb and
 * EventStoreDB's JSON events would otherwise store something other than what was given
 * (a Date turns into a string, NaN into null) or fail half-way (a NUL character).
 */
function assertJsonObject(streamId: string, index: number, field: string, value: unknown): void {
  if (!isPlainObject(value))
    throw new InvalidAppendError(streamId, `${field} must be a plain JSON object`, index);
  const ancestors = new Set<object>();
  const visit = (current: unknown, path: string): void => {
    const fail = (reason: string) => new InvalidAppendError(streamId, `${path} ${reason}`, index);
    switch (typeof current) {
      case 'string':
        if (current.includes('\u0000') || !current.isWellFormed())
          throw fail('contains a NUL character or a lone surrogate');
        return;
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(current)) throw fail(`is ${current}, which JSON cannot represent`);
        return;
      case 'object': {
        if (current === null) return;
        if (ancestors.has(current)) throw fail('refers back to itself');
        ancestors.add(current);
        if (Array.isArray(current)) {
          current.forEach((item, position) => {
            if (item === undefined) throw fail(`[${position}] is undefined, which JSON cannot represent`);
            visit(item, `${path}[${position}]`);
          });
        } else if (isPlainObject(current)) {
          for (const [key, child] of Object.entries(current)) {
            if (key.includes('\u0000') || !key.isWellFormed())
              throw fail('has a key with a NUL character or a lone surrogate');
            // Absent optional fields (undefined) are dropped, as JSON.stringify does.
            if (child !== undefined) visit(child, `${path}.${key}`);
          }
        } else {
          throw fail(`is a ${current.constructor?.name ?? 'non-plain object'}, not plain JSON`);
        }
        ancestors.delete(current);
        return;
      }
      default:
        throw fail(`is a ${typeof current}, which JSON cannot represent`);
    }
  };
  visit(value, field);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  // Another realm's Object.prototype (structuredClone, vm contexts) counts as plain too.
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
