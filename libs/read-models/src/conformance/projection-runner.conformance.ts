// The one suite every projection backend runs: PostgreSQL here, MongoDB under
// TEST_INFRA=containers. The events always come from a real PostgresEventStore.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  PostgresEventStore,
  positionToString,
  type Position,
  type RecordedEvent,
} from '@scheduler/event-store';
import { eventually, isolatedSchema, uniqueName, type IsolatedSchema } from '@scheduler/testing';
import type { ProjectionStore } from '../create-read-model-store.js';
import {
  defineProjection,
  ProjectionFailedError,
  type ProjectionDefinition,
} from '../projections/projection.js';
import { ProjectionRunner, ProjectionStoppedError } from '../projections/projection-runner.js';

export interface ProjectionBackendUnderTest {
  readonly name: string;
  /** Set when the backend cannot run here: the suite is skipped and the reason printed. */
  readonly skipReason?: string;
  connect(): Promise<ProjectionStore>;
  cleanUp?(): Promise<void>;
  /** Backend-specific checks after a rebuild swapped `generation` in for `projection`. */
  afterRebuild?(projection: ProjectionDefinition<Summary>, generation: number): Promise<void>;
}

export interface Summary {
  [key: string]: unknown;
  title: string;
  status: 'requested' | 'scheduled' | 'cancelled';
  /** Counts every event applied: any double application shows here. */
  eventCount: number;
  joinLink?: string;
  generationLabel?: string;
}

// One category per test, so tests share the event log without seeing each other's events.
const newCategory = () => uniqueName('meeting').replaceAll('_', '');

function summaryProjection(
  category: string,
  collection: string,
  options: { label?: string; failOnTitle?: string } = {},
): ProjectionDefinition<Summary> {
  return defineProjection<Summary>({
    name: `summary-${collection}`,
    collection: { name: collection, indexes: { status: 'string', title: 'string' } },
    filter: { categories: [category] },
    documentId: (event) => (typeof event.data.meetingId === 'string' ? event.data.meetingId : undefined),
    project: (document, event) => {
      const data = event.data as { title?: string; joinLink?: string };
      if (options.failOnTitle && data.title === options.failOnTitle) throw new Error('projection bug');
      const label = options.label ? { generationLabel: options.label } : {};
      switch (event.type) {
        case 'MeetingRequested':
          return {
            title: data.title!,
            status: 'requested',
            eventCount: (document?.eventCount ?? 0) + 1,
            ...label,
          };
        case 'MeetingScheduled':
          return (
            document && {
              ...document,
              status: 'scheduled',
              joinLink: data.joinLink!,
              eventCount: document.eventCount + 1,
            }
          );
        case 'MeetingCancelled':
          return document && { ...document, status: 'cancelled', eventCount: document.eventCount + 1 };
        case 'MeetingDataPurged':
          return 'delete';
        default:
          return undefined;
      }
    },
  });
}

export function describeProjectionRunnerConformance(adapter: ProjectionBackendUnderTest): void {
  if (adapter.skipReason) {
    console.info(`projection runner conformance (${adapter.name}) skipped: ${adapter.skipReason}`);
    describe.skip(`projection runner conformance: ${adapter.name} (${adapter.skipReason})`, () => {
      it('runs against a real backend', () => undefined);
    });
    return;
  }
  describe(`projection runner conformance: ${adapter.name}`, () => {
    let eventSchema: IsolatedSchema;
    let eventStore: PostgresEventStore;
    let store: ProjectionStore;
    const runners: Array<ProjectionRunner<Summary>> = [];

    beforeAll(async () => {
      eventSchema = await isolatedSchema('projection_events');
      eventStore = await PostgresEventStore.connect({
        connectionString: eventSchema.connectionString,
        subscriptionPollIntervalMs: 200,
      });
      store = await adapter.connect();
    });
    afterAll(async () => {
      await Promise.allSettled(runners.map((runner) => runner.stop()));
      await store?.close();
      await eventStore?.close();
      await adapter.cleanUp?.();
      await eventSchema?.drop();
    });

    const runnerFor = (
      projection: ProjectionDefinition<Summary>,
      options: { batchSize?: number; store?: ProjectionStore } = {},
    ) => {
      const runner = new ProjectionRunner<Summary>({
        eventStore,
        store: options.store ?? store,
        projection,
        batchSize: options.batchSize ?? 100,
        // Small, so a rebuild spans several transactions and pages.
        rebuildBatchSize: 120,
        retryDelayMs: 50,
      });
      runners.push(runner);
      return runner;
    };
    const append = (category: string, meetingId: string, type: string, data: Record<string, unknown> = {}) =>
      eventStore.append(
        `${category}-${meetingId}`,
        [{ id: randomUUID(), type, data: { meetingId, ...data } }],
        'any',
      );
    const requestMeetings = async (category: string, count: number) => {
      let position: Position | undefined;
      for (let index = 0; index < count; index++) {
        ({ position } = await append(category, `m${index}`, 'MeetingRequested', {
          title: `Meeting ${index}`,
        }));
      }
      return position!;
    };
    it('projects creates, updates, unchanged results, deletes and ignored events into documents', async () => {
      const category = newCategory();
      const projection = summaryProjection(category, uniqueName('summaries'));
      await append(category, 'a', 'MeetingRequested', { title: 'Standup' });
      await append(category, 'a', 'MeetingScheduled', { joinLink: 'https://example.webex.com/j/1' });
      await append(category, 'b', 'MeetingRequested', { title: 'Retro' });
      await append(category, 'b', 'SomethingElse');
      await eventStore.append(
        `${category}-noid`,
        [{ id: randomUUID(), type: 'MeetingRequested', data: {} }],
        'any',
      );
      await append(category, 'c', 'MeetingRequested', { title: 'Gone' });
      const last = await append(category, 'c', 'MeetingDataPurged');

      const runner = runnerFor(projection);
      await runner.start();
      await runner.waitForPosition(last.position);
      const summaries = await store.collection(projection.collection);
      expect(await summaries.get('a')).toMatchObject({
        document: {
          title: 'Standup',
          status: 'scheduled',
          joinLink: 'https://example.webex.com/j/1',
          eventCount: 2,
        },
      });
      expect((await summaries.get('b'))?.document).toEqual({
        title: 'Retro',
        status: 'requested',
        eventCount: 1,
      });
      expect(await summaries.get('c')).toBeUndefined();
      expect((await summaries.find({ where: { status: 'scheduled' } })).map((stored) => stored.id)).toEqual([
        'a',
      ]);

      // Live: events appended after catch-up arrive too.
      const cancelled = await append(category, 'b', 'MeetingCancelled');
      await runner.waitForPosition(cancelled.position);
      expect((await summaries.get('b'))?.document).toMatchObject({ status: 'cancelled', eventCount: 2 });
      expect(await store.readCheckpoint(projection, 'live')).toEqual(runner.checkpoint);
      await runner.stop();
    });

    it('changes nothing when already-applied events are delivered again', async () => {
      const category = newCategory();
      const projection = summaryProjection(category, uniqueName('redelivery'));
      await requestMeetings(category, 5);
      const events = await eventStore.readAll({ filter: { categories: [category] } });
      const through = events.at(-1)!.position;
      const first = await store.applyBatch(projection, 'live', events, through);
      expect(first.applied).toBe(5);
      const summaries = await store.collection(projection.collection);
      const before = await summaries.find();

      // The whole batch again, then an overlapping one: both are no-ops.
      expect((await store.applyBatch(projection, 'live', events, through)).applied).toBe(0);
      expect((await store.applyBatch(projection, 'live', events.slice(2), through)).applied).toBe(0);
      expect(await summaries.find()).toEqual(before);

      // A batch that overlaps the checkpoint applies only what lies beyond it.
      const more = await append(category, 'm1', 'MeetingCancelled');
      const extended = await eventStore.readAll({ filter: { categories: [category] } });
      expect((await store.applyBatch(projection, 'live', extended, more.position)).applied).toBe(1);
      expect((await summaries.get('m1'))?.document).toMatchObject({ status: 'cancelled', eventCount: 2 });

      // A restarted runner resumes from the checkpoint and re-applies nothing.
      const runner = runnerFor(projection);
      await runner.start();
      await runner.waitForPosition(more.position);
      await runner.stop();
      expect(
        (await summaries.find()).map((stored) => [stored.id, stored.version, stored.document.eventCount]),
      ).toEqual([
        ['m0', 1, 1],
        ['m1', 2, 2],
        ['m2', 1, 1],
        ['m3', 1, 1],
        ['m4', 1, 1],
      ]);
    });

    it('commits a batch’s documents and checkpoint together, or neither', async () => {
      const category = newCategory();
      const collection = uniqueName('atomic');
      await append(category, 'ok', 'MeetingRequested', { title: 'Fine' });
      const bad = await append(category, 'bad', 'MeetingRequested', { title: 'Explodes' });
      const projection = summaryProjection(category, collection, { failOnTitle: 'Explodes' });
      const failures: unknown[] = [];
      const runner = new ProjectionRunner<Summary>({
        eventStore,
        store,
        projection,
        batchSize: 100,
        onError: (error) => failures.push(error),
      });
      runners.push(runner);
      await runner.start();
      await eventually(() => expect(runner.failure).toBeInstanceOf(ProjectionFailedError));
      expect(runner.failure).toMatchObject({
        projection: projection.name,
        streamId: `${category}-bad`,
        eventType: 'MeetingRequested',
        documentId: 'bad',
        position: positionToString(bad.position),
      });
      await expect(runner.waitForPosition(bad.position)).rejects.toBeInstanceOf(ProjectionStoppedError);
      // "ok" came before the failing event in the same batch, yet it was not written, and the checkpoint did not move.
      const summaries = await store.collection(projection.collection);
      expect(await summaries.find()).toEqual([]);
      expect(await store.readCheckpoint(projection, 'live')).toBeUndefined();
      await runner.stop();

      // The fixed projection (same name, same collection) picks up from the same checkpoint.
      const fixed = runnerFor(summaryProjection(category, collection));
      await fixed.start();
      await fixed.waitForPosition(bad.position);
      expect((await summaries.find()).map((stored) => stored.id)).toEqual(['bad', 'ok']);
      await fixed.stop();
    });

    it('applies every event exactly once while two runners (two processes) race on the same projection', async () => {
      const category = newCategory();
      const projection = summaryProjection(category, uniqueName('racing'));
      const secondStore = await adapter.connect();
      try {
        const one = runnerFor(projection, { batchSize: 7 });
        const two = runnerFor(projection, { batchSize: 5, store: secondStore });
        await Promise.all([one.start(), two.start()]);
        let last: Position | undefined;
        for (let round = 0; round < 4; round++) {
          for (let index = 0; index < 15; index++) {
            ({ position: last } = await append(
              category,
              `m${index}`,
              round === 0 ? 'MeetingRequested' : 'MeetingScheduled',
              {
                title: `Meeting ${index}`,
                joinLink: `https://example.webex.com/j/${round}`,
              },
            ));
          }
        }
        await Promise.all([one.waitForPosition(last!), two.waitForPosition(last!)]);
        await Promise.all([one.stop(), two.stop()]);
        const summaries = await store.collection(projection.collection);
        const counts = (await summaries.find()).map((stored) => stored.document.eventCount);
        expect(counts).toEqual(Array.from({ length: 15 }, () => 4));
      } finally {
        await secondStore.close();
      }
    });

    it('opens each page through the open hook before projecting, live, on rebuild and after a failed open', async () => {
      const category = newCategory();
      const projection = summaryProjection(category, uniqueName('opened'));
      // Stands in for sealed personal data: the stored title is an object only the hook can read.
      const seal = (title: string) => ({ $test: Buffer.from(title).toString('base64') });
      const calls: number[] = [];
      let failNext = false;
      const failures: unknown[] = [];
      const open = async (events: readonly RecordedEvent[]) => {
        calls.push(events.length);
        if (failNext) {
          failNext = false;
          throw new Error('key store unreachable');
        }
        return events.map((event) => {
          const title = (event.data as { title?: { $test?: string } }).title;
          if (typeof title?.$test !== 'string') return event;
          return { ...event, data: { ...event.data, title: Buffer.from(title.$test, 'base64').toString() } };
        });
      };
      for (let index = 0; index < 25; index++) {
        await append(category, `m${index}`, 'MeetingRequested', { title: seal(`Secret ${index}`) });
      }
      const runner = new ProjectionRunner<Summary>({
        eventStore,
        store,
        projection,
        batchSize: 10,
        rebuildBatchSize: 15,
        retryDelayMs: 50,
        open,
        onError: (error) => failures.push(error),
      });
      runners.push(runner);
      failNext = true;
      await runner.start();
      const last = await append(category, 'm3', 'MeetingScheduled', {
        joinLink: 'https://example.webex.com/j/3',
      });
      await runner.waitForPosition(last.position);
      // The first open failed; the runner retried from the checkpoint and lost nothing.
      expect(failures).toEqual([expect.objectContaining({ message: 'key store unreachable' })]);
      const summaries = await store.collection(projection.collection);
      const titles = async () =>
        (await summaries.find({ limit: 100 })).map((stored) => stored.document.title).sort();
      const expected = Array.from({ length: 25 }, (_, index) => `Secret ${index}`).sort();
      expect(await titles()).toEqual(expected);
      expect((await summaries.get('m3'))?.document).toMatchObject({ title: 'Secret 3', status: 'scheduled' });
      // Called per batch, never per event, and never with more than a batch.
      expect(Math.max(...calls)).toBeLessThanOrEqual(10);
      expect(calls.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(26);

      calls.length = 0;
      const progress: Array<{ events: number; phase: string }> = [];
      const report = await runner.rebuild({
        onProgress: ({ events, phase }) => progress.push({ events, phase }),
      });
      expect(report.events).toBe(26);
      // Three pages of 10, 10 and 6 events.
      expect(calls).toEqual([10, 10, 6]);
      // Reported after every page, then once swapped.
      expect(progress).toEqual([
        { events: 10, phase: 'reading' },
        { events: 20, phase: 'reading' },
        { events: 26, phase: 'reading' },
        { events: 26, phase: 'swapped' },
      ]);
      expect(await titles()).toEqual(expected);
      await runner.stop();
    });

    it('refuses an open hook that drops events, without writing anything', async () => {
      const category = newCategory();
      const projection = summaryProjection(category, uniqueName('dropped'));
      await requestMeetings(category, 3);
      const failures: unknown[] = [];
      const runner = new ProjectionRunner<Summary>({
        eventStore,
        store,
        projection,
        retryDelayMs: 50,
        open: async (events) => events.slice(1),
        onError: (error) => failures.push(error),
      });
      runners.push(runner);
      await runner.start();
      await eventually(() => expect(failures.length).toBeGreaterThan(0));
      await runner.stop();
      expect(String((failures[0] as Error).message)).toMatch(/open hook returned \d+ events for \d+/);
      expect(await store.readCheckpoint(projection, 'live')).toBeUndefined();
      await expect(runner.rebuild()).rejects.toThrow(/open hook returned/);
    });

    describe('rebuild', () => {
      it('rebuilds from position 0 into a new generation while queries are served, then swaps it in', async () => {
        const category = newCategory();
        const collection = uniqueName('rebuilt');
        const original = summaryProjection(category, collection, { label: 'v1' });
        await requestMeetings(category, 300);
        const live = runnerFor(original);
        await live.start();
        const summaries = await store.collection(original.collection);
        const initial = await eventStore.readAll({ filter: { categories: [category] } });
        await live.waitForPosition(initial.at(-1)!.position);
        await live.stop();

        // A schema change: the new version of the projection labels documents "v2".
        const changed = summaryProjection(category, collection, { label: 'v2' });
        const rebuilding = runnerFor(changed, { batchSize: 50 });
        await rebuilding.start();
        const seen = new Set<string>();
        let queries = 0;
        let reading = true;
        const reader = (async () => {
          while (reading) {
            const page = await summaries.find({
              where: { status: { in: ['requested', 'scheduled'] } },
              limit: 500,
            });
            expect(page).toHaveLength(300);
            for (const stored of page) seen.add(stored.document.generationLabel ?? 'none');
            queries++;
          }
        })();
        // Writers keep appending during the rebuild; none of their events may be lost across the swap.
        let writing = true;
        let appended = 0;
        const writer = (async () => {
          while (writing) {
            await append(category, `m${appended % 300}`, 'MeetingScheduled', {
              joinLink: `https://example.webex.com/j/${appended}`,
            });
            appended++;
          }
        })();
        const report = await rebuilding.rebuild();
        writing = false;
        await writer;
        reading = false;
        await reader;

        expect(report).toMatchObject({ projection: changed.name, generation: 2 });
        expect(report.events).toBeGreaterThanOrEqual(300);
        expect(queries).toBeGreaterThan(0);
        expect(seen.has('v1')).toBe(true);
        const finalEvents = await eventStore.readAll({ filter: { categories: [category] } });
        await rebuilding.waitForPosition(finalEvents.at(-1)!.position);
        const after = await summaries.find({ limit: 1000 });
        expect(after).toHaveLength(300);
        expect(new Set(after.map((stored) => stored.document.generationLabel))).toEqual(new Set(['v2']));
        const totalEvents = after.reduce((sum, stored) => sum + stored.document.eventCount, 0);
        expect(totalEvents).toBe(300 + appended);

        expect(await store.readCheckpoint(changed, 'live')).toEqual(rebuilding.checkpoint);
        await adapter.afterRebuild?.(changed, 2);
        await rebuilding.stop();
      });

      it('discards an unfinished rebuild and starts a fresh generation', async () => {
        const category = newCategory();
        const projection = summaryProjection(category, uniqueName('abandoned'));
        await requestMeetings(category, 20);
        const abandoned = await store.beginRebuild(projection);
        const events: RecordedEvent[] = await eventStore.readAll({
          filter: { categories: [category] },
          maxCount: 5,
        });
        await store.applyBatch(projection, abandoned, events, events.at(-1)!.position);
        const report = await runnerFor(projection).rebuild();
        expect(report.generation).toBe(abandoned.generation + 1);
        const summaries = await store.collection(projection.collection);
        expect(await summaries.find()).toHaveLength(20);
        await adapter.afterRebuild?.(projection, report.generation);
      });
    });
  });
}
