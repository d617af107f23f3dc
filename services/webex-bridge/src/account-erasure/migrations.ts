import type { Migration } from '@scheduler/postgres-migrations';

export function accountErasureTable(schema: string | undefined): string {
  return `${schema ? `"${schema}".` : ''}account_erasures_in_progress`;
}

/**
 * The erasures whose webex-bridge step is not recorded yet, so a periodic pass finds them after
 * a crash or while Webex confirms cancellations. Ids and times only; the row goes with the step.
 */
export function accountErasureMigrations(schema: string | undefined): readonly Migration[] {
  const table = accountErasureTable(schema);
  return [
    {
      version: 1,
      name: 'create-account-erasures-in-progress',
      up: `CREATE TABLE ${table} (
         user_id text PRIMARY KEY,
         tenant_id text NOT NULL,
         requested_at timestamptz NOT NULL,
         correlation_id text NOT NULL,
         cause_id text NOT NULL
       )`,
    },
  ];
}
