import type { SnapshotStore } from '../../backend/parts.js';
import type { StoredSnapshot } from '../../core/snapshot.js';
import type { PostgresPool } from './connection.js';

/** One row per stream in the schema's snapshots table; the log's delete and truncate functions remove it. */
export class PostgresSnapshots implements SnapshotStore {
  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
  ) {}

  async save(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const { revision, version, state, savedAt } = snapshot;
    await this.pool.query(
      'save-snapshot',
      `INSERT INTO ${this.quotedSchema}.snapshots AS snap (stream, revision, version, state, saved_at) VALUES ($1, $2, $3, $4, to_timestamp($5::float8 / 1000))
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state, saved_at = excluded.saved_at
       WHERE excluded.revision >= snap.revision`,
      [stream, revision, version, state, savedAt],
    );
  }

  async load(stream: string): Promise<StoredSnapshot | undefined> {
    const { rows } = await this.pool.query<{ revision: number; version: string; state: string; saved_at: number }>(
      'load-snapshot',
      `SELECT revision, version, state, saved_at FROM ${this.quotedSchema}.snapshots WHERE stream = $1`,
      [stream],
    );
    const row = rows[0];
    return row && { revision: row.revision, version: row.version, state: row.state, savedAt: row.saved_at };
  }
}
