import type pg from 'pg';
import { assertPlainIdentifier, migrate, inTransaction } from '@scheduler/postgres-migrations';
import { meetingDriftTable, meetingMigrations, meetingSyncTable } from './migrations.js';

/** A meeting that is not converged: when it is tried next, how often it failed, what it waits for. */
export interface UnconvergedMeeting {
  readonly meetingId: string;
  readonly userId: string;
  readonly dueAt: Date;
  /** Consecutive failures since the meeting last converged (a trigger does not reset them). */
  readonly attempts: number;
  readonly waitingFor: 'webex-reconnect' | null;
  readonly lastError: string | null;
}

/** What may be done to a meeting's row while its lock is held. */
export interface LockedMeeting {
  readonly row: UnconvergedMeeting;
  /** The row was made for this lock (the meeting was converged before). */
  readonly inserted: boolean;
  /** Webex holds what is desired (or nothing can ever be done): the row goes. */
  converged(): Promise<void>;
  /** Try again at `dueAt`, after `attempts` consecutive transient failures. */
  retryAt(dueAt: Date, attempts: number, lastError: string): Promise<void>;
  /** Nothing is tried until the user's Webex account is connected again (wakeUser). */
  waitForReconnect(userId: string, lastError: string): Promise<void>;
  /**
   * trackForDrift / untrackForDrift on the lock's own connection. A lock holder never asks the
   * pool for a second connection: waiting handlers can hold every other one, which would leave
   * the holder, and so all of them, waiting for ever.
   */
  trackForDrift(userId: string, startsAt: Date): Promise<void>;
  untrackForDrift(): Promise<void>;
}

interface Row {
  meeting_id: string;
  user_id: string;
  due_at: Date;
  attempts: number;
  waiting_for: 'webex-reconnect' | null;
  last_error: string | null;
}

const toMeeting = (row: Row): UnconvergedMeeting => ({
  meetingId: row.meeting_id,
  userId: row.user_id,
  dueAt: row.due_at,
  attempts: row.attempts,
  waitingFor: row.waiting_for,
  lastError: row.last_error,
});

/**
 * All SQL of `meetings_to_converge`. A meeting's row lock is the one place where its Webex
 * meeting is changed: the reconciler claims due rows with FOR UPDATE SKIP LOCKED, an event
 * handler waits for the lock of its meeting, so two replicas never work on one meeting at once.
 */
export class MeetingSyncRepository {
  private readonly table: string;
  private readonly driftTable: string;

  constructor(
    /** The feature's own pool: a claimed row holds its connection during the Webex call. */
    private readonly pool: pg.Pool,
    private readonly schema?: string,
  ) {
    if (schema !== undefined) assertPlainIdentifier(schema);
    this.table = meetingSyncTable(schema);
    this.driftTable = meetingDriftTable(schema);
  }

  /** Returns which tables this call created (then they are to be filled from the streams). */
  async ensureSchema(): Promise<{ created: boolean; driftCreated: boolean }> {
    const report = await migrate(this.pool, {
      component: 'webex-bridge.meetings',
      schema: this.schema,
      migrations: meetingMigrations(this.schema),
    });
    const applied = (version: number) => report.applied.some((migration) => migration.version === version);
    return { created: applied(1), driftCreated: applied(2) };
  }

  /** A scheduled meeting Webex should hold as applied: compared with Webex until it starts. */
  async trackForDrift(
    meetingId: string,
    userId: string,
    startsAt: Date,
    connection: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<void> {
    await connection.query(
      `INSERT INTO ${this.driftTable} (meeting_id, user_id, starts_at) VALUES ($1, $2, $3)
       ON CONFLICT (meeting_id) DO UPDATE SET user_id = $2, starts_at = $3`,
      [meetingId, userId, startsAt],
    );
  }

  /** The meeting is finished, failed or gone from Webex: nothing to compare any more. */
  async untrackForDrift(meetingId: string, connection: pg.Pool | pg.PoolClient = this.pool): Promise<void> {
    await connection.query(`DELETE FROM ${this.driftTable} WHERE meeting_id = $1`, [meetingId]);
  }

  /**
   * Claims up to `limit` upcoming meetings not checked since `checkedBefore`, least recently
   * checked first, and marks them checked at `now`; SKIP LOCKED, so replicas take different ones.
   * Meetings that started are dropped (Webex refuses to move a started meeting anyway).
   */
  async claimDriftChecks(
    now: Date,
    checkedBefore: Date,
    limit: number,
  ): Promise<Array<{ meetingId: string; userId: string }>> {
    await this.pool.query(`DELETE FROM ${this.driftTable} WHERE starts_at <= $1`, [now]);
    const { rows } = await this.pool.query<{ meeting_id: string; user_id: string }>(
      `UPDATE ${this.driftTable} SET checked_at = $1 WHERE meeting_id IN (
         SELECT meeting_id FROM ${this.driftTable}
         WHERE starts_at > $1 AND (checked_at IS NULL OR checked_at < $2)
         ORDER BY checked_at NULLS FIRST LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING meeting_id, user_id`,
      [now, checkedBefore, limit],
    );
    return rows.map((row) => ({ meetingId: row.meeting_id, userId: row.user_id }));
  }

  /**
   * Runs `work` holding the meeting's row lock, waiting for whoever holds it (the reconciler,
   * another replica's handler); a meeting without a row gets one, due at `now`, so that the
   * lock exists and a crash inside `work` leaves it to the reconciler. Commits when `work`
   * returns, rolls back when it throws.
   */
  async withMeetingLocked<Result>(
    meetingId: string,
    userId: string,
    now: Date,
    work: (locked: LockedMeeting) => Promise<Result>,
  ): Promise<Result> {
    return this.inTransaction(async (connection) => {
      // The no-op update takes the lock of an existing row and keeps its schedule.
      const { rows } = await connection.query<Row & { inserted: boolean }>(
        `INSERT INTO ${this.table} AS existing (meeting_id, user_id, due_at) VALUES ($1, $2, $3)
         ON CONFLICT (meeting_id) DO UPDATE SET updated_at = existing.updated_at
         RETURNING *, (xmax = 0) AS inserted`,
        [meetingId, userId, now],
      );
      return work(this.locked(connection, toMeeting(rows[0]!), rows[0]!.inserted));
    });
  }

  /**
   * Claims the next due meeting no one else holds (FOR UPDATE SKIP LOCKED) and runs `work` on
   * it under its lock. `probe`: take the meeting that waits longest for a transient failure even
   * if it is not due yet (one trial call tells whether Webex is back). Returns false when there
   * was nothing to claim.
   */
  async claimNext(
    now: Date,
    work: (locked: LockedMeeting) => Promise<void>,
    options: { probe?: boolean } = {},
  ): Promise<boolean> {
    return this.inTransaction(async (connection) => {
      const due = options.probe ? 'attempts > 0 AND due_at > $1' : 'due_at <= $1';
      const { rows } = await connection.query<Row>(
        `SELECT * FROM ${this.table} WHERE waiting_for IS NULL AND ${due}
         ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      if (!rows[0]) return false;
      await work(this.locked(connection, toMeeting(rows[0]), false));
      return true;
    });
  }

  /** The account is connected again: every meeting of the user is due now. Returns how many. */
  async wakeUser(userId: string, now: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.table} SET waiting_for = NULL, due_at = $2, updated_at = now() WHERE user_id = $1`,
      [userId, now],
    );
    return rowCount ?? 0;
  }

  /** Webex answers again: every meeting that backs off from a transient failure is due now. */
  async wakeDeferred(now: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.table} SET due_at = $1, updated_at = now()
       WHERE waiting_for IS NULL AND attempts > 0 AND due_at > $1`,
      [now],
    );
    return rowCount ?? 0;
  }

  /**
   * Makes a meeting due now, keeping its attempts. The upsert waits for a reconcile holding the
   * row's lock, so a verdict reached before the caller's intent was recorded cannot undo it.
   */
  async markDue(meetingId: string, userId: string, now: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} (meeting_id, user_id, due_at) VALUES ($1, $2, $3)
       ON CONFLICT (meeting_id) DO UPDATE SET due_at = $3, updated_at = now()`,
      [meetingId, userId, now],
    );
  }

  /** The user is erased: nothing of theirs is reconciled or drift-checked any more. */
  async forgetUser(userId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE user_id = $1`, [userId]);
    await this.pool.query(`DELETE FROM ${this.driftTable} WHERE user_id = $1`, [userId]);
  }

  async find(meetingId: string): Promise<UnconvergedMeeting | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE meeting_id = $1`, [
      meetingId,
    ]);
    return rows[0] ? toMeeting(rows[0]) : undefined;
  }

  /**
   * How many meetings are not converged, how many of those wait for a reconnect, and for how
   * many seconds the oldest of each kind has not been converged (0 when none); for metrics.
   */
  async counts(): Promise<{
    pending: number;
    waitingForReconnect: number;
    oldestPendingSeconds: number;
    oldestWaitingSeconds: number;
  }> {
    const { rows } = await this.pool.query<{
      pending: string;
      waiting: string;
      oldest_pending: number | null;
      oldest_waiting: number | null;
    }>(
      `SELECT count(*) FILTER (WHERE waiting_for IS NULL) AS pending,
              count(*) FILTER (WHERE waiting_for IS NOT NULL) AS waiting,
              extract(epoch FROM now() - min(not_converged_since) FILTER (WHERE waiting_for IS NULL))::float8
                AS oldest_pending,
              extract(epoch FROM now() - min(not_converged_since) FILTER (WHERE waiting_for IS NOT NULL))::float8
                AS oldest_waiting
       FROM ${this.table}`,
    );
    const row = rows[0]!;
    return {
      pending: Number(row.pending),
      waitingForReconnect: Number(row.waiting),
      oldestPendingSeconds: Math.max(0, row.oldest_pending ?? 0),
      oldestWaitingSeconds: Math.max(0, row.oldest_waiting ?? 0),
    };
  }

  private locked(connection: pg.PoolClient, row: UnconvergedMeeting, inserted: boolean): LockedMeeting {
    const meetingId = row.meetingId;
    return {
      row,
      inserted,
      converged: async () => {
        await connection.query(`DELETE FROM ${this.table} WHERE meeting_id = $1`, [meetingId]);
      },
      retryAt: async (dueAt, attempts, lastError) => {
        await connection.query(
          `UPDATE ${this.table} SET due_at = $2, attempts = $3, last_error = $4, waiting_for = NULL,
             updated_at = now() WHERE meeting_id = $1`,
          [meetingId, dueAt, attempts, lastError.slice(0, 1024)],
        );
      },
      waitForReconnect: async (userId, lastError) => {
        await connection.query(
          `UPDATE ${this.table} SET waiting_for = 'webex-reconnect', user_id = $2, last_error = $3,
             updated_at = now() WHERE meeting_id = $1`,
          [meetingId, userId, lastError.slice(0, 1024)],
        );
      },
      trackForDrift: (userId, startsAt) => this.trackForDrift(meetingId, userId, startsAt, connection),
      untrackForDrift: () => this.untrackForDrift(meetingId, connection),
    };
  }

  private inTransaction<Result>(work: (connection: pg.PoolClient) => Promise<Result>): Promise<Result> {
    return inTransaction(this.pool, work);
  }
}
