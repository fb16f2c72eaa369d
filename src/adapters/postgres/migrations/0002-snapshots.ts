import type { Migration } from './migration.js';

/**
 * Version 2: snapshots. The `snapshots` table, and `delete_stream` and `truncate_stream`
 * replaced so that they remove the snapshots of what they remove.
 *
 * Released: never edited, only followed by a new migration (its checksum is pinned in
 * migrations.test.ts).
 */
export const snapshots: Migration = {
  version: 2,
  sql: (s) => `
-- One snapshot per stream (the latest save wins), removed with the events it describes.
CREATE TABLE ${s}.snapshots (
  stream   text        PRIMARY KEY,
  revision bigint      NOT NULL,
  version  text        NOT NULL,  -- JSON text: 1 and "1" are different versions
  state    text        NOT NULL,
  saved_at timestamptz NOT NULL
);

CREATE OR REPLACE FUNCTION ${s}.delete_stream(p_stream text, p_mode text, p_expected text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE st ${s}.streams := ${s}.lock_stream(p_stream);
BEGIN
  PERFORM ${s}.check_expected(st, p_expected);
  IF p_mode = 'soft' AND (st.deleted IS NOT NULL OR st.revision < 0) THEN RETURN; END IF;
  DELETE FROM ${s}.events WHERE stream = p_stream;
  DELETE FROM ${s}.snapshots WHERE stream = p_stream;
  UPDATE ${s}.streams SET deleted = p_mode, truncated_before = st.revision + 1 WHERE stream = p_stream;
END $fn$;

CREATE OR REPLACE FUNCTION ${s}.truncate_stream(p_stream text, p_before bigint) RETURNS void LANGUAGE plpgsql AS $fn$
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
  DELETE FROM ${s}.snapshots WHERE stream = p_stream AND revision < greatest(st.truncated_before, p_before);
  UPDATE ${s}.streams SET truncated_before = greatest(st.truncated_before, p_before) WHERE stream = p_stream;
END $fn$;
`,
};
