import type { Migration } from './migration.js';

/**
 * Version 6: the index of partition reads, kept behind the log rather than by appends (see
 * partition-entries.ts). Per partition count, the partition of every event up to `through`, a
 * settled position; `index_partitions` brings it on by one batch. Version 5's expression indexes
 * (`events_partition_<count>`), which cost every append an index insert per event, are dropped,
 * each count kept as one to index from the start.
 *
 * Released: never edited, only followed by a new migration (its checksum is pinned in
 * migrations.test.ts).
 */
export const partitionEntries: Migration = {
  version: 6,
  sql: (s) => `
CREATE TABLE ${s}.partition_progress (
  partition_count int    PRIMARY KEY,
  through         bigint NOT NULL
);
CREATE TABLE ${s}.partition_entries (
  partition_count int    NOT NULL,
  part            int    NOT NULL,
  position        bigint NOT NULL,
  PRIMARY KEY (partition_count, part, position)
);

-- Adds the entries of the events after the count's through, up to p_settled (a position no
-- append can still commit at or below) and at most p_batch events, and moves through on. The row
-- lock on the count's progress serialises the callers; one that finds it taken does nothing.
-- Returns the count's through, NULL when another caller holds it, -1 when the count is not prepared.
CREATE FUNCTION ${s}.index_partitions(p_count int, p_settled bigint, p_batch int) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  v_through bigint;
  v_found   bigint;
  v_last    bigint;
  v_end     bigint;
BEGIN
  PERFORM 1 FROM ${s}.partition_progress WHERE partition_count = p_count;
  IF NOT FOUND THEN RETURN -1; END IF;
  SELECT through INTO v_through FROM ${s}.partition_progress WHERE partition_count = p_count FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF v_through >= p_settled THEN RETURN v_through; END IF;
  SELECT count(*), max(position) INTO v_found, v_last
    FROM (SELECT position FROM ${s}.events WHERE position > v_through AND position <= p_settled ORDER BY position LIMIT p_batch) batch;
  v_end := CASE WHEN v_found < p_batch THEN p_settled ELSE v_last END;
  INSERT INTO ${s}.partition_entries (partition_count, part, position)
    SELECT p_count, (${s}.partition_hash(stream) % p_count)::int, position FROM ${s}.events WHERE position > v_through AND position <= v_end;
  UPDATE ${s}.partition_progress SET through = v_end WHERE partition_count = p_count;
  RETURN v_end;
END $fn$;

DO $do$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT i.indexrelid::regclass AS index, c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = '${s}.events'::regclass AND c.relname ~ '^events_partition_[0-9]+$' LOOP
    EXECUTE format('DROP INDEX %s', r.index);
    INSERT INTO ${s}.partition_progress (partition_count, through) VALUES (substr(r.name, 18)::int, 0) ON CONFLICT DO NOTHING;
  END LOOP;
END $do$;
`,
};
