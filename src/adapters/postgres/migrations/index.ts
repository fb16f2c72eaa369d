import type { Migration } from './migration.js';
import { eventsAndStreams } from './0001-events-and-streams.js';
import { snapshots } from './0002-snapshots.js';
import { appendWithoutHorizon } from './0003-append-without-horizon.js';
import { readModels } from './0004-read-models.js';
import { consumerGroups } from './0005-consumer-groups.js';
import { partitionEntries } from './0006-partition-entries.js';

export type { Migration } from './migration.js';

/**
 * Every released migration, oldest first: version n at index n - 1. A new version is a new
 * file, added at the end. A function's live definition is in the newest file that creates or
 * replaces it (today `append_events` is 0003's, `delete_stream` and `truncate_stream` 0002's).
 */
export const migrationsInOrder: readonly Migration[] = [eventsAndStreams, snapshots, appendWithoutHorizon, readModels, consumerGroups, partitionEntries];

/**
 * The migrations of one store's schema. `s` is the quoted schema name. Versioned and
 * append-only: a released migration is never edited, only followed by a new one.
 *
 * Decisions are taken inside the database, under a lock on the stream's row, in the same
 * statement that writes: the rules are those of src/backend/stream-rules.ts.
 */
export function migrations(s: string): readonly { version: number; sql: string }[] {
  return migrationsInOrder.map(({ version, sql }) => ({ version, sql: sql(s) }));
}
