import type pg from 'pg';
import { assertPlainIdentifier, migrate } from '@scheduler/postgres-migrations';
import { accountErasureMigrations, accountErasureTable } from './migrations.js';

export interface ErasureInProgress {
  readonly userId: string;
  readonly tenantId: string;
  readonly requestedAt: Date;
  /** The AccountErasureRequested event: what the step's events are caused by. */
  readonly cause: { readonly id: string; readonly correlationId: string };
}

interface Row {
  user_id: string;
  tenant_id: string;
  requested_at: Date;
  correlation_id: string;
  cause_id: string;
}

const toErasure = (row: Row): ErasureInProgress => ({
  userId: row.user_id,
  tenantId: row.tenant_id,
  requestedAt: row.requested_at,
  cause: { id: row.cause_id, correlationId: row.correlation_id },
});

/** All SQL of `account_erasures_in_progress` (webex-bridge's private database). */
export class AccountErasureRepository {
  private readonly table: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema?: string,
  ) {
    if (schema !== undefined) assertPlainIdentifier(schema);
    this.table = accountErasureTable(schema);
  }

  async ensureSchema(): Promise<void> {
    await migrate(this.pool, {
      component: 'webex-bridge.account-erasure',
      schema: this.schema,
      migrations: accountErasureMigrations(this.schema),
    });
  }

  /** Idempotent: a redelivered request keeps the first row. */
  async track(erasure: ErasureInProgress): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} (user_id, tenant_id, requested_at, correlation_id, cause_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING`,
      [erasure.userId, erasure.tenantId, erasure.requestedAt, erasure.cause.correlationId, erasure.cause.id],
    );
  }

  async find(userId: string): Promise<ErasureInProgress | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE user_id = $1`, [userId]);
    return rows[0] ? toErasure(rows[0]) : undefined;
  }

  async inProgress(limit = 100): Promise<ErasureInProgress[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM ${this.table} ORDER BY requested_at LIMIT $1`,
      [limit],
    );
    return rows.map(toErasure);
  }

  async any(): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM ${this.table} LIMIT 1`);
    return rows.length > 0;
  }

  async done(userId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE user_id = $1`, [userId]);
  }
}
