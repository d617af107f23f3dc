import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { RetryPolicy } from '@scheduler/resilience';
import { isolatedSchema, uniqueName, type IsolatedSchema } from '@scheduler/testing';
import { ExpectedVersionConflictError } from '../errors.js';
import type { EventToAppend, RecordedEvent } from '../port.js';
import { PostgresEventStore } from '../postgres/postgres-event-store.js';
import { aggregateStream, handleCommand, readStreamEvents, type StreamCodec } from './index.js';

// A counter aggregate: each Added event carries the total it reached, so a lost or doubled
// append shows up as a wrong total.
type Added = { readonly type: 'Added'; readonly total: number };
const codec: StreamCodec<Added> = {
  read: async (records: readonly RecordedEvent[]) =>
    records.map((record) => ({ type: 'Added', total: record.data.total as number })),
  write: async (events) =>
    events.map((event): EventToAppend => ({
      id: randomUUID(),
      type: event.type,
      data: { total: event.total },
    })),
};
const counter = {
  codec,
  initialState: () => 0,
  evolve: (_total: number, event: Added) => event.total,
};

describe('handleCommand', () => {
  let schema: IsolatedSchema;
  let store: PostgresEventStore;
  const newStream = () => `counter-${uniqueName('k').replaceAll('_', '')}`;

  beforeAll(async () => {
    schema = await isolatedSchema('command_handling');
    store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  it('reports a missing stream instead of throwing, and starts it with no_stream', async () => {
    const streamId = newStream();
    const before = await aggregateStream(store, streamId, counter);
    expect(before).toMatchObject({
      state: 0,
      streamExists: false,
      streamDeleted: false,
      expectedRevision: 'no_stream',
    });
    const result = await handleCommand(
      store,
      streamId,
      (total) => ({ type: 'Added', total: total + 1 }),
      counter,
    );
    expect(result.newState).toBe(1);
    expect(result.appendResult?.nextExpectedRevision).toBe(0n);
    expect(await aggregateStream(store, streamId, counter)).toMatchObject({ state: 1, currentRevision: 0n });
  });

  it('appends nothing when the decision is no events', async () => {
    const streamId = newStream();
    const result = await handleCommand(store, streamId, () => [], counter);
    expect(result.appendResult).toBeUndefined();
    expect((await readStreamEvents(store, streamId, codec)).streamExists).toBe(false);
  });

  it('decides again from fresh state when another writer went first: concurrent handlers lose nothing', async () => {
    const streamId = newStream();
    const writers = 8;
    await Promise.all(
      Array.from({ length: writers }, () =>
        handleCommand(store, streamId, (total) => ({ type: 'Added', total: total + 1 }), {
          ...counter,
          retry: new RetryPolicy({
            maxAttempts: 50,
            baseDelayMs: 1,
            maxDelayMs: 20,
            classify: (error) => ({ retryable: error instanceof ExpectedVersionConflictError }),
          }),
        }),
      ),
    );
    const read = await readStreamEvents(store, streamId, codec);
    expect(read.events.map((event) => event.total)).toEqual(
      Array.from({ length: writers }, (_, index) => index + 1),
    );
  });

  it('throws the ExpectedVersionConflictError itself once the attempts are spent', async () => {
    const streamId = newStream();
    let decisions = 0;
    const error = await handleCommand(
      store,
      streamId,
      async (total) => {
        decisions++;
        // Someone else appends between our read and our append, every time.
        await store.append(streamId, await codec.write([{ type: 'Added', total: total + 100 }]), 'any');
        return { type: 'Added', total: total + 1 };
      },
      {
        ...counter,
        retry: new RetryPolicy({
          maxAttempts: 3,
          baseDelayMs: 1,
          maxDelayMs: 1,
          classify: (caught) => ({ retryable: caught instanceof ExpectedVersionConflictError }),
        }),
      },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExpectedVersionConflictError);
    expect((error as ExpectedVersionConflictError).streamId).toBe(streamId);
    expect(decisions).toBe(3);
  });

  it('passes a refusal through at once, without retrying', async () => {
    const streamId = newStream();
    let decisions = 0;
    await expect(
      handleCommand(
        store,
        streamId,
        () => {
          decisions++;
          throw new RangeError('refused');
        },
        counter,
      ),
    ).rejects.toThrow('refused');
    expect(decisions).toBe(1);
  });

  it('reports a tombstoned stream, and an append to it fails', async () => {
    const streamId = newStream();
    await handleCommand(store, streamId, () => ({ type: 'Added', total: 1 }), counter);
    await store.tombstoneStream(streamId, 'any');
    expect(await aggregateStream(store, streamId, counter)).toMatchObject({
      streamDeleted: true,
      streamExists: false,
    });
    await expect(
      handleCommand(store, streamId, () => ({ type: 'Added', total: 2 }), counter),
    ).rejects.toMatchObject({
      name: 'StreamDeletedError',
    });
  });
});
