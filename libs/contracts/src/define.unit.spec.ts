import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  ContractViolationError,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  createEvent,
  defineEvent,
  exampleEvent,
  exampleEventData,
  exampleMeetingId,
  newUuidV7,
} from './index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The Unix milliseconds a UUIDv7 carries in its first 48 bits. */
const timeOf = (uuid: string) => parseInt(uuid.replaceAll('-', '').slice(0, 12), 16);

const ended = {
  streamId: `meeting-${exampleMeetingId}`,
  tenantId: 'example.com',
  data: exampleEventData.MeetingEnded[0],
};

describe('createEvent', () => {
  it('fills the envelope: a UUIDv7 id, type, version, time, and no cause', () => {
    const before = Date.now();
    const event = createEvent(MeetingEnded, ended);
    expect(event).toEqual({
      id: expect.stringMatching(UUID_V7),
      type: 'MeetingEnded',
      schemaVersion: 1,
      occurredAt: expect.any(String),
      streamId: ended.streamId,
      tenantId: 'example.com',
      correlationId: event.id,
      causationId: null,
      traceparent: null,
      data: ended.data,
    });
    expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(before);
    expect(timeOf(event.id)).toBeGreaterThanOrEqual(before);
  });

  it('starts a correlation with its own id when there is no cause', () => {
    const event = createEvent(MeetingEnded, ended);
    expect(event.correlationId).toBe(event.id);
    expect(event.causationId).toBeNull();
  });

  it('takes a given correlation id and traceparent when there is no cause (e.g. from an HTTP request)', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = createEvent(MeetingEnded, { ...ended, correlationId: 'http-request-7', traceparent });
    expect(event).toMatchObject({ correlationId: 'http-request-7', causationId: null, traceparent });
  });

  it('carries correlation and trace forward from its cause, which becomes the causation id', () => {
    const cause = createEvent(MeetingRequested, {
      streamId: `meeting-${exampleMeetingId}`,
      tenantId: 'example.com',
      data: exampleEventData.MeetingRequested[0],
      correlationId: 'http-request-7',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    const effect = createEvent(MeetingScheduled, {
      streamId: cause.streamId,
      tenantId: cause.tenantId,
      data: exampleEventData.MeetingScheduled[0],
      cause,
    });
    expect(effect).toMatchObject({
      correlationId: 'http-request-7',
      causationId: cause.id,
      traceparent: cause.traceparent,
    });
    expect(effect.id).not.toBe(cause.id);
    // And the chain goes on.
    const next = createEvent(MeetingEnded, { ...ended, cause: effect });
    expect(next).toMatchObject({ correlationId: 'http-request-7', causationId: effect.id });
  });

  it('prefers the cause over an explicit correlation id, and keeps an explicit traceparent when the cause has none', () => {
    const cause = { id: 'request-1', correlationId: 'flow-1', traceparent: null };
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = createEvent(MeetingEnded, { ...ended, cause, correlationId: 'ignored', traceparent });
    expect(event).toMatchObject({ correlationId: 'flow-1', causationId: 'request-1', traceparent });
  });

  it('uses a given id and time, e.g. for deterministic tests', () => {
    const id = newUuidV7(Date.parse('2026-11-26T09:00:00Z'));
    const event = createEvent(MeetingEnded, { ...ended, id, occurredAt: new Date('2026-11-26T09:00:00Z') });
    expect(event).toMatchObject({ id, occurredAt: '2026-11-26T09:00:00.000Z' });
  });

  it('validates what it builds, so an invalid event is never created', () => {
    expect(() =>
      createEvent(MeetingEnded, { ...ended, data: { ...ended.data, source: 'guess' as never } }),
    ).toThrow(ContractViolationError);
    expect(() => createEvent(MeetingEnded, { ...ended, streamId: 'user-1' })).toThrow(
      'MeetingEnded violates its contract: streamId: must be a "meeting-<id>" stream name',
    );
    expect(() => createEvent(MeetingEnded, { ...ended, id: 'not-a-uuid' })).toThrow('id: must be a UUIDv7');
  });

  it('returns the parsed output of the data schema', () => {
    const Defaulted = defineEvent({
      type: 'ThingCounted',
      producer: 'webex-bridge',
      category: 'thing',
      schemaVersion: 1,
      data: z.strictObject({ count: z.number().default(0) }),
    });
    expect(createEvent(Defaulted, { streamId: 'thing-1', tenantId: 'example.com', data: {} }).data).toEqual({
      count: 0,
    });
  });
});

describe('newUuidV7', () => {
  it('is a UUIDv7 whose first 48 bits are the given time', () => {
    const now = Date.parse('2026-11-26T09:00:00.123Z');
    const id = newUuidV7(now);
    expect(id).toMatch(UUID_V7);
    expect(timeOf(id)).toBe(now);
  });

  it('has a time prefix that never decreases between successive events', () => {
    const ids = Array.from({ length: 2000 }, () => createEvent(MeetingEnded, ended).id);
    const times = ids.map(timeOf);
    for (let index = 1; index < times.length; index++) {
      expect(times[index]).toBeGreaterThanOrEqual(times[index - 1]!);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts by time as text: a later millisecond gives a greater id', () => {
    const earlier = newUuidV7(Date.parse('2026-11-26T09:00:00.000Z'));
    const later = newUuidV7(Date.parse('2026-11-26T09:00:00.001Z'));
    expect(earlier < later).toBe(true);
  });
});

describe('defineEvent', () => {
  const data = z.strictObject({ thingId: z.string() });

  it.each([
    [
      'a type that is not PascalCase',
      { type: 'thingHappened', category: 'thing', schemaVersion: 1 },
      'PascalCase',
    ],
    [
      'a category that is not camelCase',
      { type: 'ThingHappened', category: 'Thing', schemaVersion: 1 },
      'camelCase',
    ],
    [
      'a category with a dot (it would split the subject)',
      { type: 'ThingHappened', category: 'thing.sub', schemaVersion: 1 },
      'camelCase',
    ],
    [
      'a schemaVersion of 0',
      { type: 'ThingHappened', category: 'thing', schemaVersion: 0 },
      'positive integer',
    ],
    [
      'a fractional schemaVersion',
      { type: 'ThingHappened', category: 'thing', schemaVersion: 1.5 },
      'positive integer',
    ],
  ])('refuses %s', (_name, definition, message) => {
    expect(() => defineEvent({ producer: 'webex-bridge', ...definition, data })).toThrow(message);
  });

  it('recognises its own events with is()', () => {
    const event = exampleEvent(MeetingEnded);
    expect(MeetingEnded.is(event)).toBe(true);
    expect(MeetingRequested.is(event)).toBe(false);
  });
});
