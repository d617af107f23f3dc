// The one conformance suite every document-store adapter runs. Not a spec file
// itself: each adapter's *.int.spec.ts calls it with a way to connect.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  DocumentValidationError,
  InvalidCollectionDefinitionError,
  InvalidQueryError,
  UndeclaredIndexError,
  VersionConflictError,
} from '../document-store/errors.js';
import type { DocumentCollection, ReadModelStore } from '../document-store/port.js';

export interface DocumentStoreAdapterUnderTest {
  readonly name: string;
  /** Set when the backend cannot run here: the suite is skipped and the reason printed. */
  readonly skipReason?: string;
  connect(): Promise<ReadModelStore>;
  /** Drops whatever the suite created. */
  cleanUp?(): Promise<void>;
}

const Meeting = z.object({
  tenantId: z.string(),
  title: z.string().min(1),
  status: z.enum(['requested', 'scheduled', 'cancelled']),
  start: z.string(),
  attendeeCount: z.number().int().nonnegative(),
  recurring: z.boolean().optional(),
  owner: z.object({ userId: z.string() }).optional(),
});
type Meeting = z.infer<typeof Meeting>;

const meeting = (overrides: Partial<Meeting> = {}): Meeting => ({
  tenantId: 'tenant-a',
  title: 'Standup',
  status: 'scheduled',
  start: '2026-01-05T09:00:00.000Z',
  attendeeCount: 3,
  ...overrides,
});

export function describeDocumentStoreConformance(adapter: DocumentStoreAdapterUnderTest): void {
  if (adapter.skipReason) {
    console.info(`document store conformance (${adapter.name}) skipped: ${adapter.skipReason}`);
    describe.skip(`document store conformance: ${adapter.name} (${adapter.skipReason})`, () => {
      it('runs against a real backend', () => undefined);
    });
    return;
  }

  describe(`document store conformance: ${adapter.name}`, () => {
    let store: ReadModelStore;
    let meetings: DocumentCollection<Meeting>;
    const collectionName = () => `meetings_${randomBytes(4).toString('hex')}`;
    const defineMeetings = (name = collectionName()) => ({
      name,
      schema: Meeting,
      indexes: {
        tenantId: 'string',
        status: 'string',
        start: 'string',
        attendeeCount: 'number',
        recurring: 'boolean',
        'owner.userId': 'string',
      } as const,
    });

    beforeAll(async () => {
      store = await adapter.connect();
      meetings = await store.collection(defineMeetings());
    });
    afterAll(async () => {
      await store?.close();
      await adapter.cleanUp?.();
    });

    describe('get and upsert', () => {
      it('returns undefined for a document that does not exist', async () => {
        expect(await meetings.get('missing')).toBeUndefined();
      });

      it('creates at version 1 and bumps the version on every write', async () => {
        const created = await meetings.upsert('m-1', meeting(), { expectedVersion: 'absent' });
        expect(created).toEqual({ id: 'm-1', version: 1, document: meeting() });
        const updated = await meetings.upsert('m-1', meeting({ title: 'Retro' }), { expectedVersion: 1 });
        expect(updated.version).toBe(2);
        expect(await meetings.get('m-1')).toEqual({
          id: 'm-1',
          version: 2,
          document: meeting({ title: 'Retro' }),
        });
        const any = await meetings.upsert('m-1', meeting({ title: 'Planning' }), { expectedVersion: 'any' });
        expect(any.version).toBe(3);
        const anyNew = await meetings.upsert('m-any', meeting(), { expectedVersion: 'any' });
        expect(anyNew.version).toBe(1);
      });

      it('rejects a stale version with the collection, id, expected and actual version, and keeps the document', async () => {
        await meetings.upsert('m-stale', meeting(), { expectedVersion: 'absent' });
        await meetings.upsert('m-stale', meeting({ title: 'Second' }), { expectedVersion: 1 });
        const error = await meetings
          .upsert('m-stale', meeting({ title: 'Lost update' }), { expectedVersion: 1 })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({ collection: meetings.name, id: 'm-stale', expected: 1, actual: 2 });
        expect((await meetings.get('m-stale'))?.document.title).toBe('Second');
      });

      it('treats "absent" on an existing document and a version on a missing one as conflicts', async () => {
        await meetings.upsert('m-exists', meeting(), { expectedVersion: 'absent' });
        await expect(
          meetings.upsert('m-exists', meeting(), { expectedVersion: 'absent' }),
        ).rejects.toMatchObject({
          name: 'VersionConflictError',
          expected: 'absent',
          actual: 1,
        });
        await expect(meetings.upsert('m-never', meeting(), { expectedVersion: 4 })).rejects.toMatchObject({
          name: 'VersionConflictError',
          expected: 4,
          actual: 'absent',
        });
        expect(await meetings.get('m-never')).toBeUndefined();
      });

      it('lets exactly one of two concurrent writers at the same version win', async () => {
        await meetings.upsert('m-race', meeting(), { expectedVersion: 'absent' });
        const results = await Promise.allSettled(
          ['A', 'B', 'C', 'D'].map((title) =>
            meetings.upsert('m-race', meeting({ title }), { expectedVersion: 1 }),
          ),
        );
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        for (const result of results.filter((result) => result.status === 'rejected')) {
          expect((result as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
        }
        expect((await meetings.get('m-race'))?.version).toBe(2);
      });

      it('stores ids and values with quotes, unicode and SQL/operator look-alikes verbatim', async () => {
        const id = `it's "odd" ☕ $where; DROP TABLE x; --`;
        const document = meeting({ title: `O'Brien's "sync" {$gt: ''} 日本語`, tenantId: `t'; --` });
        await meetings.upsert(id, document, { expectedVersion: 'absent' });
        expect((await meetings.get(id))?.document).toEqual(document);
        const found = await meetings.find({ where: { tenantId: `t'; --` } });
        expect(found.map((stored) => stored.id)).toEqual([id]);
      });

      it('rejects documents that fail the schema or an index type, and writes nothing', async () => {
        const badSchema = await meetings
          .upsert('m-bad', { ...meeting(), status: 'exploded' } as unknown as Meeting, {
            expectedVersion: 'any',
          })
          .catch((caught: unknown) => caught);
        expect(badSchema).toBeInstanceOf(DocumentValidationError);
        expect((badSchema as DocumentValidationError).issues[0]?.path).toBe('status');

        const untyped = await store.collection({ name: collectionName(), indexes: { priority: 'number' } });
        await expect(
          untyped.upsert('x', { priority: 'high' }, { expectedVersion: 'any' }),
        ).rejects.toBeInstanceOf(DocumentValidationError);
        await expect(untyped.upsert('', { priority: 1 }, { expectedVersion: 'any' })).rejects.toBeInstanceOf(
          DocumentValidationError,
        );
        await expect(
          untyped.upsert('y', [1, 2] as unknown as { priority: number }, { expectedVersion: 'any' }),
        ).rejects.toBeInstanceOf(DocumentValidationError);
        await expect(untyped.upsert('z', { priority: 1 }, { expectedVersion: 0 })).rejects.toBeInstanceOf(
          InvalidQueryError,
        );
        expect(await meetings.get('m-bad')).toBeUndefined();
        expect(await untyped.find()).toEqual([]);
      });

      it('rejects unusable collection definitions', async () => {
        await expect(store.collection({ name: 'Bad-Name', indexes: {} })).rejects.toBeInstanceOf(
          InvalidCollectionDefinitionError,
        );
        await expect(store.collection({ name: 'a__g2', indexes: {} })).rejects.toBeInstanceOf(
          InvalidCollectionDefinitionError,
        );
        await expect(
          store.collection({ name: collectionName(), indexes: { 'a;drop': 'string' } }),
        ).rejects.toBeInstanceOf(InvalidCollectionDefinitionError);
      });
    });

    describe('delete', () => {
      it('deletes, honours an expected version, and reports whether anything was deleted', async () => {
        await meetings.upsert('d-1', meeting(), { expectedVersion: 'absent' });
        await expect(meetings.delete('d-1', { expectedVersion: 7 })).rejects.toMatchObject({
          name: 'VersionConflictError',
          collection: meetings.name,
          id: 'd-1',
          expected: 7,
          actual: 1,
        });
        expect(await meetings.get('d-1')).toBeDefined();
        expect(await meetings.delete('d-1', { expectedVersion: 1 })).toBe(true);
        expect(await meetings.get('d-1')).toBeUndefined();
        expect(await meetings.delete('d-1')).toBe(false);
        await expect(meetings.delete('d-1', { expectedVersion: 1 })).rejects.toMatchObject({
          actual: 'absent',
        });
        // A deleted document can be created again from scratch.
        expect((await meetings.upsert('d-1', meeting(), { expectedVersion: 'absent' })).version).toBe(1);
      });
    });

    describe('find on declared indexes', () => {
      let calendar: DocumentCollection<Meeting>;
      beforeAll(async () => {
        calendar = await store.collection(defineMeetings());
        const rows: Array<[string, Meeting]> = [
          ['c-1', meeting({ start: '2026-01-05T09:00:00.000Z', attendeeCount: 3, status: 'scheduled' })],
          ['c-2', meeting({ start: '2026-01-05T10:00:00.000Z', attendeeCount: 12, status: 'cancelled' })],
          ['c-3', meeting({ start: '2026-01-06T09:00:00.000Z', attendeeCount: 3, recurring: true })],
          ['c-4', meeting({ start: '2026-01-07T09:00:00.000Z', attendeeCount: 1, status: 'requested' })],
          ['c-5', meeting({ tenantId: 'tenant-b', start: '2026-01-05T11:00:00.000Z', attendeeCount: 40 })],
          ['c-6', meeting({ start: '2026-01-08T09:00:00.000Z', attendeeCount: 0, owner: { userId: 'u-9' } })],
        ];
        for (const [id, document] of rows) await calendar.upsert(id, document, { expectedVersion: 'absent' });
      });
      const ids = (documents: ReadonlyArray<{ id: string }>) => documents.map((document) => document.id);

      it('returns every document, ordered by id, with no query', async () => {
        expect(ids(await calendar.find())).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6']);
      });

      it('filters by equality on strings, numbers, booleans and nested paths', async () => {
        expect(ids(await calendar.find({ where: { tenantId: 'tenant-b' } }))).toEqual(['c-5']);
        expect(ids(await calendar.find({ where: { attendeeCount: 3 } }))).toEqual(['c-1', 'c-3']);
        expect(ids(await calendar.find({ where: { recurring: true } }))).toEqual(['c-3']);
        expect(ids(await calendar.find({ where: { 'owner.userId': 'u-9' } }))).toEqual(['c-6']);
        expect(ids(await calendar.find({ where: { tenantId: 'tenant-a', status: 'scheduled' } }))).toEqual([
          'c-1',
          'c-3',
          'c-6',
        ]);
      });

      it('filters by ranges and by in', async () => {
        const window = await calendar.find({
          where: { start: { gte: '2026-01-05T10:00:00.000Z', lt: '2026-01-07T00:00:00.000Z' } },
        });
        expect(ids(window)).toEqual(['c-2', 'c-3', 'c-5']);
        expect(ids(await calendar.find({ where: { attendeeCount: { gt: 3 } } }))).toEqual(['c-2', 'c-5']);
        expect(ids(await calendar.find({ where: { attendeeCount: { lte: 1 } } }))).toEqual(['c-4', 'c-6']);
        expect(ids(await calendar.find({ where: { status: { in: ['requested', 'cancelled'] } } }))).toEqual([
          'c-2',
          'c-4',
        ]);
      });

      it('sorts ascending and descending, ties broken by id, and limits', async () => {
        expect(ids(await calendar.find({ orderBy: { field: 'start' } }))).toEqual([
          'c-1',
          'c-2',
          'c-5',
          'c-3',
          'c-4',
          'c-6',
        ]);
        expect(
          ids(
            await calendar.find({
              where: { tenantId: 'tenant-a' },
              orderBy: [{ field: 'attendeeCount', direction: 'desc' }],
              limit: 3,
            }),
          ),
        ).toEqual(['c-2', 'c-1', 'c-3']);
        expect(
          ids(await calendar.find({ orderBy: { field: 'start', direction: 'desc' }, limit: 1 })),
        ).toEqual(['c-6']);
      });

      it('puts documents missing the sort field first ascending and last descending', async () => {
        const ascending = ids(await calendar.find({ orderBy: { field: 'owner.userId' } }));
        expect(ascending.at(-1)).toBe('c-6');
        const descending = ids(
          await calendar.find({ orderBy: { field: 'owner.userId', direction: 'desc' } }),
        );
        expect(descending[0]).toBe('c-6');
      });

      it('counts what find would return, with the same conditions', async () => {
        expect(await calendar.count()).toBe(6);
        expect(await calendar.count({ tenantId: 'tenant-a' })).toBe(5);
        expect(await calendar.count({ tenantId: 'tenant-a', status: 'scheduled' })).toBe(3);
        expect(await calendar.count({ status: { in: ['requested', 'cancelled'] } })).toBe(2);
        expect(
          await calendar.count({
            start: { gte: '2026-01-05T10:00:00.000Z', lt: '2026-01-07T00:00:00.000Z' },
          }),
        ).toBe(3);
        expect(await calendar.count({ tenantId: 'nobody' })).toBe(0);
        await expect(calendar.count({ title: 'Standup' })).rejects.toBeInstanceOf(UndeclaredIndexError);
      });

      it('refuses undeclared fields instead of scanning', async () => {
        const error = await calendar.find({ where: { title: 'Standup' } }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UndeclaredIndexError);
        expect(error).toMatchObject({ collection: calendar.name, field: 'title' });
        await expect(calendar.find({ orderBy: { field: 'title' } })).rejects.toBeInstanceOf(
          UndeclaredIndexError,
        );
      });

      it('refuses malformed queries with a typed error', async () => {
        const malformed: unknown[] = [
          { where: { attendeeCount: '3' } },
          { where: { status: null } },
          { where: { status: { in: [] } } },
          { where: { status: { like: 'sched%' } } },
          { where: { start: {} } },
          { limit: 0 },
          { limit: 10_001 },
          { limit: 1.5 },
          { orderBy: { field: 'start', direction: 'sideways' } },
        ];
        for (const query of malformed) {
          await expect(calendar.find(query as never)).rejects.toBeInstanceOf(InvalidQueryError);
        }
      });

      it('keeps collections apart', async () => {
        const other = await store.collection(defineMeetings());
        expect(await other.find()).toEqual([]);
        expect(await other.get('c-1')).toBeUndefined();
      });

      it('sees a collection that another connection created, with its data', async () => {
        const second = await adapter.connect();
        try {
          const again = await second.collection(defineMeetings(calendar.name));
          expect(ids(await again.find({ where: { tenantId: 'tenant-b' } }))).toEqual(['c-5']);
        } finally {
          await second.close();
        }
      });
    });
  });
}
