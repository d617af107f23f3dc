import { createHash } from 'node:crypto';
import pg from 'pg';
import { migrate } from '@scheduler/postgres-migrations';
import { StreamDeletedError, StreamNotFoundError, ExpectedVersionConflictError } from '../errors.js';
import {
  assertValidAppend,
  assertValidExpectedRevision,
  assertValidReadAll,
  assertValidReadStream,
  assertValidStreamId,
} from '../input-validation.js';
import type {
  AllSubscription,
  AppendResult,
  EventFilter,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  JsonObject,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../port.js';
import {
  EXPECTED_ANY,
  EXPECTED_NO_STREAM,
  EXPECTED_STREAM_EXISTS,
  OUTCOME_TOMBSTONED,
  OUTCOME_WRONG_EXPECTED_REVISION,
  STREAM_ACTIVE,
  quoteIdentifier,
} from './schema.js';
import { PostgresAllSubscription, type SubscriptionPage } from './postgres-subscription.js';
import { ChangeListener } from './change-listener.js';
import { eventStoreMigrations } from './migrations.js';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  /** Where the tables live; defaults to the connection's current schema (its search_path). */
  readonly schema?: string;
  /** A pool to share; the store then never ends it. */
  readonly pool?: pg.Pool;
  /** Size of the pool the store creates when none is given. */
  readonly poolSize?: number;
  /** The safety-net poll of live subscriptions, for wake-ups LISTEN/NOTIFY missed. */
  readonly subscriptionPollIntervalMs?: number;
}

interface EventRow {
  transaction_id: string;
  global_position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  event_type: string;
  data: JsonObject;
  metadata: JsonObject;
  recorded_at: Date;
}

const EVENT_COLUMNS = `e.transaction_id::text AS transaction_id, e.global_position, e.stream_id, e.revision,
  e.event_id, e.event_type, e.data, e.metadata, e.recorded_at`;
const MAXIMUM_REVISION = 9_223_372_036_854_775_807n;

/**
 * The event store on PostgreSQL. Global order is (transaction id, sequence number), and
 * readers see only rows of transactions older than the oldest one still running, so no
 * reader ever passes an event that is yet to commit (libs/event-store/README.md).
 */
export class PostgresEventStore implements EventStore {
  private readonly statements: ReturnType<typeof buildStatements>;
  private readonly listener: ChangeListener;
  private readonly subscriptions = new Set<PostgresAllSubscription>();
  private announcing: Promise<void> | undefined;
  private announceAgain = false;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    readonly schema: string,
    connectionString: string,
    private readonly pollIntervalMs: number,
  ) {
    this.statements = buildStatements(schema);
    this.listener = new ChangeListener(connectionString, this.statements.channel, () => {
      for (const subscription of this.subscriptions) subscription.wake();
    });
  }

  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const ownsPool = !options.pool;
    const pool =
      options.pool ??
      new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 20 });
    // An idle connection that dies (a server restart) must not crash the process: the
    // pool drops it and the next query opens a fresh one.
    if (ownsPool) pool.on('error', () => undefined);
    try {
      const schema = options.schema ?? (await currentSchema(pool));
      // Safe when several processes start at once: one migrates, the others wait and find it done.
      await migrate(pool, {
        component: 'event-store',
        schema,
        createSchema: options.schema !== undefined,
        migrations: eventStoreMigrations(schema),
      });
      return new PostgresEventStore(
        pool,
        ownsPool,
        schema,
        options.connectionString,
        options.subscriptionPollIntervalMs ?? 1_000,
      );
    } catch (error) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw error;
    }
  }

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    assertValidAppend(streamId, events, expectedRevision);
    const payload = JSON.stringify(
      events.map((event) => ({
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata ?? {},
      })),
    );
    const result = await this.pool.query<{
      outcome: number;
      revision: string | null;
      transaction_id: string | null;
      global_position: string | null;
    }>({
      name: this.statements.appendName,
      text: this.statements.append,
      values: [streamId, encodeExpected(expectedRevision), payload],
    });
    const row = result.rows[0]!;
    throwIfRefused(streamId, expectedRevision, row);
    this.announceAppend();
    return {
      nextExpectedRevision: BigInt(row.revision!),
      position: { commit: BigInt(row.transaction_id!), prepare: BigInt(row.global_position!) },
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    assertValidReadStream(streamId, options);
    const backwards = options.direction === 'backwards';
    const result = await this.pool.query<Partial<EventRow> & { status: number }>({
      name: backwards ? this.statements.readStreamBackwardsName : this.statements.readStreamForwardsName,
      text: backwards ? this.statements.readStreamBackwards : this.statements.readStreamForwards,
      values: [
        streamId,
        (options.fromRevision ?? (backwards ? MAXIMUM_REVISION : 0n)).toString(),
        options.maxCount ?? null,
      ],
    });
    const first = result.rows[0];
    if (!first) {
      const tombstone = await this.pool.query<{ tombstoned: boolean }>({
        name: this.statements.isTombstonedName,
        text: this.statements.isTombstoned,
        values: [streamId],
      });
      throw tombstone.rows[0]?.tombstoned
        ? new StreamDeletedError(streamId)
        : new StreamNotFoundError(streamId);
    }
    if (first.status !== STREAM_ACTIVE) throw new StreamNotFoundError(streamId);
    return result.rows.filter((row) => row.event_id != null).map((row) => toRecordedEvent(row as EventRow));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    assertValidReadAll(options);
    const result = await this.pool.query<EventRow>({
      name: this.statements.readAllName,
      text: this.statements.readAll,
      values: [
        ...positionParameters(options.after),
        ...filterParameters(options.filter),
        options.maxCount ?? null,
      ],
    });
    return result.rows.map(toRecordedEvent);
  }

  /**
   * How many events readAll would return with the same options and no maxCount (PostgreSQL
   * only, not part of the port): the total a rebuild or export reports its progress against.
   */
  async countEvents(options: Omit<ReadAllOptions, 'maxCount'> = {}): Promise<number> {
    assertValidReadAll(options);
    const result = await this.pool.query<{ count: string }>({
      name: this.statements.countAllName,
      text: this.statements.countAll,
      values: [...positionParameters(options.after), ...filterParameters(options.filter)],
    });
    return Number(result.rows[0]!.count);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    if (this.closed) throw new Error('the event store is closed');
    const subscription = new PostgresAllSubscription({
      after: options.after,
      readPage: (after, maxCount) => this.readSubscriptionPage(after, options.filter, maxCount),
      startListening: () => this.listener.start(),
      pollIntervalMs: this.pollIntervalMs,
      onClose: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async deleteStream(streamId: string, expectedRevision: ExpectedRevision): Promise<void> {
    await this.delete(streamId, expectedRevision, false);
  }

  async tombstoneStream(streamId: string, expectedRevision: ExpectedRevision): Promise<void> {
    await this.delete(streamId, expectedRevision, true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    await this.announcing;
    await this.listener.stop();
    if (this.ownsPool) await this.pool.end();
  }

  private async delete(
    streamId: string,
    expectedRevision: ExpectedRevision,
    tombstone: boolean,
  ): Promise<void> {
    assertValidStreamId(streamId);
    assertValidExpectedRevision(streamId, expectedRevision);
    const result = await this.pool.query<{ outcome: number; revision: string | null }>({
      name: this.statements.deleteName,
      text: this.statements.delete,
      values: [streamId, encodeExpected(expectedRevision), tombstone],
    });
    const row = result.rows[0]!;
    throwIfRefused(streamId, expectedRevision, row);
  }

  private async readSubscriptionPage(
    after: Position | undefined,
    filter: EventFilter | undefined,
    maxCount: number,
  ): Promise<SubscriptionPage> {
    const result = await this.pool.query<
      Partial<EventRow> & {
        horizon_transaction_id: string | null;
        horizon_position: string | null;
        pending: boolean;
      }
    >({
      name: this.statements.subscriptionPageName,
      text: this.statements.subscriptionPage,
      values: [...positionParameters(after), ...filterParameters(filter), maxCount],
    });
    const first = result.rows[0]!;
    return {
      events: result.rows
        .filter((row) => row.event_id != null)
        .map((row) => toRecordedEvent(row as EventRow)),
      horizon:
        first.horizon_transaction_id === null
          ? undefined
          : { commit: BigInt(first.horizon_transaction_id), prepare: BigInt(first.horizon_position!) },
      pending: first.pending,
    };
  }

  /**
   * Wakes live subscriptions (in every process) after a commit. The NOTIFY runs after the
   * append's transaction, not inside it: a NOTIFY inside would serialise all committing
   * appends on PostgreSQL's notify queue lock. Concurrent appends share one NOTIFY.
   */
  private announceAppend(): void {
    if (this.announcing) {
      this.announceAgain = true;
      return;
    }
    this.announcing = this.pool
      .query({
        name: this.statements.notifyName,
        text: this.statements.notify,
        values: [this.statements.channel],
      })
      .then(
        () => undefined,
        () => undefined, // the subscriptions' poll covers a lost wake-up
      )
      .finally(() => {
        this.announcing = undefined;
        if (this.announceAgain && !this.closed) {
          this.announceAgain = false;
          this.announceAppend();
        }
      });
  }
}

function buildStatements(schema: string) {
  const s = quoteIdentifier(schema);
  const readAllWhere = `(e.transaction_id, e.global_position) > ($1::text::xid8, $2::bigint)
       AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       AND ($3::text[] IS NULL OR e.category = ANY($3::text[]))
       AND ($4::text[] IS NULL OR e.event_type = ANY($4::text[]))`;
  const readAll = `SELECT ${EVENT_COLUMNS} FROM ${s}.event_store_events e
     WHERE ${readAllWhere}
     ORDER BY e.transaction_id, e.global_position LIMIT $5`;
  const readStream = (backwards: boolean) => `SELECT s.status, e.* FROM ${s}.event_store_streams s
     LEFT JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM ${s}.event_store_events e
        WHERE e.stream_id = s.stream_id AND e.revision >= s.first_revision
          AND e.revision ${backwards ? '<=' : '>='} $2::bigint
        ORDER BY e.revision ${backwards ? 'DESC' : 'ASC'} LIMIT $3
     ) e ON s.status = ${STREAM_ACTIVE}
     WHERE s.stream_id = $1
     ORDER BY e.revision ${backwards ? 'DESC' : 'ASC'}`;
  // One statement, so the page and the horizon come from the same snapshot: every event
  // up to the horizon that passes the filter is in the page when the page is not full.
  // "Pending" asks whether the newest visible row is at or past xmin rather than whether
  // any row is: a plan cached while the table was small runs that EXISTS as a sequential
  // scan, which reads the whole table on every wake-up when nothing is pending; the newest
  // row is one step down the primary key whatever the statistics say.
  const subscriptionPage = `WITH horizon AS (
       SELECT h.transaction_id::text AS horizon_transaction_id, h.global_position AS horizon_position
         FROM ${s}.event_store_events h
        WHERE h.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY h.transaction_id DESC, h.global_position DESC LIMIT 1
     ), page AS (${readAll})
     SELECT horizon.*, COALESCE((
              SELECT p.transaction_id FROM ${s}.event_store_events p
               ORDER BY p.transaction_id DESC, p.global_position DESC LIMIT 1
            ) >= pg_snapshot_xmin(pg_current_snapshot()), false) AS pending,
            page.*
       FROM (SELECT) AS one
       LEFT JOIN horizon ON true
       LEFT JOIN page ON true
      ORDER BY page.transaction_id::xid8, page.global_position`;
  // Prepared statement names are per connection and at most 63 bytes: a hash of the schema
  // keeps two stores that share a pool from colliding.
  const suffix = createHash('sha256').update(schema).digest('hex').slice(0, 12);
  return {
    channel: `event_store_${suffix}`,
    appendName: `es_append_${suffix}`,
    append: `SELECT * FROM ${s}.event_store_append($1, $2, $3::jsonb)`,
    deleteName: `es_delete_${suffix}`,
    delete: `SELECT * FROM ${s}.event_store_delete($1, $2, $3)`,
    readAllName: `es_read_all_${suffix}`,
    readAll,
    countAllName: `es_count_all_${suffix}`,
    countAll: `SELECT count(*) AS count FROM ${s}.event_store_events e WHERE ${readAllWhere}`,
    readStreamForwardsName: `es_read_forwards_${suffix}`,
    readStreamForwards: readStream(false),
    readStreamBackwardsName: `es_read_backwards_${suffix}`,
    readStreamBackwards: readStream(true),
    subscriptionPageName: `es_subscription_page_${suffix}`,
    subscriptionPage,
    isTombstonedName: `es_is_tombstoned_${suffix}`,
    isTombstoned: `SELECT EXISTS (
       SELECT 1 FROM ${s}.event_store_tombstones WHERE stream_hash = sha256(convert_to($1::text, 'UTF8'))
     ) AS tombstoned`,
    notifyName: `es_notify_${suffix}`,
    notify: `SELECT pg_notify($1, '')`,
  };
}

async function currentSchema(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema;
  if (!schema)
    throw new Error('the connection has no current schema (does its search_path name an existing schema?)');
  return schema;
}

function encodeExpected(expectedRevision: ExpectedRevision): string {
  switch (expectedRevision) {
    case 'any':
      return EXPECTED_ANY.toString();
    case 'no_stream':
      return EXPECTED_NO_STREAM.toString();
    case 'stream_exists':
      return EXPECTED_STREAM_EXISTS.toString();
    default:
      return expectedRevision.toString();
  }
}

function positionParameters(after: Position | undefined): [string, string] {
  return after ? [after.commit.toString(), after.prepare.toString()] : ['0', '0'];
}

function filterParameters(filter: EventFilter | undefined): [string[] | null, string[] | null] {
  return [
    filter?.categories?.length ? [...filter.categories] : null,
    filter?.types?.length ? [...filter.types] : null,
  ];
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

/** The append and delete functions answer with an outcome; turn a refusal into its typed error. */
function throwIfRefused(
  streamId: string,
  expectedRevision: ExpectedRevision,
  row: { outcome: number; revision: string | null },
): void {
  if (row.outcome === OUTCOME_TOMBSTONED) throw new StreamDeletedError(streamId);
  if (row.outcome === OUTCOME_WRONG_EXPECTED_REVISION) {
    throw new ExpectedVersionConflictError(
      streamId,
      expectedRevision,
      row.revision === null ? 'no_stream' : BigInt(row.revision),
    );
  }
}
