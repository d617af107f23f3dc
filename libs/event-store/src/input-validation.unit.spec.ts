import { describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createEventStore } from './create-event-store.js';
import { InvalidAppendError, InvalidStreamIdError, UnsupportedEventStoreUrlError } from './errors.js';
import { assertValidAppend, assertValidStreamId } from './input-validation.js';

const valid = () => ({ id: randomUUID(), type: 'MeetingScheduled', data: { title: 'Standup' } });

describe('input validation', () => {
  it('accepts ordinary stream names, including unicode ones', () => {
    for (const streamId of ['meeting-1', 'calendar-a@example.com', 'réunion-Ωμέγα-☕', 'single'])
      expect(() => assertValidStreamId(streamId)).not.toThrow();
  });

  it('accepts absent optional fields (undefined) the way JSON.stringify drops them', () => {
    expect(() =>
      assertValidAppend('meeting-1', [{ ...valid(), data: { title: 'x', notes: undefined } }], 'any'),
    ).not.toThrow();
  });

  it('names the stream, the event and the path at fault', () => {
    const error = (() => {
      try {
        assertValidAppend(
          'meeting-1',
          [valid(), { ...valid(), data: { nested: { when: new Date() } } }],
          'any',
        );
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect(error).toMatchObject({ streamId: 'meeting-1', eventIndex: 1 });
    expect((error as Error).message).toContain('data.nested.when');
  });

  it('refuses stream names that are not strings', () => {
    expect(() => assertValidStreamId(undefined)).toThrow(InvalidStreamIdError);
  });

  it('refuses expected revisions outside the port’s set', () => {
    expect(() => assertValidAppend('meeting-1', [valid()], 'latest' as never)).toThrow(InvalidAppendError);
    expect(() => assertValidAppend('meeting-1', [valid()], 3 as never)).toThrow(InvalidAppendError);
  });
});

describe('createEventStore', () => {
  it('refuses a URL scheme with no adapter, naming the scheme', async () => {
    await expect(createEventStore('mongodb://localhost/x')).rejects.toThrow(UnsupportedEventStoreUrlError);
    await expect(createEventStore('mongodb://localhost/x')).rejects.toMatchObject({ scheme: 'mongodb' });
  });
});
