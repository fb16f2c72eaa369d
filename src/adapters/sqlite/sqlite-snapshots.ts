import type { SnapshotStore } from '../../backend/parts.js';
import type { StoredSnapshot } from '../../core/snapshot.js';
import type { SqliteConnection } from './connection.js';

interface SnapshotRow {
  revision: number;
  version: string;
  state: string;
  saved_at: number;
}

/** One row per stream in annals_snapshots; the log's delete and truncate remove it in their transaction. */
export class SqliteSnapshots implements SnapshotStore {
  private readonly statements;

  constructor(private readonly connection: SqliteConnection) {
    const { db } = connection;
    this.statements = {
      save: db.prepare(
        `INSERT INTO annals_snapshots (stream, revision, version, state, saved_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state, saved_at = excluded.saved_at
         WHERE excluded.revision >= annals_snapshots.revision`,
      ),
      load: db.prepare<[string], SnapshotRow>(`SELECT revision, version, state, saved_at FROM annals_snapshots WHERE stream = ?`),
    };
  }

  async save(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const { revision, version, state, savedAt } = snapshot;
    await this.connection.write('save a snapshot', () => this.statements.save.run(stream, revision, version, state, savedAt));
  }

  async load(stream: string): Promise<StoredSnapshot | undefined> {
    const row = await this.connection.read('load a snapshot', () => this.statements.load.get(stream));
    return row && { revision: row.revision, version: row.version, state: row.state, savedAt: row.saved_at };
  }
}
