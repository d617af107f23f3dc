import type pg from 'pg';
import { inTransaction, migrate } from '@scheduler/postgres-migrations';
import {
  applyTimerChange,
  dueAt,
  type MeetingTimer,
  type TimerChange,
  type TimerChangeOutcome,
  type TimerState,
} from './meeting-timer.js';
import { TIMER_TABLE as TABLE, timerMigrations } from './migrations.js';

interface TimerRow {
  meeting_id: string;
  tenant_id: string;
  stream_id: string;
  state: TimerState;
  ends_at: Date;
  purge_at: Date;
  retention_after_end_seconds: number;
  last_event_id: string;
  last_event_at: Date;
  correlation_id: string;
  traceparent: string | null;
  attempts: number;
}

/** A due timer, claimed (row-locked) by this process until its batch commits. */
export interface ClaimedTimer {
  readonly timer: MeetingTimer;
  /** Consecutive failed attempts before this one. */
  readonly attempts: number;
}

/** How a claimed timer's batch records the outcome of working on it. */
export interface TimerOutcome {
  readonly timer: MeetingTimer;
  /** Set when a step failed: the timer is due again then (not before). */
  readonly retryAt?: Date;
}

const COLUMNS =
  'meeting_id, tenant_id, stream_id, state, ends_at, purge_at, retention_after_end_seconds, last_event_id, last_event_at, correlation_id, traceparent, attempts';

const toTimer = (row: TimerRow): MeetingTimer => ({
  meetingId: row.meeting_id,
  tenantId: row.tenant_id,
  streamId: row.stream_id,
  state: row.state,
  endsAt: row.ends_at,
  purgeAt: row.purge_at,
  retentionAfterEndSeconds: row.retention_after_end_seconds,
  cause: { id: row.last_event_id, correlationId: row.correlation_id, traceparent: row.traceparent },
  lastEventAt: row.last_event_at,
});

const timerValues = (timer: MeetingTimer) => [
  timer.meetingId,
  timer.tenantId,
  timer.streamId,
  timer.state,
  timer.endsAt,
  timer.purgeAt,
  timer.retentionAfterEndSeconds,
  timer.cause.id,
  timer.lastEventAt,
  timer.cause.correlationId,
  timer.cause.traceparent,
  dueAt(timer) ?? null,
];

/**
 * The durable meeting timers in retention's private PostgreSQL database: one row per meeting.
 * `due_at` is when the row next needs work (its end while scheduled, then its purge; null once
 * purged), so finding due work is one index range scan.
 */
export class MeetingTimersRepository {
  /** The pool is retention's private database; the repository ends it on close(). */
  constructor(private readonly pool: pg.Pool) {}

  /** For readiness: the database answers. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  /** Idempotent and safe when several replicas start at once. */
  async ensureSchema(): Promise<void> {
    await migrate(this.pool, { component: 'retention.timers', migrations: timerMigrations });
  }

  /**
   * Applies a meeting event to its timer under the row's lock, so that deliveries of one
   * meeting's events (several replicas, the timer loop) serialize. Returns what changed.
   */
  async apply(change: TimerChange, retentionAfterEndSeconds: number): Promise<TimerChangeOutcome> {
    for (;;) {
      const outcome = await inTransaction(this.pool, async (client) => {
        const { rows } = await client.query<TimerRow>(
          `SELECT ${COLUMNS} FROM ${TABLE} WHERE meeting_id = $1 FOR UPDATE`,
          [change.meetingId],
        );
        const current = rows[0] ? toTimer(rows[0]) : undefined;
        const result = applyTimerChange(current, change, retentionAfterEndSeconds);
        if (result.kind === 'unchanged') return result;
        if (current) {
          await this.save(client, { timer: result.timer }, true);
          return result;
        }
        const inserted = await client.query(
          `INSERT INTO ${TABLE} (meeting_id, tenant_id, stream_id, state, ends_at, purge_at,
             retention_after_end_seconds, last_event_id, last_event_at, correlation_id, traceparent, due_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (meeting_id) DO NOTHING`,
          timerValues(result.timer),
        );
        // Another delivery inserted the row first: apply this event on top of it instead.
        return inserted.rowCount === 1 ? result : undefined;
      });
      if (outcome) return outcome;
    }
  }

  async get(meetingId: string): Promise<MeetingTimer | undefined> {
    const { rows } = await this.pool.query<TimerRow>(
      `SELECT ${COLUMNS} FROM ${TABLE} WHERE meeting_id = $1`,
      [meetingId],
    );
    return rows[0] ? toTimer(rows[0]) : undefined;
  }

  /**
   * The meetings' data was purged by an account erasure: their timers are final (purged), so
   * no later event re-arms them and the loop neither ends nor purges them again.
   */
  async markPurged(meetingIds: readonly string[]): Promise<void> {
    if (meetingIds.length === 0) return;
    await this.pool.query(
      `UPDATE ${TABLE} SET state = 'purged', due_at = NULL, attempts = 0, updated_at = now()
       WHERE meeting_id = ANY($1::text[])`,
      [meetingIds],
    );
  }

  /**
   * Claims up to `limit` timers due at `now`, skipping rows another replica (or a handler) holds,
   * lets `work` act on each one, and records every outcome in the same transaction. A crash
   * before the commit releases the rows untouched: the work is then repeated, so it must be
   * idempotent (it is: see MeetingRetention).
   */
  async processDue(
    now: Date,
    limit: number,
    work: (claimed: ClaimedTimer) => Promise<TimerOutcome>,
  ): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<TimerRow>(
        `SELECT ${COLUMNS} FROM ${TABLE} WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      for (const row of rows) {
        const outcome = await work({ timer: toTimer(row), attempts: row.attempts });
        await this.save(client, outcome, outcome.retryAt === undefined ? false : row.attempts + 1);
      }
      return rows.length;
    });
  }

  /** `attempts`: true keeps the count (an event re-armed it), false resets it, a number sets it. */
  private async save(
    client: pg.PoolClient,
    outcome: TimerOutcome,
    attempts: boolean | number,
  ): Promise<void> {
    const values = timerValues(outcome.timer);
    if (outcome.retryAt) values[values.length - 1] = outcome.retryAt;
    const attemptsSql = attempts === true ? 'attempts' : '$13';
    await client.query(
      `UPDATE ${TABLE} SET tenant_id = $2, stream_id = $3, state = $4, ends_at = $5, purge_at = $6,
         retention_after_end_seconds = $7, last_event_id = $8, last_event_at = $9, correlation_id = $10,
         traceparent = $11, due_at = $12, attempts = ${attemptsSql}, updated_at = now()
       WHERE meeting_id = $1`,
      attempts === true ? values : [...values, attempts === false ? 0 : attempts],
    );
  }
}
