import type { Migration } from '@scheduler/postgres-migrations';

/**
 * The read-model store's own catalogue: which generation of each collection is live, and each
 * projection's checkpoint per generation. The collections' tables, views and indexes are not
 * here: they follow the collection definitions and are created per generation at run time.
 * Version 1 keeps IF NOT EXISTS: stores made before migrations were recorded already have them.
 */
export function readModelMigrations(table: (name: string) => string): readonly Migration[] {
  return [
    {
      version: 1,
      name: 'create-generations-and-checkpoints',
      up: `CREATE TABLE IF NOT EXISTS ${table('read_model_generations')} (
         collection text PRIMARY KEY,
         generation integer NOT NULL,
         rebuilding integer,
         updated_at timestamptz NOT NULL DEFAULT now()
       );
       CREATE TABLE IF NOT EXISTS ${table('projection_checkpoints')} (
         projection text NOT NULL,
         generation integer NOT NULL,
         position text,
         updated_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (projection, generation)
       )`,
    },
  ];
}
