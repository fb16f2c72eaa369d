import type Database from 'better-sqlite3';
import type { AllPageQuery, PartitionIndexes, StoredEvent } from '../../backend/parts.js';
import type { LogPartition } from '../../core/partition.js';
import type { SqliteConnection } from './connection.js';

/**
 * Reads of one partition of the log, and the indexes they use. Every event row holds its
 * stream's `stream_hash` (keyHash, written by appends, filled by migration 4), so a partition is
 * `stream_hash % count = index`. The count is a literal in the statement's text, never a
 * parameter: SQLite matches an expression index only on the same expression, so a read of
 * `count` partitions uses `annals_events_partition_<count>` on `(stream_hash % count, position)`,
 * a seek to the partition and a walk in position order, once preparePartitions has made it.
 */

/** The index reads of `count` partitions use. */
export function partitionIndexName(count: number): string {
  return `annals_events_partition_${count}`;
}

/** Makes the index of `count` partitions, unless it is there. */
export function partitionIndexSql(count: number): string {
  return `CREATE INDEX IF NOT EXISTS ${partitionIndexName(count)} ON annals_events (stream_hash % ${count}, position)`;
}

/**
 * A page of one partition: `columns` of the events after a position, in position order, with the
 * category and types filters when asked. Parameters: the partition's index, the category (when
 * filtered by one), `after`, the types as a JSON array (when filtered by them), the limit.
 */
export function partitionPageSql(columns: string, count: number, byCategory: boolean, byTypes: boolean): string {
  return `SELECT ${columns} FROM annals_events
           WHERE stream_hash % ${count} = ?${byCategory ? ' AND category = ?' : ''} AND position > ?
             ${byTypes ? 'AND type IN (SELECT value FROM json_each(?))' : ''}
           ORDER BY position LIMIT ?`;
}

/** The statements of partition reads, prepared on first use, one per count and filter (at most 4 × 1024). */
export class PartitionPages {
  private readonly statements = new Map<string, Database.Statement<unknown[], StoredEvent>>();

  constructor(
    private readonly db: Database.Database,
    /** The event columns each read returns, as the log's other reads return them. */
    private readonly columns: string,
  ) {}

  /** The page's events (synchronous: run it inside the connection's `read`). */
  read({ after, category, types, limit }: AllPageQuery, { index, count }: LogPartition): StoredEvent[] {
    const key = `${count}${category === undefined ? '' : 'c'}${types === undefined ? '' : 't'}`;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], StoredEvent>(partitionPageSql(this.columns, count, category !== undefined, types !== undefined));
      this.statements.set(key, statement);
    }
    const values: unknown[] = [index];
    if (category !== undefined) values.push(category);
    values.push(after);
    if (types !== undefined) values.push(JSON.stringify(types));
    values.push(limit);
    return statement.all(...values);
  }
}

/**
 * Makes the partition indexes: under the write lock (an IMMEDIATE transaction), so processes
 * calling at once make each one once; a count whose index is there costs one read, and needs no
 * write (a read-only store may read partitions of a count made before).
 */
export class SqlitePartitionIndexes implements PartitionIndexes {
  private readonly found: Database.Statement<[string], unknown>;
  private readonly create: Database.Transaction<(count: number) => void>;

  constructor(private readonly connection: SqliteConnection) {
    const { db } = connection;
    this.found = db.prepare<[string], unknown>(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`);
    this.create = db.transaction((count: number) => db.exec(partitionIndexSql(count)));
  }

  async prepare(count: number): Promise<void> {
    const made = await this.connection.read('prepare partitions', () => this.found.get(partitionIndexName(count)) !== undefined);
    if (!made) await this.connection.write('prepare partitions', () => this.create.immediate(count));
  }
}
