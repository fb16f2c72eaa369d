import type Database from 'better-sqlite3';
import { PARTITION_ENTRIES_LAG, type AllPageQuery, type PartitionIndexes, type StoredEvent } from '../../backend/parts.js';
import type { LogPartition } from '../../core/partition.js';
import type { SqliteConnection } from './connection.js';

/**
 * Reads of one partition of the log, and the index they use. Every event row holds its stream's
 * `stream_hash` (keyHash, written by appends, filled by migration 4), so a partition is
 * `stream_hash % count = index`.
 *
 * The index is kept behind the log, not by appends: `annals_partition_entries` holds, per
 * partition count, the partition of every event up to the count's `through` position
 * (`annals_partition_progress`), and is brought up to the head in batches, each in one write
 * transaction. An append pays nothing for it (an expression index on the events would cost
 * each append one more page write); a batch of thousands of entries costs a few milliseconds.
 *
 * A page of a partition is the partition's entries after `after` up to `through`, joined to
 * their events, then, when that is short, the events after `through` filtered by the hash: a
 * walk of at most the unindexed tail. A read that finds the tail longer than
 * PARTITION_ENTRIES_LAG brings the entries up (one batch); `preparePartitions` brings them up to
 * the head. With no progress row for the count (never prepared), every read is a walk filtered
 * by the hash.
 *
 * Positions are handed out under the write lock in commit order and never reused, so the entries
 * up to `through` are final: an event deleted since leaves an entry that joins to nothing.
 */

/** Positions the entries are brought on by in one write transaction. */
export const ENTRIES_BATCH = 4096;


/**
 * A page of one partition from its entries: `columns` of the events after `after` up to
 * `through`, in position order. Parameters: count, index, after, through, then the category
 * (when filtered by one), the types as a JSON array (when filtered by them), the limit.
 */
export function entriesPageSql(columns: string, byCategory: boolean, byTypes: boolean): string {
  return `SELECT ${columns} FROM (SELECT position AS entry FROM annals_partition_entries
                                   WHERE partition_count = ? AND part = ? AND position > ? AND position <= ?) AS x
            JOIN annals_events ON position = x.entry
           WHERE 1 = 1${byCategory ? ' AND category = ?' : ''}${byTypes ? ' AND type IN (SELECT value FROM json_each(?))' : ''}
           ORDER BY x.entry LIMIT ?`;
}

/**
 * A page of one partition from the events themselves: `columns` of the events after `after`
 * whose hash falls in the partition, in position order. Parameters: after, count, index, then
 * the category, the types, the limit as above.
 */
export function tailPageSql(columns: string, byCategory: boolean, byTypes: boolean): string {
  return `SELECT ${columns} FROM annals_events
           WHERE position > ? AND stream_hash % ? = ?${byCategory ? ' AND category = ?' : ''}${byTypes ? ' AND type IN (SELECT value FROM json_each(?))' : ''}
           ORDER BY position LIMIT ?`;
}

/** One partition's page, and whether the unindexed tail has grown past PARTITION_ENTRIES_LAG. */
export interface PartitionPage {
  readonly events: StoredEvent[];
  /** True when the count is prepared and its entries end more than PARTITION_ENTRIES_LAG before `head`. */
  readonly lagging: boolean;
}

/** The statements of partition reads, prepared on first use, one pair per filter (at most 4). */
export class PartitionPages {
  private readonly statements = new Map<string, { entries: Database.Statement<unknown[], StoredEvent>; tail: Database.Statement<unknown[], StoredEvent> }>();

  constructor(
    private readonly db: Database.Database,
    /** The event columns each read returns, as the log's other reads return them. */
    private readonly columns: string,
    /** Where each count's entries end. */
    private readonly indexes: SqlitePartitionIndexes,
  ) {}

  /** The page's events (synchronous: run it inside the connection's `read`); `head` is the log's, read before. */
  read({ after, category, types, limit }: AllPageQuery, { index, count }: LogPartition, head: number): PartitionPage {
    const key = `${category === undefined ? '' : 'c'}${types === undefined ? '' : 't'}`;
    let statements = this.statements.get(key);
    if (statements === undefined) {
      const [byCategory, byTypes] = [category !== undefined, types !== undefined];
      statements = {
        entries: this.db.prepare<unknown[], StoredEvent>(entriesPageSql(this.columns, byCategory, byTypes)),
        tail: this.db.prepare<unknown[], StoredEvent>(tailPageSql(this.columns, byCategory, byTypes)),
      };
      this.statements.set(key, statements);
    }
    const filters: unknown[] = [];
    if (category !== undefined) filters.push(category);
    if (types !== undefined) filters.push(JSON.stringify(types));
    // Read before the entries, and bounding them: entries a concurrent batch adds past it are read from the tail instead.
    const through = this.indexes.through(count);
    const events = through !== undefined && through > after ? statements.entries.all(count, index, after, through, ...filters, limit) : [];
    if (events.length < limit) events.push(...statements.tail.all(Math.max(after, through ?? 0), count, index, ...filters, limit - events.length));
    return { events, lagging: through !== undefined && head - through > PARTITION_ENTRIES_LAG };
  }
}

/**
 * Prepares partition counts and brings their entries up: each batch in its own IMMEDIATE
 * transaction (under the write lock, so two processes never add the same entries, and appends go
 * on between batches).
 */
export class SqlitePartitionIndexes implements PartitionIndexes {
  private readonly found: Database.Statement<[number], number>;
  private readonly start: Database.Statement<[number], unknown>;
  private readonly batch: Database.Transaction<(count: number) => boolean>;

  constructor(private readonly connection: SqliteConnection) {
    const { db } = connection;
    this.found = db.prepare<[number], number>(`SELECT through FROM annals_partition_progress WHERE partition_count = ?`).pluck();
    this.start = db.prepare<[number], unknown>(`INSERT INTO annals_partition_progress (partition_count, through) VALUES (?, 0) ON CONFLICT (partition_count) DO NOTHING`);
    // The last position of the next batch: the batch's last event, else AUTOINCREMENT's counter (the head).
    const batchEnd = db.prepare<[number, number], number>(
      `SELECT coalesce((SELECT position FROM annals_events WHERE position > ? ORDER BY position LIMIT 1 OFFSET ?),
                       (SELECT seq FROM sqlite_sequence WHERE name = 'annals_events'), 0)`,
    ).pluck();
    const add = db.prepare<[{ count: number; through: number; end: number }], unknown>(
      `INSERT INTO annals_partition_entries (partition_count, part, position)
         SELECT @count, stream_hash % @count, position FROM annals_events WHERE position > @through AND position <= @end`,
    );
    const moveOn = db.prepare<[number, number], unknown>(`UPDATE annals_partition_progress SET through = ? WHERE partition_count = ?`);
    // True when the entries reach the head (or the count is not prepared): nothing left to add.
    this.batch = db.transaction((count: number) => {
      const through = this.through(count);
      if (through === undefined) return true;
      const end = batchEnd.get(through, ENTRIES_BATCH - 1)!;
      if (end <= through) return true;
      add.run({ count, through, end });
      moveOn.run(end, count);
      return false;
    });
  }

  /**
   * Starts keeping the entries of `count` and brings them up to the head. A count prepared
   * before costs one read on a read-only store (which reads from the entries made so far and the
   * tail), and needs no write.
   */
  async prepare(count: number): Promise<void> {
    const prepared = await this.connection.read('prepare partitions', () => this.through(count) !== undefined);
    if (prepared && this.connection.isReadonly) return;
    if (!prepared) await this.connection.write('prepare partitions', () => this.start.run(count));
    while (!(await this.keepUp(count)));
  }

  /** Where the entries of `count` end; undefined when the count is not prepared (synchronous: run it inside the connection's `read`). */
  through(count: number): number | undefined {
    return this.found.get(count);
  }

  /** Adds one batch of entries of `count`, waiting for the write lock as appends do; true when they reach the head. */
  keepUp(count: number): Promise<boolean> {
    return this.connection.write('index partitions', () => this.batch.immediate(count));
  }

  /**
   * Adds one batch of entries of `count` if the write lock is free now, for a read that found them
   * lagging. Never waits and never throws: the entries only spare reads a walk of the tail, so a
   * read must not wait for another process's writes (or fail) because of them; a later read tries
   * again.
   */
  tryKeepUp(count: number): void {
    try {
      this.batch.immediate(count);
    } catch {
      // Busy (another connection writes), or the write failed: left to a later read.
    }
  }
}
