import { envelopeToEventToAppend, recordedEventToEnvelope } from '@scheduler/event-store';
import { describe, expect, it } from '@jest/globals';
import { MeetingCancelled, MeetingRequested, createEvent, newUuidV7 } from '@scheduler/contracts';
import { backoffDelay } from '@scheduler/resilience';
import { busNames, deadLetterSubject, durableName, eventSubject, recordedEventSubject } from '../naming.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { consumerFilter, decodeEnvelope } from './jetstream-server.js';

const encode = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('bus naming', () => {
  it('derives subjects from contracts, prefixed for isolation', () => {
    expect(eventSubject(busNames(), MeetingRequested)).toBe('evt.meeting.MeetingRequested');
    expect(eventSubject(busNames('t1'), MeetingRequested)).toBe('t1.evt.meeting.MeetingRequested');
    expect(recordedEventSubject(busNames(), { streamId: 'meeting-abc', type: 'MeetingRequested' })).toBe(
      'evt.meeting.MeetingRequested',
    );
    expect(deadLetterSubject(busNames(), 'webex-bridge')).toBe('dlq.webex-bridge');
    expect(busNames('t1')).toMatchObject({ eventStream: 'T1_EVENTS', deadLetterStream: 'T1_DEAD_LETTERS' });
  });

  it('rejects names NATS would misread', () => {
    expect(() => busNames('a.b')).toThrow(/prefix/);
    expect(() => durableName(busNames(), 'bad group')).toThrow(/handler group/);
  });
});

describe('consumer filters', () => {
  const names = busNames();
  it('uses the one subject, the category wildcard, or filter_subjects when the server has them', () => {
    expect(consumerFilter(['evt.meeting.A'], names, false)).toEqual({ filter_subject: 'evt.meeting.A' });
    expect(consumerFilter(['evt.meeting.A', 'evt.meeting.B'], names, false)).toEqual({
      filter_subject: 'evt.meeting.*',
    });
    expect(consumerFilter(['evt.meeting.A', 'evt.user.B'], names, false)).toEqual({
      filter_subject: 'evt.>',
    });
    expect(consumerFilter(['evt.user.B', 'evt.meeting.A'], names, true)).toEqual({
      filter_subjects: ['evt.meeting.A', 'evt.user.B'],
    });
  });
});

describe('decodeEnvelope', () => {
  const meetingId = newUuidV7();
  const event = createEvent(MeetingCancelled, {
    streamId: `meeting-${meetingId}`,
    tenantId: 'acme.example.com',
    data: { meetingId, reason: 'user-request' },
  });

  it('returns the validated envelope', async () => {
    await expect(decodeEnvelope(MeetingCancelled, encode(event))).resolves.toEqual(event);
  });

  it('rejects bytes that are not JSON, a payload of another type, and invalid data, with the path', async () => {
    await expect(decodeEnvelope(MeetingCancelled, encode('{"half'))).rejects.toThrow(/not UTF-8 JSON/);
    await expect(decodeEnvelope(MeetingCancelled, new Uint8Array([0xff, 0xfe]))).rejects.toThrow(
      /not UTF-8 JSON/,
    );
    await expect(decodeEnvelope(MeetingRequested, encode(event))).rejects.toThrow(
      /type: must be "MeetingRequested"/,
    );
    await expect(
      decodeEnvelope(MeetingCancelled, encode({ ...event, data: { meetingId, reason: 'x' } })),
    ).rejects.toThrow(/data\.reason/);
    await expect(decodeEnvelope(MeetingCancelled, encode({ ...event, schemaVersion: 9 }))).rejects.toThrow(
      /newer/,
    );
  });

  it('hands catalogue events to the opener (sealed personal data) after the type check', async () => {
    const opened: unknown[] = [];
    const open = async (raw: unknown) => {
      opened.push(raw);
      return event;
    };
    await expect(decodeEnvelope(MeetingCancelled, encode(event), open)).resolves.toBe(event);
    expect(opened).toEqual([JSON.parse(JSON.stringify(event))]);
    // A payload on the wrong subject never reaches the opener.
    await expect(decodeEnvelope(MeetingRequested, encode(event), open)).rejects.toThrow(/type: must be/);
    expect(opened).toHaveLength(1);
  });
});

describe('envelope ↔ event store mapping', () => {
  it('round-trips through a recorded event', () => {
    const meetingId = newUuidV7();
    const envelope = createEvent(MeetingCancelled, {
      streamId: `meeting-${meetingId}`,
      tenantId: 'acme.example.com',
      data: { meetingId, reason: 'user-request' },
    });
    const toAppend = envelopeToEventToAppend(envelope);
    const recorded = {
      ...toAppend,
      metadata: toAppend.metadata!,
      streamId: envelope.streamId,
      revision: 0n,
      position: { commit: 1n, prepare: 1n },
      recordedAt: new Date(),
    };
    expect(recordedEventToEnvelope(recorded)).toEqual(envelope);
  });
});

describe('retry delay', () => {
  // The server naks with backoffDelay(deliveryCount, retryDelay).
  it('grows exponentially up to the cap, jittered within its upper half', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(1, { ...policy, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...policy, random: () => 1 })).toBe(100);
    expect(backoffDelay(3, { ...policy, random: () => 1 })).toBe(400);
    expect(backoffDelay(30, { ...policy, random: () => 1 })).toBe(1_000);
  });
});

describe('ConcurrencyLimit', () => {
  it('admits at most the limit and hands slots over in order', async () => {
    const limit = new ConcurrencyLimit(2);
    const order: number[] = [];
    await limit.acquire();
    await limit.acquire();
    const third = limit.acquire().then(() => order.push(3));
    const fourth = limit.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    limit.release();
    await third;
    limit.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(() => new ConcurrencyLimit(0)).toThrow();
  });
});
