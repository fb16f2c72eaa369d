import { setTimeout as sleep } from 'node:timers/promises';
import { PARTITION_ENTRIES_LAG, type PartitionIndexes } from '../../backend/parts.js';
import type { LogPartition } from '../../core/partition.js';
import type { PostgresPool } from './connection.js';
import { toAnnalsError } from './errors.js';
import { EVENT_COLUMNS } from './inline-host.js';

/** Events the entries are brought on by in one transaction (index_partitions's batch). */
export const ENTRIES_BATCH = 10_000;
/** How long `prepare` waits between tries while another process adds a batch. */
const BUSY_RETRY_MS = 20;
/**
 * How long reads leave a count alone after it was found not prepared (another process may prepare
 * it), or after a batch failed (a role that may read the log but not write, a lost connection).
 */
const RECHECK_MS = 5_000;

/**
 * The index of partition reads, kept behind the log rather than by appends (migration 6):
 * `partition_entries` holds, per partition count, the partition of every event up to the
 * count's `through` (`partition_progress`), a settled position, so no append can still commit
 * below it and the entries up to it are final. An append pays nothing for it; an expression
 * index on the events cost every appended event an index insert.
 *
 * A page of a partition (pageSql) is the partition's entries after `after`, joined to their
 * events, then the events after `through` filtered by partition_hash: a walk of at most the
 * unindexed tail, whose rows go through the log's settled cut like any filtered page's. One
 * statement, so the entries and `through` come from one snapshot.
 *
 * A read that finds its settled position more than PARTITION_ENTRIES_LAG past `through` brings
 * the entries on by a batch (`keepUp`); `prepare` brings them up to the settled head. The callers
 * are serialised by the count's progress row, taken with SKIP LOCKED: a member that finds
 * another adding a batch reads on from the tail.
 */
export class PostgresPartitionIndexes implements PartitionIndexes {
  /** The last `through` each count was seen at, by this process: keepUp is called only when it lags. */
  private readonly through = new Map<number, number>();
  /** When each count was last found not prepared, or failed to be brought on. */
  private readonly leftAlone = new Map<number, number>();

  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
    /** The log's settled head (PostgresLog.headPosition): how far prepare brings the entries. */
    private readonly settledHead: () => Promise<number>,
  ) {}

  async prepare(count: number): Promise<void> {
    try {
      await this.pool.query(
        'partition-prepare',
        `INSERT INTO ${this.quotedSchema}.partition_progress (partition_count, through) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
        [count],
      );
      const head = await this.settledHead();
      for (;;) {
        const through = await this.indexBatch(count, head);
        // -1: the count's progress row is gone (deleted by hand): reads walk the log without entries.
        if (through !== null && (through >= head || through === -1)) return;
        if (through === null) await sleep(BUSY_RETRY_MS);
      }
    } catch (error) {
      throw toAnnalsError(error);
    }
  }

  /** True when the entries of `count` end more than PARTITION_ENTRIES_LAG before `settled`, as this process last saw them. */
  lagging(count: number, settled: number): boolean {
    const since = this.leftAlone.get(count);
    if (since !== undefined) return Date.now() - since >= RECHECK_MS;
    return settled - (this.through.get(count) ?? 0) > PARTITION_ENTRIES_LAG;
  }

  /**
   * Brings the entries of `count` on by one batch, up to `settled` at most (a position the log
   * knows settled). Never throws: the entries only spare reads a walk of the tail, so a failure
   * leaves the count alone for a while and reads go on from the tail.
   */
  async keepUp(count: number, settled: number): Promise<void> {
    try {
      await this.indexBatch(count, settled);
    } catch {
      this.leftAlone.set(count, Date.now());
    }
  }

  /** One call of index_partitions: the count's through after it, or null when another caller holds it. */
  private async indexBatch(count: number, settled: number): Promise<number | null> {
    const { rows } = await this.pool.query<{ through: string | null }>(
      'partition-index',
      `SELECT ${this.quotedSchema}.index_partitions($1, $2, $3) AS through`,
      [count, settled, ENTRIES_BATCH],
    );
    const through = rows[0]!.through === null ? null : Number(rows[0]!.through);
    if (through === -1) {
      // Not prepared: remembered, so that reads ask again only now and then.
      this.leftAlone.set(count, Date.now());
    } else if (through !== null) {
      this.leftAlone.delete(count);
      this.through.set(count, through);
    }
    return through;
  }
}

/**
 * The statement of a page of one partition: `$1` after, `$2` the limit, `$3` the partition's
 * index, then the filters' parameters. `filters` are conditions on the events' columns (the
 * category and types, as the log's other pages have them). The count is a literal (the statement
 * is named per count).
 */
export function partitionPageSql(s: string, { count }: Pick<LogPartition, 'count'>, filters: string): string {
  const through = `(SELECT through FROM ${s}.partition_progress WHERE partition_count = ${count})`;
  return `SELECT ${EVENT_COLUMNS} FROM (
            (SELECT e.* FROM ${s}.partition_entries x JOIN ${s}.events e ON e.position = x.position
              WHERE x.partition_count = ${count} AND x.part = $3 AND x.position > $1 AND x.position <= ${through} ${filters}
              ORDER BY x.position LIMIT $2)
            UNION ALL
            (SELECT e.* FROM ${s}.events e
              WHERE e.position > greatest($1, ${through}) AND ${s}.partition_hash(e.stream) % ${count} = $3 ${filters}
              ORDER BY e.position LIMIT $2)
          ) page ORDER BY position LIMIT $2`;
}
