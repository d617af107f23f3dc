import { createHash } from 'node:crypto';
import pg from 'pg';
import { migrate, inTransaction } from '@scheduler/postgres-migrations';
import type { Position, RecordedEvent } from '@scheduler/event-store';
import { comparePositions, positionFromString, positionToString } from '@scheduler/event-store';
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
import {
  documentIdsOf,
  foldEvents,
  type DocumentChange,
  type LoadedDocument,
} from '../projections/fold-events.js';
import type {
  AppliedBatch,
  ApplyBatch,
  ProjectionBackend,
  ProjectionTarget,
  RebuildTarget,
} from '../projections/projection-backend.js';
import type { ProjectionDefinition } from '../projections/projection.js';
import { readModelMigrations } from './migrations.js';

export interface PostgresReadModelStoreOptions {
  readonly connectionString: string;
  /** Schema for every table; omitted: the connection's search_path. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** `'{a,b}'`: paths are checked against a strict alphabet, so they need no further escaping. */
const jsonPath = (path: readonly string[]) => `'{${path.join(',')}}'`;

/**
 * The SQL expression for an indexed field. Queries use exactly the expression the index was
 * built on, so the planner can use it. Strings compare bytewise (COLLATE "C"), as MongoDB does.
 */
function indexExpression(index: IndexField): string {
  const text = `(document #>> ${jsonPath(index.path)})`;
  switch (index.type) {
    case 'string':
      return `(${text} COLLATE "C")`;
    case 'number':
      return `(${text}::double precision)`;
    case 'boolean':
      return `(${text}::boolean)`;
  }
}

const indexName = (table: string, index: IndexField) =>
  `${table}__${createHash('sha256').update(`${index.field}:${index.type}`).digest('hex').slice(0, 10)}`;

interface StoredRow {
  id: string;
  version: string;
  document: JsonDocument;
  last_position?: string | null;
}

const toStored = <TDocument extends JsonDocument>(row: StoredRow): StoredDocument<TDocument> => ({
  id: row.id,
  version: Number(row.version),
  document: row.document as TDocument,
});

/**
 * Read models in PostgreSQL JSONB. A collection is a view named after it over one physical
 * table per generation (`<name>__g<n>`); `read_model_generations` says which one is live.
 * A rebuild fills a new generation and swaps the view in one transaction, so queries keep
 * being served and never see a half-built model.
 */
export class PostgresReadModelStore implements ReadModelStore, ProjectionBackend {
  readonly backend = 'postgres';
  private readonly prepared = new Map<string, Promise<IndexField[]>>();
  private readonly rebuildCaches = new WeakMap<RebuildTarget, RebuildCache>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string | undefined,
  ) {}

  static async connect(options: PostgresReadModelStoreOptions): Promise<PostgresReadModelStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
    });
    // A dropped idle connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const store = new PostgresReadModelStore(pool, options.schema);
    try {
      // Safe when several processes start at once: one migrates, the others wait and find it done.
      await migrate(pool, {
        component: 'read-models',
        schema: options.schema,
        createSchema: options.schema !== undefined,
        migrations: readModelMigrations((name) => store.table(name)),
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async collection<TDocument extends JsonDocument>(
    definition: CollectionDefinition<TDocument>,
  ): Promise<DocumentCollection<TDocument>> {
    const indexes = await this.prepare(definition as CollectionDefinition<JsonDocument>);
    return new PostgresCollection<TDocument>(this.pool, definition, indexes, this.table(definition.name));
  }

  // ---- projections -------------------------------------------------------------------

  async readCheckpoint(
    projection: ProjectionDefinition<JsonDocument>,
    target: ProjectionTarget,
  ): Promise<Position | undefined> {
    await this.prepare(projection.collection);
    const generation =
      target === 'live' ? await this.liveGeneration(projection.collection.name) : target.generation;
    const { rows } = await this.pool.query<{ position: string | null }>(
      `SELECT position FROM ${this.table('projection_checkpoints')} WHERE projection = $1 AND generation = $2`,
      [projection.name, generation],
    );
    return rows[0]?.position ? positionFromString(rows[0].position) : undefined;
  }

  async applyBatch(
    projection: ProjectionDefinition<JsonDocument>,
    target: ProjectionTarget,
    events: readonly RecordedEvent[],
    through: Position,
  ): Promise<AppliedBatch> {
    const indexes = await this.prepare(projection.collection);
    return this.transaction(async (client) => {
      let generation: number;
      if (target === 'live') {
        // FOR SHARE: a swap (FOR UPDATE) waits for this batch, and this batch for a swap.
        const { rows } = await client.query<{ generation: number }>(
          `SELECT generation FROM ${this.table('read_model_generations')} WHERE collection = $1 FOR SHARE`,
          [projection.collection.name],
        );
        generation = rows[0]!.generation;
      } else {
        generation = target.generation;
        // An unfinished rebuild is discarded after a crash, so its batches need not wait for
        // the WAL flush; the swap that makes the generation live is a normal, durable commit.
        await client.query('SET LOCAL synchronous_commit = off');
      }
      const cache = target === 'live' ? undefined : this.rebuildCaches.get(target);
      return this.applyInTransaction(client, projection, indexes, generation, events, through, cache);
    });
  }

  async beginRebuild(projection: ProjectionDefinition<JsonDocument>): Promise<RebuildTarget> {
    await this.prepare(projection.collection);
    const name = projection.collection.name;
    return this.transaction(async (client) => {
      await this.lockCollectionSetUp(client, name);
      const { rows } = await client.query<{ generation: number; rebuilding: number | null }>(
        `SELECT generation, rebuilding FROM ${this.table('read_model_generations')} WHERE collection = $1 FOR UPDATE`,
        [name],
      );
      const { generation: live, rebuilding } = rows[0]!;
      if (rebuilding !== null) await this.dropGeneration(client, projection, rebuilding);
      const generation = Math.max(live, rebuilding ?? 0) + 1;
      // Bulk-load settings: unlogged (no WAL per batch) with only the primary key; the table
      // is made logged and indexed once, before the swap. Safe, because an unfinished rebuild
      // is never resumed: a crash loses nothing that is not rebuilt from the log anyway.
      await client.query(this.createTableSql(name, generation, { unlogged: true }));
      await client.query(
        `UPDATE ${this.table('read_model_generations')} SET rebuilding = $2, updated_at = now() WHERE collection = $1`,
        [name, generation],
      );
      const target = { generation };
      this.rebuildCaches.set(target, { documents: new Map(), complete: true });
      return target;
    });
  }

  async completeRebuild(
    projection: ProjectionDefinition<JsonDocument>,
    target: RebuildTarget,
    catchUp: (apply: ApplyBatch, after: Position | undefined) => Promise<void>,
  ): Promise<void> {
    const definition = projection.collection;
    const indexes = await this.prepare(definition);
    const fresh = this.generationTable(definition.name, target.generation);
    await this.pool.query(`ALTER TABLE ${this.table(fresh)} SET LOGGED`);
    for (const index of indexes) await this.pool.query(this.createIndexSql(fresh, index));
    await this.pool.query(`ANALYZE ${this.table(fresh)}`);
    let previous = 0;
    await this.transaction(async (client) => {
      const { rows } = await client.query<{ generation: number; rebuilding: number | null }>(
        `SELECT generation, rebuilding FROM ${this.table('read_model_generations')} WHERE collection = $1 FOR UPDATE`,
        [definition.name],
      );
      previous = rows[0]!.generation;
      if (rows[0]!.rebuilding !== target.generation) {
        throw new Error(
          `${definition.name}: generation ${target.generation} is no longer the one being rebuilt ` +
            `(now ${String(rows[0]!.rebuilding)}); another rebuild replaced it`,
        );
      }
      const { rows: checkpoint } = await client.query<{ position: string | null }>(
        `SELECT position FROM ${this.table('projection_checkpoints')} WHERE projection = $1 AND generation = $2`,
        [projection.name, target.generation],
      );
      const cache = this.rebuildCaches.get(target);
      await catchUp(
        (events, through) =>
          this.applyInTransaction(client, projection, indexes, target.generation, events, through, cache),
        checkpoint[0]?.position ? positionFromString(checkpoint[0].position) : undefined,
      );
      await client.query(
        `UPDATE ${this.table('read_model_generations')} SET generation = $2, rebuilding = NULL, updated_at = now()
         WHERE collection = $1`,
        [definition.name, target.generation],
      );
      await client.query(this.createViewSql(definition.name, target.generation));
      await client.query(
        `DELETE FROM ${this.table('projection_checkpoints')} WHERE projection = $1 AND generation = $2`,
        [projection.name, previous],
      );
    });
    // After the commit: a query still reading the old table only delays the drop.
    await this.pool.query(
      `DROP TABLE IF EXISTS ${this.table(this.generationTable(definition.name, previous))}`,
    );
  }

  // ---- internals ---------------------------------------------------------------------

  private table(name: string): string {
    return this.schema ? `${quote(this.schema)}.${quote(name)}` : quote(name);
  }

  private generationTable(collection: string, generation: number): string {
    return `${collection}__g${generation}`;
  }

  private createTableSql(
    collection: string,
    generation: number,
    options: { unlogged?: boolean } = {},
  ): string {
    return `CREATE ${options.unlogged ? 'UNLOGGED ' : ''}TABLE IF NOT EXISTS ${this.table(this.generationTable(collection, generation))} (
      id text COLLATE "C" PRIMARY KEY,
      version bigint NOT NULL,
      last_position text,
      document jsonb NOT NULL
    )`;
  }

  private createIndexSql(table: string, index: IndexField): string {
    return `CREATE INDEX IF NOT EXISTS ${quote(indexName(table, index))} ON ${this.table(table)} (${indexExpression(index)})`;
  }

  private createViewSql(collection: string, generation: number): string {
    return `CREATE OR REPLACE VIEW ${this.table(collection)} AS
      SELECT id, version, last_position, document FROM ${this.table(this.generationTable(collection, generation))}`;
  }

  private async lockCollectionSetUp(client: pg.ClientBase, collection: string) {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`scheduler-read-model:${collection}`]);
  }

  /** Creates the collection's live generation, view and indexes once per process (idempotent). */
  private prepare(definition: CollectionDefinition<JsonDocument>): Promise<IndexField[]> {
    let prepared = this.prepared.get(definition.name);
    if (!prepared) {
      prepared = this.setUpCollection(definition);
      this.prepared.set(definition.name, prepared);
      prepared.catch(() => this.prepared.delete(definition.name));
    }
    return prepared;
  }

  private async setUpCollection(definition: CollectionDefinition<JsonDocument>): Promise<IndexField[]> {
    const indexes = checkCollectionDefinition(definition);
    await this.transaction(async (client) => {
      await this.lockCollectionSetUp(client, definition.name);
      await client.query(
        `INSERT INTO ${this.table('read_model_generations')} (collection, generation) VALUES ($1, 1)
         ON CONFLICT (collection) DO NOTHING`,
        [definition.name],
      );
      const { rows } = await client.query<{ generation: number }>(
        `SELECT generation FROM ${this.table('read_model_generations')} WHERE collection = $1`,
        [definition.name],
      );
      const generation = rows[0]!.generation;
      await client.query(this.createTableSql(definition.name, generation));
      const table = this.generationTable(definition.name, generation);
      for (const index of indexes) await client.query(this.createIndexSql(table, index));
      const { rows: view } = await client.query(
        `SELECT 1 FROM pg_views WHERE viewname = $1 AND schemaname = coalesce($2, current_schema())`,
        [definition.name, this.schema ?? null],
      );
      if (view.length === 0) await client.query(this.createViewSql(definition.name, generation));
    });
    return indexes;
  }

  private async liveGeneration(collection: string): Promise<number> {
    const { rows } = await this.pool.query<{ generation: number }>(
      `SELECT generation FROM ${this.table('read_model_generations')} WHERE collection = $1`,
      [collection],
    );
    return rows[0]!.generation;
  }

  private async dropGeneration(
    client: pg.ClientBase,
    projection: ProjectionDefinition<JsonDocument>,
    generation: number,
  ) {
    await client.query(
      `DROP TABLE IF EXISTS ${this.table(this.generationTable(projection.collection.name, generation))}`,
    );
    await client.query(
      `DELETE FROM ${this.table('projection_checkpoints')} WHERE projection = $1 AND generation = $2`,
      [projection.name, generation],
    );
  }

  /**
   * One batch, inside the caller's transaction: lock the checkpoint, skip what it already
   * covers (redelivery), fold the rest in memory, write every changed document in one
   * statement, move the checkpoint. Document change and checkpoint commit together.
   */
  private async applyInTransaction(
    client: pg.ClientBase,
    projection: ProjectionDefinition<JsonDocument>,
    indexes: readonly IndexField[],
    generation: number,
    events: readonly RecordedEvent[],
    through: Position,
    cache?: RebuildCache,
  ): Promise<AppliedBatch> {
    const checkpoints = this.table('projection_checkpoints');
    let { rows } = await client.query<{ position: string | null }>(
      `SELECT position FROM ${checkpoints} WHERE projection = $1 AND generation = $2 FOR UPDATE`,
      [projection.name, generation],
    );
    if (rows.length === 0) {
      await client.query(
        `INSERT INTO ${checkpoints} (projection, generation) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [projection.name, generation],
      );
      ({ rows } = await client.query<{ position: string | null }>(
        `SELECT position FROM ${checkpoints} WHERE projection = $1 AND generation = $2 FOR UPDATE`,
        [projection.name, generation],
      ));
    }
    const stored = rows[0]?.position ? positionFromString(rows[0].position) : undefined;
    if (stored && comparePositions(through, stored) <= 0) return { applied: 0, checkpoint: stored };
    const fresh = stored ? events.filter((event) => comparePositions(event.position, stored) > 0) : events;

    const table = this.table(this.generationTable(projection.collection.name, generation));
    const ids = documentIdsOf(projection, fresh);
    const loaded = new Map<string, LoadedDocument>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = cache?.documents.get(id);
      if (cached) loaded.set(id, cached);
      else if (!cache?.complete) missing.push(id);
    }
    if (missing.length > 0) {
      const { rows: documents } = await client.query<StoredRow>(
        `SELECT id, version, document FROM ${table} WHERE id = ANY($1::text[])`,
        [missing],
      );
      for (const row of documents) {
        loaded.set(row.id, { version: Number(row.version), document: row.document, lastPosition: undefined });
      }
    }
    const { changes, applied } = foldEvents(projection, indexes, loaded, fresh, false);
    if (cache) rememberRebuilt(cache, changes);
    const writes = changes.filter((change) => change.document !== undefined);
    const deletes = changes.filter((change) => change.document === undefined).map((change) => change.id);
    if (writes.length > 0) {
      const payload = JSON.stringify(
        writes.map((change) => ({
          id: change.id,
          version: (change.storedVersion ?? 0) + 1,
          last_position: positionToString(change.lastPosition),
          document: change.document,
        })),
      );
      await client.query(
        `INSERT INTO ${table} (id, version, last_position, document)
         SELECT id, version, last_position, document
         FROM jsonb_to_recordset($1::jsonb) AS batch(id text, version bigint, last_position text, document jsonb)
         ON CONFLICT (id) DO UPDATE
           SET version = EXCLUDED.version, last_position = EXCLUDED.last_position, document = EXCLUDED.document`,
        [payload],
      );
    }
    if (deletes.length > 0) await client.query(`DELETE FROM ${table} WHERE id = ANY($1::text[])`, [deletes]);
    await client.query(
      `UPDATE ${checkpoints} SET position = $3, updated_at = now() WHERE projection = $1 AND generation = $2`,
      [projection.name, generation, positionToString(through)],
    );
    return { applied, checkpoint: through };
  }

  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

/**
 * During a rebuild this process is the only writer of the new generation, so the documents
 * it wrote can be kept instead of read back for every batch. A failed batch abandons the
 * whole rebuild (the next one starts a fresh generation), so eager updates are safe.
 */
interface RebuildCache {
  readonly documents: Map<string, LoadedDocument>;
  /** True while the cache holds every document in the table: a miss means "absent". */
  complete: boolean;
}

const REBUILD_CACHE_LIMIT = 200_000;

function rememberRebuilt(cache: RebuildCache, changes: readonly DocumentChange[]) {
  for (const change of changes) {
    if (change.document === undefined) cache.documents.delete(change.id);
    else {
      cache.documents.set(change.id, {
        version: (change.storedVersion ?? 0) + 1,
        document: change.document,
        lastPosition: change.lastPosition,
      });
    }
  }
  if (cache.documents.size > REBUILD_CACHE_LIMIT) {
    // Past the limit the table is the source again; misses are read back from it.
    cache.documents.clear();
    cache.complete = false;
  }
}

class PostgresCollection<TDocument extends JsonDocument> implements DocumentCollection<TDocument> {
  readonly name: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly definition: CollectionDefinition<TDocument>,
    private readonly indexes: readonly IndexField[],
    private readonly view: string,
  ) {
    this.name = definition.name;
  }

  async get(id: string): Promise<StoredDocument<TDocument> | undefined> {
    const { rows } = await this.pool.query<StoredRow>(
      `SELECT id, version, document FROM ${this.view} WHERE id = $1`,
      [id],
    );
    return rows[0] ? toStored<TDocument>(rows[0]) : undefined;
  }

  async upsert(
    id: string,
    document: TDocument,
    options: { readonly expectedVersion: ExpectedVersion },
  ): Promise<StoredDocument<TDocument>> {
    const checked = checkDocument(this.definition, this.indexes, id, document);
    const expected = options.expectedVersion;
    this.checkExpectedVersion(id, expected);
    const json = JSON.stringify(checked);
    let rows: StoredRow[];
    if (expected === 'any') {
      ({ rows } = await this.pool.query<StoredRow>(
        `INSERT INTO ${this.view} AS current (id, version, document) VALUES ($1, 1, $2::jsonb)
         ON CONFLICT (id) DO UPDATE SET version = current.version + 1, document = EXCLUDED.document
         RETURNING id, version, document`,
        [id, json],
      ));
    } else if (expected === 'absent') {
      ({ rows } = await this.pool.query<StoredRow>(
        `INSERT INTO ${this.view} (id, version, document) VALUES ($1, 1, $2::jsonb)
         ON CONFLICT (id) DO NOTHING RETURNING id, version, document`,
        [id, json],
      ));
    } else {
      ({ rows } = await this.pool.query<StoredRow>(
        `UPDATE ${this.view} SET version = version + 1, document = $3::jsonb
         WHERE id = $1 AND version = $2 RETURNING id, version, document`,
        [id, expected, json],
      ));
    }
    if (!rows[0]) throw await this.conflict(id, expected);
    return toStored<TDocument>(rows[0]);
  }

  async delete(id: string, options: { readonly expectedVersion?: ExpectedVersion } = {}): Promise<boolean> {
    const expected = options.expectedVersion ?? 'any';
    this.checkExpectedVersion(id, expected);
    if (expected === 'absent') {
      const current = await this.get(id);
      if (current) throw new VersionConflictError(this.name, id, expected, current.version);
      return false;
    }
    const { rowCount } =
      expected === 'any'
        ? await this.pool.query(`DELETE FROM ${this.view} WHERE id = $1`, [id])
        : await this.pool.query(`DELETE FROM ${this.view} WHERE id = $1 AND version = $2`, [id, expected]);
    if (rowCount === 0 && expected !== 'any') throw await this.conflict(id, expected);
    return (rowCount ?? 0) > 0;
  }

  async find(query?: FindQuery): Promise<Array<StoredDocument<TDocument>>> {
    const compiled = compileQuery(this.name, this.indexes, query);
    const { text, values } = this.toSql(compiled);
    const { rows } = await this.pool.query<StoredRow>(text, values);
    return rows.map((row) => toStored<TDocument>(row));
  }

  async count(where?: WhereClause): Promise<number> {
    const compiled = compileQuery(this.name, this.indexes, where ? { where } : {});
    const { conditions, values } = this.conditionsSql(compiled);
    let text = `SELECT count(*)::bigint AS count FROM ${this.view}`;
    if (conditions.length > 0) text += ` WHERE ${conditions.join(' AND ')}`;
    const { rows } = await this.pool.query<{ count: string }>(text, values);
    return Number(rows[0]!.count);
  }

  private conditionsSql(query: CompiledQuery): { conditions: string[]; values: unknown[] } {
    const values: unknown[] = [];
    const parameter = (value: unknown, cast: string) => {
      values.push(value);
      return `$${values.length}::${cast}`;
    };
    const castOf = { string: 'text', number: 'double precision', boolean: 'boolean' } as const;
    const conditions = query.conditions.map((condition) => {
      const expression = indexExpression(condition);
      const cast = castOf[condition.type];
      if (condition.operator === 'in') {
        const list = parameter(condition.value, `${cast}[]`);
        return `${expression} = ANY(${list})`;
      }
      const symbol = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.operator];
      const value = parameter(condition.value, cast);
      return `${expression} ${symbol} ${value}`;
    });
    return { conditions, values };
  }

  private toSql(query: CompiledQuery): { text: string; values: unknown[] } {
    const { conditions: where, values } = this.conditionsSql(query);
    const parameter = (value: unknown, cast: string) => {
      values.push(value);
      return `$${values.length}::${cast}`;
    };
    // NULLS FIRST ascending / LAST descending: where MongoDB puts a missing field.
    const order = [
      ...query.orderBy.map((order) =>
        order.direction === 'asc'
          ? `${indexExpression(order)} ASC NULLS FIRST`
          : `${indexExpression(order)} DESC NULLS LAST`,
      ),
      'id ASC',
    ];
    let text = `SELECT id, version, document FROM ${this.view}`;
    if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
    text += ` ORDER BY ${order.join(', ')}`;
    if (query.limit !== undefined) text += ` LIMIT ${parameter(query.limit, 'integer')}`;
    return { text, values };
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
