import type { Migration } from './migration.js';

/**
 * Version 4: the read models' bookkeeping (src/readmodel/). Each projection partition's state
 * row (checkpoint, lease), its dead letters, and which version of each projection is live. The
 * collections themselves are tables of their own, made by the read-model store's `prepare`
 * (postgres-read-models.ts), named `"rm:<projection>:v<version>:<collection>"`.
 *
 * Released: never edited, only followed by a new migration (its checksum is pinned in
 * migrations.test.ts).
 */
export const readModels: Migration = {
  version: 4,
  sql: (s) => `
-- One row per projection, version and partition: every commit compare-and-sets it (checkpoint,
-- and owner and epoch when the writer holds a lease). Times are the database's clock.
CREATE TABLE ${s}.projection_states (
  projection       text        NOT NULL,
  version          int         NOT NULL,
  partition        int         NOT NULL,
  checkpoint       bigint      NOT NULL DEFAULT 0,
  owner            text,                 -- NULL: no holder (never taken, or released)
  epoch            bigint      NOT NULL DEFAULT 0,
  lease_expires_at timestamptz,          -- NULL when there is no holder
  updated_at       timestamptz,          -- NULL until the checkpoint first moves
  PRIMARY KEY (projection, version, partition)
);

-- Events a projection parked, in position order per projection key.
CREATE TABLE ${s}.dead_letters (
  projection text        NOT NULL,
  version    int         NOT NULL,
  partition  int         NOT NULL,
  position   bigint      NOT NULL,
  event_id   text        NOT NULL,
  stream     text        NOT NULL,
  type       text        NOT NULL,
  error      text        NOT NULL,
  parked_at  timestamptz NOT NULL,
  PRIMARY KEY (projection, version, partition, position)
);

-- The version of each projection that queries read (blue/green rebuilds switch it in one update).
CREATE TABLE ${s}.live_versions (
  projection text PRIMARY KEY,
  version    int  NOT NULL
);
`,
};
