import type { Migration } from '@scheduler/postgres-migrations';
import {
  EXPECTED_ANY,
  EXPECTED_NO_STREAM,
  EXPECTED_STREAM_EXISTS,
  OUTCOME_DONE,
  OUTCOME_TOMBSTONED,
  OUTCOME_WRONG_EXPECTED_REVISION,
  STREAM_ACTIVE,
  STREAM_DELETED,
  literal,
  quoteIdentifier,
} from './schema.js';

/**
 * The PostgreSQL event store's tables and functions. Every name is qualified with the
 * store's schema, so a caller's pool and search_path never decide where the tables live.
 *
 * Version 1 keeps IF NOT EXISTS and CREATE OR REPLACE: stores made before migrations were
 * recorded (their own version 1 or 2) already have the tables, and get today's functions.
 * A later change to a function is a new version with its CREATE OR REPLACE FUNCTION.
 */
export function eventStoreMigrations(schema: string): readonly Migration[] {
  const s = quoteIdentifier(schema);
  // The pair the append lock uses: one namespace per schema, then the stream's hash.
  const expectedCheck = `
    IF p_expected = ${EXPECTED_ANY} THEN
      NULL;
    ELSIF p_expected = ${EXPECTED_NO_STREAM} THEN
      IF v_exists THEN v_wrong := true; END IF;
    ELSIF p_expected = ${EXPECTED_STREAM_EXISTS} THEN
      IF NOT v_exists THEN v_wrong := true; END IF;
    ELSIF NOT v_exists OR v_last_revision <> p_expected THEN
      v_wrong := true;
    END IF;`;
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${s}.event_store_streams (
       stream_id      text     PRIMARY KEY,
       last_revision  bigint   NOT NULL,
       -- Soft delete hides the revisions before this one.
       first_revision bigint   NOT NULL DEFAULT 0,
       status         smallint NOT NULL DEFAULT ${STREAM_ACTIVE}
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.event_store_events (
       -- Global order is (transaction_id, global_position); see libs/event-store/README.md.
       transaction_id  xid8        NOT NULL,
       global_position bigint      GENERATED ALWAYS AS IDENTITY,
       stream_id       text        NOT NULL,
       revision        bigint      NOT NULL,
       category        text        NOT NULL,
       event_id        uuid        NOT NULL,
       event_type      text        NOT NULL,
       data            jsonb       NOT NULL,
       metadata        jsonb       NOT NULL,
       recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
       PRIMARY KEY (transaction_id, global_position),
       UNIQUE (stream_id, revision)
     )`,
    // A tombstone keeps only a hash of the stream name: names can carry personal data too.
    `CREATE TABLE IF NOT EXISTS ${s}.event_store_tombstones (
       stream_hash bytea PRIMARY KEY
     )`,
    `CREATE OR REPLACE FUNCTION ${s}.event_store_append(p_stream_id text, p_expected bigint, p_events jsonb)
     RETURNS TABLE (outcome int, revision bigint, transaction_id bigint, global_position bigint)
     LANGUAGE plpgsql AS $append$
     #variable_conflict use_column
     DECLARE
       v_status smallint;
       v_last_revision bigint;
       v_found boolean;
       v_exists boolean;
       v_wrong boolean := false;
       v_transaction_id xid8;
       v_last_position bigint;
       v_count int;
     BEGIN
       -- Serialises appends to one stream. It is taken before the transaction id exists,
       -- so a later append to a stream always has a larger transaction id (global order
       -- keeps stream order). An advisory lock, unlike a row lock, assigns no id.
       PERFORM pg_advisory_xact_lock(hashtext(${literal(schema)}), hashtext(p_stream_id));
       SELECT s.status, s.last_revision INTO v_status, v_last_revision
         FROM ${s}.event_store_streams s WHERE s.stream_id = p_stream_id;
       v_found := FOUND;
       -- Only a new stream can be a tombstoned one, so existing streams skip the look-up.
       IF NOT v_found AND EXISTS (SELECT 1 FROM ${s}.event_store_tombstones t WHERE t.stream_hash = sha256(convert_to(p_stream_id, 'UTF8'))) THEN
         RETURN QUERY SELECT ${OUTCOME_TOMBSTONED}, NULL::bigint, NULL::bigint, NULL::bigint;
         RETURN;
       END IF;
       v_exists := v_found AND v_status = ${STREAM_ACTIVE};
       ${expectedCheck}
       IF v_wrong THEN
         RETURN QUERY SELECT ${OUTCOME_WRONG_EXPECTED_REVISION},
           CASE WHEN v_exists THEN v_last_revision ELSE NULL END, NULL::bigint, NULL::bigint;
         RETURN;
       END IF;
       v_last_revision := COALESCE(v_last_revision, -1);
       v_transaction_id := pg_current_xact_id();
       WITH inserted AS (
         INSERT INTO ${s}.event_store_events
           (transaction_id, stream_id, revision, category, event_id, event_type, data, metadata)
         SELECT v_transaction_id, p_stream_id, v_last_revision + e.ordinality, split_part(p_stream_id, '-', 1),
                (e.value->>'id')::uuid, e.value->>'type', e.value->'data', COALESCE(e.value->'metadata', '{}'::jsonb)
           FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e
         RETURNING ${s}.event_store_events.global_position
       )
       SELECT max(inserted.global_position), count(*) INTO v_last_position, v_count FROM inserted;
       IF v_status IS NULL THEN
         INSERT INTO ${s}.event_store_streams (stream_id, last_revision) VALUES (p_stream_id, v_last_revision + v_count);
       ELSE
         UPDATE ${s}.event_store_streams
            SET last_revision = v_last_revision + v_count, status = ${STREAM_ACTIVE}
          WHERE stream_id = p_stream_id;
       END IF;
       RETURN QUERY SELECT ${OUTCOME_DONE}, v_last_revision + v_count, v_transaction_id::text::bigint, v_last_position;
     END
     $append$`,
    `CREATE OR REPLACE FUNCTION ${s}.event_store_delete(p_stream_id text, p_expected bigint, p_tombstone boolean)
     RETURNS TABLE (outcome int, revision bigint)
     LANGUAGE plpgsql AS $delete$
     #variable_conflict use_column
     DECLARE
       v_status smallint;
       v_last_revision bigint;
       v_found boolean;
       v_exists boolean;
       v_wrong boolean := false;
     BEGIN
       PERFORM pg_advisory_xact_lock(hashtext(${literal(schema)}), hashtext(p_stream_id));
       SELECT s.status, s.last_revision INTO v_status, v_last_revision
         FROM ${s}.event_store_streams s WHERE s.stream_id = p_stream_id;
       v_found := FOUND;
       IF NOT v_found AND EXISTS (SELECT 1 FROM ${s}.event_store_tombstones t WHERE t.stream_hash = sha256(convert_to(p_stream_id, 'UTF8'))) THEN
         RETURN QUERY SELECT ${OUTCOME_TOMBSTONED}, NULL::bigint;
         RETURN;
       END IF;
       v_exists := v_found AND v_status = ${STREAM_ACTIVE};
       ${expectedCheck}
       IF v_wrong THEN
         RETURN QUERY SELECT ${OUTCOME_WRONG_EXPECTED_REVISION}, CASE WHEN v_exists THEN v_last_revision ELSE NULL END;
         RETURN;
       END IF;
       IF p_tombstone THEN
         -- Retention: the events' data really goes, only the marker stays.
         DELETE FROM ${s}.event_store_events e WHERE e.stream_id = p_stream_id;
         DELETE FROM ${s}.event_store_streams s WHERE s.stream_id = p_stream_id;
         INSERT INTO ${s}.event_store_tombstones (stream_hash)
           VALUES (sha256(convert_to(p_stream_id, 'UTF8'))) ON CONFLICT DO NOTHING;
       ELSIF v_exists THEN
         UPDATE ${s}.event_store_streams
            SET status = ${STREAM_DELETED}, first_revision = v_last_revision + 1
          WHERE stream_id = p_stream_id;
       END IF;
       RETURN QUERY SELECT ${OUTCOME_DONE}, v_last_revision;
     END
     $delete$`,
  ];
  return [
    {
      version: 1,
      name: 'create-event-store',
      up: [
        ...statements,
        // Those releases kept their own version number; schema_migrations replaces it.
        `DROP TABLE IF EXISTS ${s}.event_store_schema_version`,
      ].join(';\n'),
    },
  ];
}
