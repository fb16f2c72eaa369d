import type { Migration } from './migration.js';

/**
 * Version 1: the log. The `positions` sequence, the `streams` and `events` tables (events with
 * the `horizon` that readers waited on, until version 3), and the functions that decide and
 * write in one call: `lock_stream`, `check_expected`, `append_events`, `delete_stream`,
 * `truncate_stream`.
 *
 * Released: never edited, only followed by a new migration (its checksum is pinned in
 * migrations.test.ts). Later versions replace some of these functions.
 */
export const eventsAndStreams: Migration = {
  version: 1,
  sql: (s) => `
CREATE SEQUENCE ${s}.positions AS bigint;

CREATE TABLE ${s}.streams (
  stream           text   PRIMARY KEY,
  revision         bigint NOT NULL DEFAULT -1,
  deleted          text   CHECK (deleted IN ('soft', 'hard')),
  truncated_before bigint NOT NULL DEFAULT 0
);

CREATE TABLE ${s}.events (
  position    bigint      PRIMARY KEY,
  id          uuid        NOT NULL CONSTRAINT events_id_unique UNIQUE,
  stream      text        NOT NULL,
  category    text        NOT NULL,
  revision    bigint      NOT NULL,
  type        text        NOT NULL,
  data        json        NOT NULL,  -- json keeps the text as written (jsonb would reorder keys and refuse \\u0000)
  metadata    json        NOT NULL,
  recorded_at timestamptz NOT NULL,
  -- No transaction that could still commit a smaller position has an id at or above this:
  -- readers hand out the event once every transaction id below it has finished.
  horizon     xid8        NOT NULL,
  CONSTRAINT events_stream_revision_unique UNIQUE (stream, revision)
);
CREATE INDEX events_category_position ON ${s}.events (category, position);

-- Locks the stream's row (creating it if needed) and returns it.
CREATE FUNCTION ${s}.lock_stream(p_stream text) RETURNS ${s}.streams LANGUAGE plpgsql AS $fn$
DECLARE st ${s}.streams;
BEGIN
  INSERT INTO ${s}.streams (stream) VALUES (p_stream) ON CONFLICT (stream) DO NOTHING;
  SELECT * INTO st FROM ${s}.streams WHERE stream = p_stream FOR UPDATE;
  IF st.deleted = 'hard' THEN
    RAISE EXCEPTION 'stream deleted' USING ERRCODE = 'AN002', DETAIL = json_build_object('stream', p_stream)::text;
  END IF;
  RETURN st;
END $fn$;

CREATE FUNCTION ${s}.check_expected(st ${s}.streams, p_expected text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE v_exists boolean := st.deleted IS NULL AND st.revision >= 0;
BEGIN
  IF NOT (p_expected = 'any'
       OR (p_expected = 'no_stream' AND NOT v_exists)
       OR (p_expected = 'stream_exists' AND v_exists)
       OR (p_expected ~ '^[0-9]+$' AND v_exists AND st.revision = p_expected::bigint)) THEN
    RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = 'AN001', DETAIL = json_build_object(
      'stream', st.stream, 'expected', p_expected, 'actual', CASE WHEN v_exists THEN st.revision ELSE -1 END)::text;
  END IF;
END $fn$;

-- One call appends to one or more streams, all or nothing. Parts come in the caller's order
-- (the first failing one is the error reported); events are flat arrays with the part each
-- belongs to (1-based) and its offset in that part.
CREATE FUNCTION ${s}.append_events(
  p_streams text[], p_categories text[], p_expected text[], p_counts int[],
  p_parts int[], p_offsets int[], p_ids uuid[], p_types text[], p_data text[], p_metadata text[],
  -- False when the store generated every id: a fresh random UUID cannot be recorded already.
  p_any_given boolean DEFAULT true
) RETURNS TABLE (out_stream text, out_revision bigint, out_position bigint) LANGUAGE plpgsql
-- Every look-up here is by key. The plans of a session are cached from when the tables were
-- small, where a sequential scan looks cheapest, and would then scan a growing log on every append.
SET enable_seqscan = off
AS $fn$
DECLARE
  parts        int := array_length(p_streams, 1);
  first_revs   bigint[] := array_fill(NULL::bigint, ARRAY[parts]);
  idem_revs    bigint[] := array_fill(NULL::bigint, ARRAY[parts]);
  idem_pos     bigint[] := array_fill(NULL::bigint, ARRAY[parts]);
  lo           int := 1;
  hi           int;
  total        int := 0;
  st           ${s}.streams;
  r            record;
  culprit      record;
  has_culprit  boolean;
  any_found    record;
  first_found  bigint;
  v_positions  bigint[];
  v_horizon    xid8;
  seen         int := 0;
BEGIN
  PERFORM pg_current_xact_id();  -- this transaction's id is assigned before it takes any position
  -- Every stream's row is locked first, in name order, so that concurrent calls cannot deadlock.
  FOR r IN SELECT x.name FROM unnest(p_streams) AS x(name) ORDER BY x.name LOOP
    INSERT INTO ${s}.streams (stream) VALUES (r.name) ON CONFLICT (stream) DO NOTHING;
    PERFORM 1 FROM ${s}.streams WHERE stream = r.name FOR UPDATE;
  END LOOP;
  FOR i IN 1 .. parts LOOP
    hi := lo + p_counts[i] - 1;
    st := ${s}.lock_stream(p_streams[i]);  -- already locked: reads the row, refuses a hard-deleted stream
    IF p_any_given AND EXISTS (SELECT 1 FROM ${s}.events e WHERE e.id = ANY (p_ids[lo:hi])) THEN
      -- Idempotent only when every id is here, consecutive, in order (and right after an exact expected revision).
      -- A flag, not "culprit IS NOT NULL": a row test is false as soon as one field is null (a new id's row).
      has_culprit := false; any_found := NULL; first_found := NULL;
      FOR r IN SELECT x.ord, x.id, e.stream AS e_stream, e.revision AS e_revision, e.position AS e_position
                 FROM unnest(p_ids[lo:hi]) WITH ORDINALITY AS x(id, ord) LEFT JOIN ${s}.events e ON e.id = x.id
                ORDER BY x.ord LOOP
        IF r.ord = 1 THEN first_found := r.e_revision; END IF;
        IF any_found IS NULL AND r.e_stream IS NOT NULL THEN any_found := r; END IF;
        IF NOT has_culprit AND (r.e_stream IS NULL OR r.e_stream <> p_streams[i] OR first_found IS NULL
            OR r.e_revision <> first_found + r.ord - 1
            OR (p_expected[i] ~ '^[0-9]+$' AND first_found <> p_expected[i]::bigint + 1)) THEN
          culprit := r; has_culprit := true;
        END IF;
        idem_revs[i] := r.e_revision; idem_pos[i] := r.e_position;
      END LOOP;
      IF has_culprit THEN
        IF culprit.e_stream IS NULL THEN culprit := any_found; END IF;
        RAISE EXCEPTION 'duplicate event id' USING ERRCODE = 'AN003', DETAIL = json_build_object(
          'eventId', culprit.id, 'stream', p_streams[i],
          'existing', json_build_object('stream', culprit.e_stream, 'revision', culprit.e_revision, 'position', culprit.e_position))::text;
      END IF;
    ELSE
      PERFORM ${s}.check_expected(st, p_expected[i]);
      first_revs[i] := st.revision + 1;
      total := total + p_counts[i];
    END IF;
    lo := hi + 1;
  END LOOP;

  IF total > 0 THEN
    SELECT array_agg(nextval('${s}.positions') ORDER BY g) INTO v_positions FROM generate_series(1, total) AS g;
    -- The horizon, taken after the positions: one past the largest transaction id of the *other
    -- appenders* still running (0 when there are none). An appender is a transaction that has
    -- called nextval on this sequence: it holds a lock on it until it ends, and it got its id
    -- before its positions (see the top). So every transaction that took a smaller position is
    -- over, or running with an id below the horizon. Not pg_snapshot_xmax (one past the last id
    -- to have *ended*: an appender that got a larger id, then a smaller position, may still be
    -- running above it), nor every running transaction (an unrelated one, e.g. a store's own
    -- NOTIFY, would hold readers back for nothing). Relies on the sequence handing out values in
    -- time order (CACHE 1, the default). Lock rows carry 32-bit ids: each becomes the xid8
    -- nearest this transaction's own. One look at pg_locks; the plan is cached per connection.
    WITH l AS MATERIALIZED (
      SELECT locktype, relation, database, virtualtransaction, transactionid, mode, granted FROM pg_locks
       WHERE locktype IN ('relation', 'transactionid') AND pid <> pg_backend_pid()
    )
    SELECT coalesce(max(me.id + (x.transactionid::text::bigint - me.id % 4294967296 + 6442450944) % 4294967296 - 2147483648) + 1, 0)::text::xid8
      INTO v_horizon
      FROM (SELECT pg_current_xact_id()::text::bigint AS id) AS me
      JOIN l AS seq ON seq.locktype = 'relation' AND seq.relation = '${s}.positions'::regclass
                   AND seq.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      JOIN l AS x ON x.locktype = 'transactionid' AND x.virtualtransaction = seq.virtualtransaction
                 AND x.mode = 'ExclusiveLock' AND x.granted;  -- its own id, not one it waits for
    INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at, horizon)
    SELECT v_positions[row_number() OVER (ORDER BY x.k)], x.id, p_streams[x.part], p_categories[x.part],
           first_revs[x.part] + x.off, x.type, x.data::json, x.meta::json, now(), v_horizon
      FROM unnest(p_parts, p_offsets, p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS x(part, off, id, type, data, meta, k)
     WHERE first_revs[x.part] IS NOT NULL;
  END IF;

  FOR i IN 1 .. parts LOOP
    out_stream := p_streams[i];
    IF first_revs[i] IS NULL THEN
      out_revision := idem_revs[i]; out_position := idem_pos[i];
    ELSE
      seen := seen + p_counts[i];
      out_revision := first_revs[i] + p_counts[i] - 1;
      out_position := v_positions[seen];
      UPDATE ${s}.streams SET revision = out_revision, deleted = NULL WHERE stream = p_streams[i];
    END IF;
    RETURN NEXT;
  END LOOP;
END $fn$;

CREATE FUNCTION ${s}.delete_stream(p_stream text, p_mode text, p_expected text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE st ${s}.streams := ${s}.lock_stream(p_stream);
BEGIN
  PERFORM ${s}.check_expected(st, p_expected);
  IF p_mode = 'soft' AND (st.deleted IS NOT NULL OR st.revision < 0) THEN RETURN; END IF;
  DELETE FROM ${s}.events WHERE stream = p_stream;
  UPDATE ${s}.streams SET deleted = p_mode, truncated_before = st.revision + 1 WHERE stream = p_stream;
END $fn$;

CREATE FUNCTION ${s}.truncate_stream(p_stream text, p_before bigint) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE st ${s}.streams := ${s}.lock_stream(p_stream);
BEGIN
  IF st.deleted IS NOT NULL OR st.revision < 0 THEN
    RAISE EXCEPTION 'stream not found' USING ERRCODE = 'AN004', DETAIL = json_build_object('stream', p_stream)::text;
  END IF;
  IF p_before > st.revision + 1 THEN
    RAISE EXCEPTION 'truncate beyond the end' USING ERRCODE = 'AN005',
      DETAIL = json_build_object('stream', p_stream, 'before', p_before, 'revision', st.revision)::text;
  END IF;
  DELETE FROM ${s}.events WHERE stream = p_stream AND revision < greatest(st.truncated_before, p_before);
  UPDATE ${s}.streams SET truncated_before = greatest(st.truncated_before, p_before) WHERE stream = p_stream;
END $fn$;
`,
};
