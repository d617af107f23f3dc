import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { eventually, uniqueName } from '@scheduler/testing';
import {
  InvalidAppendError,
  InvalidStreamIdError,
  StreamDeletedError,
  StreamNotFoundError,
  ExpectedVersionConflictError,
} from '../errors.js';
import {
  comparePositions,
  positionFromString,
  positionToString,
  type AllSubscription,
  type EventStore,
  type EventToAppend,
  type Position,
  type RecordedEvent,
  type SubscriptionItem,
} from '../port.js';

/**
 * The one conformance suite of the EventStore port: every adapter runs it unchanged.
 * It only asserts what the port promises, so anything backend-specific (PostgreSQL's
 * ordering guard, EventStoreDB's scavenging) lives in the adapter's own spec.
 */
export function describeEventStoreConformance(
  adapterName: string,
  createStore: () => Promise<EventStore>,
): void {
  describe(`EventStore conformance: ${adapterName}`, () => {
    let store: EventStore;
    beforeAll(async () => {
      store = await createStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    const newCategory = () => uniqueName('conformance').replaceAll('_', '');
    const newStream = () => `${newCategory()}-${randomUUID()}`;

    describe('expected revision', () => {
      it('no_stream creates a stream; revisions count from 0', async () => {
        const stream = newStream();
        const result = await store.append(
          stream,
          [event('Created'), event('Renamed'), event('Renamed')],
          'no_stream',
        );
        expect(result.nextExpectedRevision).toBe(2n);
        const events = await store.readStream(stream);
        expect(events.map((recorded) => recorded.revision)).toEqual([0n, 1n, 2n]);
      });

      it('no_stream on an existing stream fails with the actual revision and writes nothing', async () => {
        const stream = newStream();
        await store.append(stream, [event('Created')], 'no_stream');
        const error = await store
          .append(stream, [event('Again')], 'no_stream')
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0n });
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('an exact revision appends when it matches', async () => {
        const stream = newStream();
        const first = await store.append(stream, [event('Created')], 'no_stream');
        const second = await store.append(stream, [event('Renamed')], first.nextExpectedRevision);
        expect(second.nextExpectedRevision).toBe(1n);
        const third = await store.append(stream, [event('A'), event('B')], 1n);
        expect(third.nextExpectedRevision).toBe(3n);
      });

      it('a stale exact revision fails with stream, expected and actual, and writes nothing', async () => {
        const stream = newStream();
        await store.append(stream, [event('Created'), event('Renamed')], 'no_stream');
        const error = await store.append(stream, [event('Late')], 0n).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(error).toMatchObject({ streamId: stream, expected: 0n, actual: 1n });
        expect((error as Error).message).toContain(stream);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('an exact revision on a missing stream fails with actual no_stream', async () => {
        const stream = newStream();
        const error = await store.append(stream, [event('Created')], 0n).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ExpectedVersionConflictError);
        expect(error).toMatchObject({ streamId: stream, expected: 0n, actual: 'no_stream' });
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('stream_exists fails on a missing stream and appends to an existing one', async () => {
        const stream = newStream();
        await expect(store.append(stream, [event('Created')], 'stream_exists')).rejects.toMatchObject({
          name: 'ExpectedVersionConflictError',
          streamId: stream,
          actual: 'no_stream',
        });
        await store.append(stream, [event('Created')], 'no_stream');
        const result = await store.append(stream, [event('Renamed')], 'stream_exists');
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('any appends to a new and to an existing stream', async () => {
        const stream = newStream();
        expect((await store.append(stream, [event('Created')], 'any')).nextExpectedRevision).toBe(0n);
        expect((await store.append(stream, [event('Renamed')], 'any')).nextExpectedRevision).toBe(1n);
      });

      it('20 writers racing on one stream: exactly one wins each revision', async () => {
        const stream = newStream();
        await store.append(stream, [event('Created')], 'no_stream');
        let revision = 0n;
        for (let round = 0; round < 5; round++) {
          const outcomes = await Promise.allSettled(
            Array.from({ length: 20 }, (_, writer) =>
              store.append(stream, [event('Raced', { round, writer })], revision),
            ),
          );
          const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
          const losers = outcomes.filter((outcome) => outcome.status === 'rejected');
          expect(winners).toHaveLength(1);
          for (const loser of losers)
            expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(ExpectedVersionConflictError);
          revision = (winners[0] as PromiseFulfilledResult<{ nextExpectedRevision: bigint }>).value
            .nextExpectedRevision;
          expect(revision).toBe(BigInt(round + 1));
        }
        const events = await store.readStream(stream);
        expect(events.map((recorded) => recorded.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
        expect(events.slice(1).map((recorded) => recorded.data.round)).toEqual([0, 1, 2, 3, 4]);
      });
    });

    describe('appending and reading a stream', () => {
      it('a multi-event append is one unit: contiguous revisions, ascending positions, the returned position is the last', async () => {
        const stream = newStream();
        const batch = Array.from({ length: 10 }, (_, index) => event('Batched', { index }));
        const result = await store.append(stream, batch, 'no_stream');
        const events = await store.readStream(stream);
        expect(events.map((recorded) => recorded.id)).toEqual(batch.map((appended) => appended.id));
        expect(events.map((recorded) => recorded.revision)).toEqual(batch.map((_, index) => BigInt(index)));
        assertStrictlyAscending(events.map((recorded) => recorded.position));
        expect(positionToString(events.at(-1)!.position)).toBe(positionToString(result.position));
      });

      it('round-trips id, type, data, metadata and the recording time', async () => {
        const stream = newStream();
        const before = Date.now();
        const appended = event(
          'MeetingScheduled',
          { title: 'Standup', attendees: ['a@example.com'], nested: { n: 1.5, flag: false, none: null } },
          {
            correlationId: 'c-1',
          },
        );
        const plain = event('NoMetadata');
        await store.append(
          stream,
          [appended, { id: plain.id, type: plain.type, data: plain.data }],
          'no_stream',
        );
        const [first, second] = await store.readStream(stream);
        expect(first).toMatchObject({
          id: appended.id,
          streamId: stream,
          revision: 0n,
          type: 'MeetingScheduled',
          data: appended.data,
          metadata: appended.metadata,
        });
        expect(second!.metadata).toEqual({});
        expect(first!.recordedAt).toBeInstanceOf(Date);
        expect(first!.recordedAt.getTime()).toBeGreaterThan(before - 60_000);
        expect(first!.recordedAt.getTime()).toBeLessThan(Date.now() + 60_000);
      });

      it('reads forwards from a revision with a maxCount', async () => {
        const stream = newStream();
        await store.append(
          stream,
          Array.from({ length: 10 }, (_, index) => event('E', { index })),
          'no_stream',
        );
        const events = await store.readStream(stream, { fromRevision: 3n, maxCount: 4 });
        expect(events.map((recorded) => recorded.revision)).toEqual([3n, 4n, 5n, 6n]);
        expect(await store.readStream(stream, { fromRevision: 10n })).toEqual([]);
      });

      it('reads backwards from the end, and from a revision', async () => {
        const stream = newStream();
        await store.append(
          stream,
          Array.from({ length: 6 }, (_, index) => event('E', { index })),
          'no_stream',
        );
        const fromEnd = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(fromEnd.map((recorded) => recorded.revision)).toEqual([5n, 4n]);
        const fromRevision = await store.readStream(stream, { direction: 'backwards', fromRevision: 2n });
        expect(fromRevision.map((recorded) => recorded.revision)).toEqual([2n, 1n, 0n]);
      });

      it('reading a stream that does not exist throws StreamNotFoundError', async () => {
        const stream = newStream();
        const error = await store.readStream(stream).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StreamNotFoundError);
        expect(error).toMatchObject({ streamId: stream });
      });

      it('stores large events (500 kB) intact', async () => {
        const stream = newStream();
        const big = 'x'.repeat(250_000) + 'é'.repeat(125_000);
        const items = Array.from({ length: 500 }, (_, index) => ({ index, label: `item ${index}` }));
        await store.append(stream, [event('Large', { big, items })], 'no_stream');
        const [recorded] = await store.readStream(stream);
        expect(recorded!.data.big).toBe(big);
        expect(recorded!.data.items).toEqual(items);
      });

      it('keeps unicode intact in stream names, types, data and metadata', async () => {
        const category = `réunion${randomUUID().slice(0, 8)}`;
        const stream = `${category}-Ωμέγα-会議-☕`;
        const data = {
          title: 'Café ☕ 👩‍💻 قهوة 日本語',
          emoji: '🎉🏳️‍🌈',
          escapes: 'quote " backslash \\ tab \t',
        };
        await store.append(stream, [event('Überprüft', data, { note: 'ñ' })], 'no_stream');
        const [recorded] = await store.readStream(stream);
        expect(recorded).toMatchObject({
          streamId: stream,
          type: 'Überprüft',
          data,
          metadata: { note: 'ñ' },
        });
        await eventually(async () => {
          const all = await store.readAll({ filter: { categories: [category] } });
          expect(all.map((found) => found.streamId)).toEqual([stream]);
        });
      });
    });

    describe('reading all', () => {
      it('reads strictly after a position, in global order, with a maxCount', async () => {
        const category = newCategory();
        const first = await store.append(`${category}-1`, [event('A')], 'no_stream');
        await store.append(`${category}-2`, [event('B'), event('C')], 'no_stream');
        await store.append(`${category}-1`, [event('D')], 0n);
        const events = await eventually(async () => {
          const found = await store.readAll({ after: first.position, filter: { categories: [category] } });
          expect(found).toHaveLength(3);
          return found;
        });
        expect(events.map((recorded) => recorded.type)).toEqual(['B', 'C', 'D']);
        assertStrictlyAscending(events.map((recorded) => recorded.position));
        const limited = await store.readAll({
          after: first.position,
          maxCount: 2,
          filter: { categories: [category] },
        });
        expect(limited.map((recorded) => recorded.type)).toEqual(['B', 'C']);
      });

      it('positions read back equal the positions appends returned, and survive the string form', async () => {
        const category = newCategory();
        const result = await store.append(`${category}-1`, [event('A')], 'no_stream');
        const [recorded] = await eventually(async () => {
          const found = await store.readAll({ filter: { categories: [category] } });
          expect(found).toHaveLength(1);
          return found;
        });
        expect(comparePositions(recorded!.position, result.position)).toBe(0);
        expect(positionFromString(positionToString(result.position))).toEqual(result.position);
      });

      it('filters by category', async () => {
        const wanted = newCategory();
        const other = newCategory();
        await store.append(`${wanted}-1`, [event('A')], 'no_stream');
        await store.append(`${other}-1`, [event('A')], 'no_stream');
        await store.append(`${wanted}-2`, [event('B')], 'no_stream');
        // A category is the whole part before the first dash, not a prefix of it.
        await store.append(`${wanted}x-1`, [event('A')], 'no_stream');
        const events = await eventually(async () => {
          const found = await store.readAll({ filter: { categories: [wanted] } });
          expect(found).toHaveLength(2);
          return found;
        });
        expect(events.map((recorded) => recorded.streamId)).toEqual([`${wanted}-1`, `${wanted}-2`]);
      });

      it('filters by event type, and by category and type together', async () => {
        const category = newCategory();
        const other = newCategory();
        const start = await store.append(`${category}-0`, [event('Ignored')], 'no_stream');
        const typeA = `TypeA${randomUUID().slice(0, 8)}`;
        const typeB = `TypeB${randomUUID().slice(0, 8)}`;
        await store.append(`${category}-1`, [event(typeA), event(typeB), event('Other')], 'no_stream');
        await store.append(`${other}-1`, [event(typeA)], 'no_stream');
        const byType = await eventually(async () => {
          const found = await store.readAll({ after: start.position, filter: { types: [typeA, typeB] } });
          expect(found).toHaveLength(3);
          return found;
        });
        expect(byType.map((recorded) => `${recorded.streamId}/${recorded.type}`)).toEqual([
          `${category}-1/${typeA}`,
          `${category}-1/${typeB}`,
          `${other}-1/${typeA}`,
        ]);
        const both = await store.readAll({
          after: start.position,
          filter: { categories: [category], types: [typeA] },
        });
        expect(both.map((recorded) => `${recorded.streamId}/${recorded.type}`)).toEqual([
          `${category}-1/${typeA}`,
        ]);
      });
    });

    describe('subscribing to all', () => {
      it('catches up, says caughtUp once, then follows live', async () => {
        const category = newCategory();
        const start = await store.append(`${category}-0`, [event('Before')], 'no_stream');
        await store.append(`${category}-1`, [event('Old1'), event('Old2')], 'no_stream');
        const collector = collect(store.subscribeToAll({ after: start.position }));
        try {
          await eventually(() => expect(collector.items.some((item) => item.kind === 'caughtUp')).toBe(true));
          await store.append(`${category}-1`, [event('Live')], 1n);
          await eventually(() => expect(collector.typesIn(category)).toEqual(['Old1', 'Old2', 'Live']));
          expect(collector.items.filter((item) => item.kind === 'caughtUp')).toHaveLength(1);
          const caughtUpIndex = collector.items.findIndex((item) => item.kind === 'caughtUp');
          const liveIndex = collector.items.findIndex(
            (item) => item.kind === 'event' && item.event.type === 'Live',
          );
          expect(caughtUpIndex).toBeLessThan(liveIndex);
        } finally {
          await collector.close();
        }
      });

      it('concurrent appends across streams while a live subscription runs: every event once, in global order', async () => {
        const category = newCategory();
        const start = await store.append(`${category}-start`, [event('Start')], 'no_stream');
        const collector = collect(store.subscribeToAll({ after: start.position }));
        try {
          await eventually(() => expect(collector.items.some((item) => item.kind === 'caughtUp')).toBe(true));
          const writers = 8;
          const appendsPerWriter = 15;
          const appendedIds: string[] = [];
          await Promise.all(
            Array.from({ length: writers }, async (_, writer) => {
              for (let index = 0; index < appendsPerWriter; index++) {
                // Writers share streams, so appends to one stream also race (with any).
                const stream = `${category}-${(writer + index) % 6}`;
                const batch = [
                  event('Concurrent', { writer, index }),
                  event('Concurrent', { writer, index, second: true }),
                ];
                appendedIds.push(...batch.map((appended) => appended.id));
                await store.append(stream, batch, 'any');
              }
            }),
          );
          await eventually(
            () => expect(collector.eventsIn(category)).toHaveLength(appendedIds.length),
            20_000,
          );
          const delivered = collector.eventsIn(category);
          expect(new Set(delivered.map((recorded) => recorded.id)).size).toBe(delivered.length);
          expect(new Set(delivered.map((recorded) => recorded.id))).toEqual(new Set(appendedIds));
          assertStrictlyAscending(collector.events().map((recorded) => recorded.position));
          // Global order keeps each stream's order.
          const byStream = new Map<string, bigint[]>();
          for (const recorded of delivered)
            byStream.set(recorded.streamId, [...(byStream.get(recorded.streamId) ?? []), recorded.revision]);
          for (const revisions of byStream.values())
            expect(revisions).toEqual(revisions.map((_, index) => BigInt(index)));
          // A later catch-up read agrees with what was delivered live.
          const read = await store.readAll({ after: start.position, filter: { categories: [category] } });
          expect(read.map((recorded) => recorded.id)).toEqual(delivered.map((recorded) => recorded.id));
        } finally {
          await collector.close();
        }
      });

      it('resumes from a stored checkpoint with exactly the events it had not delivered', async () => {
        const category = newCategory();
        const start = await store.append(`${category}-0`, [event('Start')], 'no_stream');
        await store.append(`${category}-1`, [event('One'), event('Two')], 'no_stream');
        const first = collect(
          store.subscribeToAll({ after: start.position, filter: { categories: [category] } }),
        );
        let checkpoint: Position;
        try {
          await eventually(() => expect(first.typesIn(category)).toEqual(['One', 'Two']));
          // What a relay stores: the later of its last event and its last checkpoint (a
          // backend may or may not checkpoint at the live end).
          const resumePoints = [
            ...first.eventsIn(category).map((recorded) => recorded.position),
            ...first.checkpoints(),
          ];
          const latest = resumePoints.reduce((later, position) =>
            comparePositions(position, later) > 0 ? position : later,
          );
          checkpoint = positionFromString(positionToString(latest));
        } finally {
          await first.close();
        }
        await store.append(`${category}-1`, [event('Three')], 1n);
        await store.append(`${category}-2`, [event('Four')], 'no_stream');
        const second = collect(
          store.subscribeToAll({ after: checkpoint, filter: { categories: [category] } }),
        );
        try {
          await eventually(() => expect(second.typesIn(category)).toEqual(['Three', 'Four']));
          await new Promise((resolve) => setTimeout(resolve, 200));
          expect(second.typesIn(category)).toEqual(['Three', 'Four']);
        } finally {
          await second.close();
        }
      });

      it('a filtered subscription delivers only matching events', async () => {
        const category = newCategory();
        const other = newCategory();
        const start = await store.append(`${category}-0`, [event('Start')], 'no_stream');
        const wantedType = `Wanted${randomUUID().slice(0, 8)}`;
        const collector = collect(
          store.subscribeToAll({ after: start.position, filter: { types: [wantedType] } }),
        );
        try {
          await store.append(`${category}-1`, [event(wantedType), event('Unwanted')], 'no_stream');
          await store.append(`${other}-1`, [event('Unwanted'), event(wantedType)], 'no_stream');
          await eventually(() => expect(collector.events()).toHaveLength(2));
          expect(collector.events().map((recorded) => `${recorded.streamId}/${recorded.type}`)).toEqual([
            `${category}-1/${wantedType}`,
            `${other}-1/${wantedType}`,
          ]);
        } finally {
          await collector.close();
        }
      });

      it('close() ends a waiting iteration promptly', async () => {
        const subscription = store.subscribeToAll({ filter: { categories: [newCategory()] } });
        const items: SubscriptionItem[] = [];
        const finished = (async () => {
          for await (const item of subscription) items.push(item);
        })();
        await eventually(() => expect(items.some((item) => item.kind === 'caughtUp')).toBe(true));
        const startedClosing = Date.now();
        await subscription.close();
        await finished;
        expect(Date.now() - startedClosing).toBeLessThan(5_000);
      });
    });

    describe('deleting', () => {
      it('soft delete: the stream reads as not found; a later append continues after its last revision', async () => {
        const stream = newStream();
        await store.append(stream, [event('A'), event('B'), event('C')], 'no_stream');
        await store.deleteStream(stream, 2n);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
        const result = await store.append(stream, [event('D')], 'any');
        expect(result.nextExpectedRevision).toBe(3n);
        const events = await eventually(async () => {
          const found = await store.readStream(stream);
          expect(found.map((recorded) => recorded.type)).toEqual(['D']);
          return found;
        });
        expect(events[0]!.revision).toBe(3n);
      });

      it('soft delete with a stale expected revision fails and leaves the stream readable', async () => {
        const stream = newStream();
        await store.append(stream, [event('A'), event('B')], 'no_stream');
        await expect(store.deleteStream(stream, 0n)).rejects.toMatchObject({
          name: 'ExpectedVersionConflictError',
          streamId: stream,
          expected: 0n,
          actual: 1n,
        });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('tombstone: reads, appends and deletes of the stream throw StreamDeletedError for ever', async () => {
        const stream = newStream();
        await store.append(stream, [event('Personal', { email: 'someone@example.com' })], 'no_stream');
        await store.tombstoneStream(stream, 0n);
        const readError = await store.readStream(stream).catch((caught: unknown) => caught);
        expect(readError).toBeInstanceOf(StreamDeletedError);
        expect(readError).toMatchObject({ streamId: stream });
        await expect(store.append(stream, [event('Again')], 'any')).rejects.toBeInstanceOf(
          StreamDeletedError,
        );
        await expect(store.append(stream, [event('Again')], 'no_stream')).rejects.toBeInstanceOf(
          StreamDeletedError,
        );
        await expect(store.tombstoneStream(stream, 'any')).rejects.toBeInstanceOf(StreamDeletedError);
      });

      it('tombstone with a stale expected revision fails and leaves the stream readable', async () => {
        const stream = newStream();
        await store.append(stream, [event('A'), event('B')], 'no_stream');
        await expect(store.tombstoneStream(stream, 5n)).rejects.toBeInstanceOf(ExpectedVersionConflictError);
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });

    describe('bad input', () => {
      it('invalid stream names give InvalidStreamIdError and write nothing', async () => {
        const category = newCategory();
        for (const streamId of ['', '$system', ' padded', `${category}-tab\there`, 'x'.repeat(1_001), 42]) {
          const error = await store
            .append(streamId as string, [event('A')], 'any')
            .catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(InvalidStreamIdError);
        }
        await expect(store.readStream('')).rejects.toBeInstanceOf(InvalidStreamIdError);
        await expect(store.deleteStream('$system', 'any')).rejects.toBeInstanceOf(InvalidStreamIdError);
        expect(await store.readAll({ filter: { categories: [category] } })).toEqual([]);
      });

      it('an empty event list gives InvalidAppendError and creates no stream', async () => {
        const stream = newStream();
        const error = await store.append(stream, [], 'no_stream').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(InvalidAppendError);
        expect(error).toMatchObject({ streamId: stream });
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('non-JSON data, bad ids and bad types give InvalidAppendError naming the event, and the batch writes nothing', async () => {
        const stream = newStream();
        const circular: Record<string, unknown> = { name: 'loop' };
        circular.self = circular;
        const badEvents: Array<[string, EventToAppend]> = [
          ['bigint', { ...event('A'), data: { amount: 10n } }],
          ['function', { ...event('A'), data: { call: () => 1 } }],
          ['Date', { ...event('A'), data: { at: new Date() } }],
          ['NaN', { ...event('A'), data: { value: Number.NaN } }],
          ['circular', { ...event('A'), data: circular }],
          ['NUL', { ...event('A'), data: { text: 'a\u0000b' } }],
          ['lone surrogate', { ...event('A'), data: { text: '\ud800' } }],
          ['array data', { ...event('A'), data: [1, 2] as unknown as Record<string, unknown> }],
          ['metadata', { ...event('A'), metadata: { at: new Map() } }],
          ['id', { ...event('A'), id: 'not-a-uuid' }],
          ['type', { ...event('A'), type: '' }],
          ['system type', { ...event('A'), type: '$metadata' }],
        ];
        for (const [label, bad] of badEvents) {
          const error = await store
            .append(stream, [event('Good'), bad, event('Good')], 'any')
            .catch((caught: unknown) => caught);
          expect([label, error]).toEqual([label, expect.any(InvalidAppendError)]);
          expect(error).toMatchObject({ streamId: stream, eventIndex: 1 });
        }
        const duplicate = event('A');
        await expect(store.append(stream, [duplicate, duplicate], 'any')).rejects.toBeInstanceOf(
          InvalidAppendError,
        );
        await expect(store.append(stream, [event('A')], -1n)).rejects.toBeInstanceOf(InvalidAppendError);
        await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('invalid read options give a RangeError', async () => {
        const stream = newStream();
        await store.append(stream, [event('A')], 'no_stream');
        await expect(store.readStream(stream, { maxCount: 0 })).rejects.toBeInstanceOf(RangeError);
        await expect(store.readStream(stream, { fromRevision: -1n })).rejects.toBeInstanceOf(RangeError);
        await expect(store.readAll({ maxCount: 1.5 })).rejects.toBeInstanceOf(RangeError);
      });
    });
  });
}

export function event(
  type: string,
  data: Record<string, unknown> = {},
  metadata?: Record<string, unknown>,
): EventToAppend {
  return { id: randomUUID(), type, data, ...(metadata ? { metadata } : {}) };
}

function assertStrictlyAscending(positions: Position[]): void {
  for (let index = 1; index < positions.length; index++) {
    if (comparePositions(positions[index - 1]!, positions[index]!) >= 0)
      throw new Error(
        `positions out of order at ${index}: ${positionToString(positions[index - 1]!)} then ${positionToString(positions[index]!)}`,
      );
  }
}

export interface Collector {
  readonly items: SubscriptionItem[];
  events(): RecordedEvent[];
  eventsIn(category: string): RecordedEvent[];
  typesIn(category: string): string[];
  checkpoints(): Position[];
  close(): Promise<void>;
}

/** Drains a subscription in the background, so a test can look at what arrived so far. */
export function collect(subscription: AllSubscription): Collector {
  const items: SubscriptionItem[] = [];
  let failure: unknown;
  const drained = (async () => {
    try {
      for await (const item of subscription) items.push(item);
    } catch (error) {
      failure = error;
    }
  })();
  const events = () => {
    if (failure) throw failure;
    return items.flatMap((item) => (item.kind === 'event' ? [item.event] : []));
  };
  const eventsIn = (category: string) =>
    events().filter((recorded) => recorded.streamId.startsWith(`${category}-`));
  return {
    items,
    events,
    eventsIn,
    typesIn: (category) => eventsIn(category).map((recorded) => recorded.type),
    checkpoints: () => items.flatMap((item) => (item.kind === 'checkpoint' ? [item.position] : [])),
    async close() {
      await subscription.close();
      await drained;
    },
  };
}
