import type { Migration } from './migration.js';

/**
 * Version 5: consumer groups (src/projection/group.ts). The members of each group (a projection
 * generation run by several processes), with their heartbeats on the database's clock; the
 * owner recorded with each dead letter; and `partition_hash`, the hash a log partition is taken
 * of (the same as `keyHash` in src/core/partition.ts), which reads filter on and the partition
 * indexes are built on (`events_partition_<count>`, made when a group of that count first runs).
 *
 * Released: never edited, only followed by a new migration (its checksum is pinned in
 * migrations.test.ts).
 */
export const consumerGroups: Migration = {
  version: 5,
  sql: (s) => `
-- The first four bytes of the MD5 digest of the stream name's UTF-8 text, as an unsigned integer.
-- Inlined by the planner, so the expression indexes on it match the reads that filter on it.
CREATE FUNCTION ${s}.partition_hash(p_stream text) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $fn$ SELECT ('x' || substr(md5(p_stream), 1, 8))::bit(32)::bigint $fn$;

-- One row per member of a group: every heartbeat moves expires_at on (the database's clock).
CREATE TABLE ${s}.group_members (
  projection   text        NOT NULL,
  version      int         NOT NULL,
  member       text        NOT NULL,
  joined_at    timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (projection, version, member)
);

-- Who parked the event: the lease holder whose commit parked it (NULL: parked without a lease).
ALTER TABLE ${s}.dead_letters ADD COLUMN owner text;
`,
};
