import type { Migration } from './migration.js';

/**
 * Version 3: appends without the horizon. Drops `events.horizon` (readers no longer wait on
 * appenders), replaces `append_events` by the one that is live today, then analyzes `streams`
 * and `events` so that the first cached plans are made from real statistics.
 *
 * Released: never edited, only followed by a new migration (its checksum is pinned in
 * migrations.test.ts).
 */
export const appendWithoutHorizon: Migration = {
  version: 3,
  sql: (s) => `
-- Readers no longer need anything from appenders (see settled.ts): the horizon goes, and with it
-- the function's look at pg_locks and its early transaction id.
ALTER TABLE ${s}.events DROP COLUMN horizon;

-- The slow path: appends to several streams, and every single-stream append that the adapter's
-- one-statement path did not write (to decide the precise error or the idempotent result).
CREATE OR REPLACE FUNCTION ${s}.append_events(
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
  seen         int := 0;
BEGIN
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
    INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
    SELECT v_positions[row_number() OVER (ORDER BY x.k)], x.id, p_streams[x.part], p_categories[x.part],
           first_revs[x.part] + x.off, x.type, x.data::json, x.meta::json, now()
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

-- Plans of a store that has just been migrated should not be made from the statistics of an
-- empty table (or none at all): see the notes on plan caching in docs/postgres.md.
ANALYZE ${s}.streams;
ANALYZE ${s}.events;
`,
};
