import { MongoClient, MongoServerError, type Collection, type Db, type Filter, type Sort } from 'mongodb';
import type { Position, RecordedEvent } from '@scheduler/event-store';
import { comparePositions } from '@scheduler/event-store';
import {
  checkCollectionDefinition,
  checkDocument,
  compileQuery,
  type CompiledQuery,
  type IndexField,
} from '../document-store/collection-definition.js';
import { InvalidQueryError, VersionConflictError } from '../document-store/errors.js';
import type {
  CollectionDefinition,
  DocumentCollection,
  ExpectedVersion,
  FindQuery,
  JsonDocument,
  ReadModelStore,
  StoredDocument,
  WhereClause,
} from '../document-store/port.js';
import { documentIdsOf, foldEvents, type LoadedDocument } from '../projections/fold-events.js';
import type {
  AppliedBatch,
  ApplyBatch,
  ProjectionBackend,
  ProjectionTarget,
  RebuildTarget,
} from '../projections/projection-backend.js';
import type { ProjectionDefinition } from '../projections/projection.js';

export interface MongoReadModelStoreOptions {
  /** mongodb://… ; the database is the one in the URL unless `databaseName` is given. */
  readonly url: string;
  readonly databaseName?: string;
}

interface StoredEntry {
  _id: string;
  version: number;
  /** positionKey() of the last event applied: the per-document redelivery guard. */
  lastPosition?: string;
  document: JsonDocument;
}

interface CheckpointEntry {
  _id: string;
  position?: string;
}

interface GenerationEntry {
  _id: string;
  generation: number;
  rebuilding?: number | null;
}

const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

// Zero-padded so that MongoDB's string order is the log's order ($max, $lt work on it).
const positionKey = (position: Position) =>
  `${position.commit.toString().padStart(20, '0')}/${position.prepare.toString().padStart(20, '0')}`;
const positionFromKey = (key: string): Position => {
  const [commit, prepare] = key.split('/');
  return { commit: BigInt(commit!), prepare: BigInt(prepare!) };
};

const fieldOf = (index: IndexField) => `document.${index.field}`;
const indexNameOf = (index: IndexField) => `document.${index.field}_1`;

const toStored = <TDocument extends JsonDocument>(entry: StoredEntry): StoredDocument<TDocument> => ({
  id: entry._id,
  version: entry.version,
  document: entry.document as TDocument,
});

/**
 * Read models in MongoDB (production default). A collection is a MongoDB collection of
 * `{ _id, version, lastPosition, document }`. MongoDB has no transaction we rely on here, so
 * each document carries the position of the last event applied to it and redelivered
 * events at or below it are skipped; the checkpoint is written after the documents.
 * A rebuild fills `<name>__rebuild` and renames it over the live collection (atomic on a
 * replica set), so queries keep being served.
 */
export class MongoReadModelStore implements ReadModelStore, ProjectionBackend {
  readonly backend = 'mongodb';
  private readonly prepared = new Map<string, Promise<IndexField[]>>();

  private constructor(
    private readonly client: MongoClient,
    private readonly database: Db,
  ) {}

  static async connect(options: MongoReadModelStoreOptions): Promise<MongoReadModelStore> {
    const client = new MongoClient(options.url);
    await client.connect();
    return new MongoReadModelStore(client, client.db(options.databaseName));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async collection<TDocument extends JsonDocument>(
    definition: CollectionDefinition<TDocument>,
  ): Promise<DocumentCollection<TDocument>> {
    const indexes = await this.prepare(definition as CollectionDefinition<JsonDocument>);
    return new MongoCollection<TDocument>(
      this.database.collection<StoredEntry>(definition.name),
      definition,
      indexes,
    );
  }

  // ---- projections -------------------------------------------------------------------

  async readCheckpoint(
    projection: ProjectionDefinition<JsonDocument>,
    target: ProjectionTarget,
  ): Promise<Position | undefined> {
    await this.prepare(projection.collection);
    const entry = await this.checkpoints().findOne({ _id: this.checkpointId(projection, target) });
    return entry?.position ? positionFromKey(entry.position) : undefined;
  }

  async applyBatch(
    projection: ProjectionDefinition<JsonDocument>,
    target: ProjectionTarget,
    events: readonly RecordedEvent[],
    through: Position,
  ): Promise<AppliedBatch> {
    const indexes = await this.prepare(projection.collection);
    const collection = this.database.collection<StoredEntry>(this.targetName(projection, target));
    const stored = await this.readCheckpoint(projection, target);
    if (stored && comparePositions(through, stored) <= 0) return { applied: 0, checkpoint: stored };
    const fresh = stored ? events.filter((event) => comparePositions(event.position, stored) > 0) : events;
    const applied = await this.applyGuarded(collection, projection, indexes, fresh);
    await this.checkpoints().updateOne(
      { _id: this.checkpointId(projection, target) },
      { $max: { position: positionKey(through) } },
      { upsert: true },
    );
    return { applied, checkpoint: through };
  }

  async beginRebuild(projection: ProjectionDefinition<JsonDocument>): Promise<RebuildTarget> {
    await this.prepare(projection.collection);
    const name = projection.collection.name;
    const current = await this.generations().findOne({ _id: name });
    if (current?.rebuilding) {
      await this.checkpoints().deleteOne({
        _id: this.checkpointId(projection, { generation: current.rebuilding }),
      });
    }
    await this.database
      .collection(this.rebuildName(name))
      .drop()
      .catch((error: unknown) => {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
      });
    const generation = Math.max(current?.generation ?? 1, current?.rebuilding ?? 0) + 1;
    await this.generations().updateOne({ _id: name }, { $set: { rebuilding: generation } }, { upsert: true });
    return { generation };
  }

  async completeRebuild(
    projection: ProjectionDefinition<JsonDocument>,
    target: RebuildTarget,
    catchUp: (apply: ApplyBatch, after: Position | undefined) => Promise<void>,
  ): Promise<void> {
    // The runner holds its live batches off while this runs (one runner per projection).
    const name = projection.collection.name;
    const indexes = await this.prepare(projection.collection);
    await catchUp(
      (events, through) => this.applyBatch(projection, target, events, through),
      await this.readCheckpoint(projection, target),
    );
    const rebuilt = this.database.collection<StoredEntry>(this.rebuildName(name));
    await this.createIndexes(rebuilt, indexes);
    await rebuilt.rename(name, { dropTarget: true });
    const checkpoint = await this.readCheckpoint(projection, target);
    if (checkpoint) {
      await this.checkpoints().updateOne(
        { _id: this.checkpointId(projection, 'live') },
        { $set: { position: positionKey(checkpoint) } },
        { upsert: true },
      );
    }
    await this.checkpoints().deleteOne({ _id: this.checkpointId(projection, target) });
    await this.generations().updateOne(
      { _id: name },
      { $set: { generation: target.generation, rebuilding: null } },
    );
  }

  // ---- internals ---------------------------------------------------------------------

  private checkpoints() {
    return this.database.collection<CheckpointEntry>('projection_checkpoints');
  }

  private generations() {
    return this.database.collection<GenerationEntry>('read_model_generations');
  }

  private rebuildName(collection: string) {
    return `${collection}__rebuild`;
  }

  private targetName(projection: ProjectionDefinition<JsonDocument>, target: ProjectionTarget) {
    return target === 'live' ? projection.collection.name : this.rebuildName(projection.collection.name);
  }

  private checkpointId(projection: ProjectionDefinition<JsonDocument>, target: ProjectionTarget) {
    return target === 'live' ? `${projection.name}:live` : `${projection.name}:g${target.generation}`;
  }

  private prepare(definition: CollectionDefinition<JsonDocument>): Promise<IndexField[]> {
    let prepared = this.prepared.get(definition.name);
    if (!prepared) {
      prepared = (async () => {
        const indexes = checkCollectionDefinition(definition);
        await this.createIndexes(this.database.collection<StoredEntry>(definition.name), indexes);
        await this.generations().updateOne(
          { _id: definition.name },
          { $setOnInsert: { generation: 1 } },
          { upsert: true },
        );
        return indexes;
      })();
      this.prepared.set(definition.name, prepared);
      prepared.catch(() => this.prepared.delete(definition.name));
    }
    return prepared;
  }

  private async createIndexes(collection: Collection<StoredEntry>, indexes: readonly IndexField[]) {
    if (indexes.length === 0) return;
    await collection.createIndexes(
      indexes.map((index) => ({ key: { [fieldOf(index)]: 1 }, name: indexNameOf(index) })),
    );
  }

  /**
   * Folds the batch onto the loaded documents, skipping events at or below each document's
   * last position, and writes each change only if the document is still at the version it
   * was loaded at. A concurrent writer makes the batch reload and fold again.
   */
  private async applyGuarded(
    collection: Collection<StoredEntry>,
    projection: ProjectionDefinition<JsonDocument>,
    indexes: readonly IndexField[],
    events: readonly RecordedEvent[],
  ): Promise<number> {
    const ids = documentIdsOf(projection, events);
    for (let attempt = 1; ; attempt++) {
      const loaded = new Map<string, LoadedDocument>();
      if (ids.length > 0) {
        for (const entry of await collection.find({ _id: { $in: ids } }).toArray()) {
          loaded.set(entry._id, {
            version: entry.version,
            document: entry.document,
            lastPosition: entry.lastPosition ? positionFromKey(entry.lastPosition) : undefined,
          });
        }
      }
      const { changes, applied } = foldEvents(projection, indexes, loaded, events, true);
      if (changes.length === 0) return applied;
      try {
        const result = await collection.bulkWrite(
          changes.map((change) => {
            if (change.document === undefined) {
              return { deleteOne: { filter: { _id: change.id, version: change.storedVersion! } } };
            }
            const entry = {
              version: (change.storedVersion ?? 0) + 1,
              lastPosition: positionKey(change.lastPosition),
              document: change.document,
            };
            return change.storedVersion === undefined
              ? { insertOne: { document: { _id: change.id, ...entry } } }
              : {
                  replaceOne: {
                    filter: { _id: change.id, version: change.storedVersion },
                    replacement: entry,
                  },
                };
          }),
          { ordered: false },
        );
        const expected = changes.filter((change) => change.storedVersion !== undefined).length;
        if (result.matchedCount + result.deletedCount === expected) return applied;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      if (attempt >= 5) {
        throw new Error(
          `projection ${projection.name}: documents kept changing under the batch; gave up after 5 attempts`,
        );
      }
    }
  }
}

class MongoCollection<TDocument extends JsonDocument> implements DocumentCollection<TDocument> {
  readonly name: string;

  constructor(
    private readonly collection: Collection<StoredEntry>,
    private readonly definition: CollectionDefinition<TDocument>,
    private readonly indexes: readonly IndexField[],
  ) {
    this.name = definition.name;
  }

  async get(id: string): Promise<StoredDocument<TDocument> | undefined> {
    const entry = await this.collection.findOne({ _id: id });
    return entry ? toStored<TDocument>(entry) : undefined;
  }

  async upsert(
    id: string,
    document: TDocument,
    options: { readonly expectedVersion: ExpectedVersion },
  ): Promise<StoredDocument<TDocument>> {
    const checked = checkDocument(this.definition, this.indexes, id, document);
    const expected = options.expectedVersion;
    this.checkExpectedVersion(id, expected);
    if (expected === 'absent') {
      try {
        await this.collection.insertOne({ _id: id, version: 1, document: checked });
        return { id, version: 1, document: checked };
      } catch (error) {
        if (isDuplicateKey(error)) throw await this.conflict(id, expected);
        throw error;
      }
    }
    if (expected === 'any') {
      for (let attempt = 1; ; attempt++) {
        try {
          const entry = await this.collection.findOneAndUpdate(
            { _id: id },
            { $set: { document: checked }, $inc: { version: 1 } },
            { upsert: true, returnDocument: 'after' },
          );
          return toStored<TDocument>(entry!);
        } catch (error) {
          // Two upserts of a new id race on the insert; the loser retries as an update.
          if (!isDuplicateKey(error) || attempt >= 3) throw error;
        }
      }
    }
    const entry = await this.collection.findOneAndUpdate(
      { _id: id, version: expected },
      { $set: { document: checked, version: expected + 1 } },
      { returnDocument: 'after' },
    );
    if (!entry) throw await this.conflict(id, expected);
    return toStored<TDocument>(entry);
  }

  async delete(id: string, options: { readonly expectedVersion?: ExpectedVersion } = {}): Promise<boolean> {
    const expected = options.expectedVersion ?? 'any';
    this.checkExpectedVersion(id, expected);
    if (expected === 'absent') {
      const current = await this.get(id);
      if (current) throw new VersionConflictError(this.name, id, expected, current.version);
      return false;
    }
    const filter: Filter<StoredEntry> = expected === 'any' ? { _id: id } : { _id: id, version: expected };
    const { deletedCount } = await this.collection.deleteOne(filter);
    if (deletedCount === 0 && expected !== 'any') throw await this.conflict(id, expected);
    return deletedCount > 0;
  }

  async find(query?: FindQuery): Promise<Array<StoredDocument<TDocument>>> {
    const compiled = compileQuery(this.name, this.indexes, query);
    const cursor = this.collection.find(this.toFilter(compiled)).sort(this.toSort(compiled));
    if (compiled.limit !== undefined) cursor.limit(compiled.limit);
    return (await cursor.toArray()).map((entry) => toStored<TDocument>(entry));
  }

  async count(where?: WhereClause): Promise<number> {
    const compiled = compileQuery(this.name, this.indexes, where ? { where } : {});
    return this.collection.countDocuments(this.toFilter(compiled));
  }

  private toFilter(query: CompiledQuery): Filter<StoredEntry> {
    const filter: Record<string, Record<string, unknown>> = {};
    for (const condition of query.conditions) {
      const field = fieldOf(condition);
      filter[field] = { ...filter[field], [`$${condition.operator}`]: condition.value };
    }
    return filter as Filter<StoredEntry>;
  }

  private toSort(query: CompiledQuery): Sort {
    const sort: Record<string, 1 | -1> = {};
    for (const order of query.orderBy) sort[fieldOf(order)] = order.direction === 'asc' ? 1 : -1;
    sort._id = 1;
    return sort;
  }

  private checkExpectedVersion(id: string, expected: ExpectedVersion) {
    if (expected === 'any' || expected === 'absent') return;
    if (!Number.isSafeInteger(expected) || expected < 1) {
      throw new InvalidQueryError(
        this.name,
        `${id}: expectedVersion must be 'any', 'absent' or a version >= 1`,
      );
    }
  }

  private async conflict(id: string, expected: ExpectedVersion): Promise<VersionConflictError> {
    const current = await this.get(id);
    return new VersionConflictError(this.name, id, expected, current ? current.version : 'absent');
  }
}
