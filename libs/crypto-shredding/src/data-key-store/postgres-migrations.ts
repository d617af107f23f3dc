import type { Migration } from '@scheduler/postgres-migrations';

/**
 * The PostgreSQL data-key table, shared by every service of a deployment. Version 1 keeps
 * IF NOT EXISTS: databases made before migrations were recorded already have the table.
 */
export function dataKeyMigrations(table: string): readonly Migration[] {
  return [
    {
      version: 1,
      name: 'create-data-keys',
      up: `CREATE TABLE IF NOT EXISTS ${table} (
         subject text PRIMARY KEY,
         key_id text,
         key_encryption_key_id text,
         wrapped_key bytea,
         created_at timestamptz NOT NULL DEFAULT now(),
         rewrapped_at timestamptz,
         forgotten_at timestamptz,
         CHECK ((forgotten_at IS NULL) = (wrapped_key IS NOT NULL AND key_encryption_key_id IS NOT NULL AND key_id IS NOT NULL))
       )`,
    },
  ];
}
