import type Database from 'better-sqlite3';
import type { AppendResult, DeletedState, ExpectedRevision, StreamInfo } from '../../core/types.js';
import { ALL_CAPABILITIES, type AllPage, type AllPageQuery, type EventLog, type InlineApply, type PreparedAppend, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import { hardDeleted, planAppend, planDelete, planTruncate, softDeleted, type RecordedId, type StreamState } from '../../backend/stream-rules.js';
import { ReadOnlyStoreError } from '../../core/errors.js';
import { keyHash } from '../../core/partition.js';
import { AppendGroups, GroupAborted, type Outcome } from './append-groups.js';
import type { SqliteConnection } from './connection.js';
import { PartitionPages, SqlitePartitionIndexes } from './partition-reads.js';
import { translateSqliteError } from './errors.js';

const EVENT_COLUMNS = `id, type, data, metadata, stream, revision, position, recorded_at AS recordedAt`;

interface StateRow {
  max_revision: number | null;
  revision: number | null;
  deleted: 'soft' | 'hard' | null;
  truncated_before: number | null;
}

/**
 * The log in SQLite: every append in an IMMEDIATE transaction (the write lock is taken up
 * front, so two processes never deadlock upgrading a read lock), deciding with the rules of
 * stream-rules.ts inside it; appends requested together share one transaction, each in a
 * savepoint (append-groups.ts). Positions come from an AUTOINCREMENT key, assigned by the single
 * writer in commit order, so a reader paging by position never skips a late commit.
 */
export class SqliteLog implements EventLog {
  readonly capabilities = ALL_CAPABILITIES;

  private readonly statements;
  /** Reads of one partition of the log, a pair of statements per filter. */
  private readonly partitionPages: PartitionPages;
  /** The index of partition reads, which they bring up to the head when it lags (partition-reads.ts). */
  readonly partitions: SqlitePartitionIndexes;
  private readonly appendTransaction: Database.Transaction<(batch: readonly PreparedAppend[]) => AppendResult[]>;
  private readonly groupTransaction: Database.Transaction<(batches: readonly (readonly PreparedAppend[])[], until: number) => Outcome[]>;
  /** Undefined when appends are not grouped (the groupCommit option). */
  private readonly groups: AppendGroups | undefined;
  private readonly deleteTransaction: Database.Transaction<(stream: string, mode: 'soft' | 'hard', expected: ExpectedRevision) => void>;
  private readonly truncateTransaction: Database.Transaction<(stream: string, before: number) => void>;
  /** Inline projections' functions, run inside each append's transaction (attachInline). */
  private inline: readonly InlineApply[] = [];

  constructor(private readonly connection: SqliteConnection) {
    const { db } = connection;
    this.statements = {
      state: db.prepare<[string, string], StateRow>(
        `SELECT (SELECT max(revision) FROM annals_events WHERE stream = ?) AS max_revision,
                s.revision, s.deleted, s.truncated_before
           FROM (SELECT 1) LEFT JOIN annals_streams s ON s.stream = ?`,
      ),
      recordedIds: db.prepare<[string], RecordedId>(
        `SELECT id, stream, revision, position FROM annals_events WHERE id IN (SELECT value FROM json_each(?))`,
      ),
      insert: db.prepare(
        `INSERT INTO annals_events (id, stream, category, stream_hash, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      undelete: db.prepare(`UPDATE annals_streams SET deleted = NULL WHERE stream = ? AND deleted = 'soft'`),
      saveState: db.prepare(
        `INSERT INTO annals_streams (stream, revision, deleted, truncated_before) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted, truncated_before = excluded.truncated_before`,
      ),
      removeBefore: db.prepare(`DELETE FROM annals_events WHERE stream = ? AND revision < ?`),
      // Removes the snapshot when its revision is below the given one (every revision on delete).
      removeSnapshot: db.prepare(`DELETE FROM annals_snapshots WHERE stream = ? AND revision < ?`),
      forwards: db.prepare<[string, number, number], StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM annals_events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      backwards: db.prepare<[string, number, number], StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM annals_events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      all: db.prepare<[number, number], StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM annals_events WHERE position > ? ORDER BY position LIMIT ?`),
      allByCategory: db.prepare<[string, number, number], StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM annals_events WHERE category = ? AND position > ? ORDER BY position LIMIT ?`,
      ),
      allByTypes: db.prepare<[number, string, number], StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM annals_events WHERE position > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY position LIMIT ?`,
      ),
      allByCategoryAndTypes: db.prepare<[string, number, string, number], StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM annals_events
          WHERE category = ? AND position > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY position LIMIT ?`,
      ),
      byId: db.prepare<[string], StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM annals_events WHERE id = ?`),
      // AUTOINCREMENT's counter: the last position ever assigned, even if its event was deleted since.
      head: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'annals_events'`).pluck(),
    };
    this.partitions = new SqlitePartitionIndexes(connection);
    this.partitionPages = new PartitionPages(db, EVENT_COLUMNS, this.partitions);
    this.appendTransaction = db.transaction((batch: readonly PreparedAppend[]) => this.appendInTransaction(batch));
    // Inside the group's transaction, appendTransaction runs in a savepoint (better-sqlite3 nests so).
    this.groupTransaction = db.transaction((batches: readonly (readonly PreparedAppend[])[], until: number) => {
      const outcomes: Outcome[] = [];
      for (const batch of batches) {
        try {
          outcomes.push({ results: this.appendTransaction(batch) });
        } catch (error) {
          // Its savepoint is rolled back; but some errors (a full disk) end the whole transaction.
          if (!db.inTransaction) throw new GroupAborted(outcomes.length, error);
          outcomes.push({ error });
        }
        if (performance.now() >= until) break;
      }
      return outcomes;
    });
    const bounds = connection.groupCommit;
    this.groups =
      bounds === false ? undefined
      : new AppendGroups(
          {
            one: (batch) => this.appendTransaction.immediate(batch),
            group: (batches, until) => this.groupTransaction.immediate(batches, until),
            translate: (error) => translateSqliteError(error, 'append', connection.location),
          },
          bounds,
          connection.busyTimeoutMs,
        );
    this.deleteTransaction = db.transaction((stream: string, mode: 'soft' | 'hard', expected: ExpectedRevision) => {
      const state = this.stateOf(stream);
      const plan = planDelete(stream, state, mode, expected);
      if (plan === 'nothing') return;
      const next = plan === 'hard' ? hardDeleted(state) : softDeleted(state);
      this.statements.removeBefore.run(stream, Number.MAX_SAFE_INTEGER);
      this.statements.removeSnapshot.run(stream, Number.MAX_SAFE_INTEGER);
      this.statements.saveState.run(stream, next.revision, next.deleted || null, next.truncatedBefore);
    });
    this.truncateTransaction = db.transaction((stream: string, before: number) => {
      const state = this.stateOf(stream);
      const truncatedBefore = planTruncate(stream, state, before);
      this.statements.removeBefore.run(stream, truncatedBefore);
      this.statements.removeSnapshot.run(stream, truncatedBefore);
      this.statements.saveState.run(stream, state.revision, state.deleted || null, truncatedBefore);
    });
  }

  appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    if (!this.groups) return this.connection.write('append', () => this.appendTransaction.immediate(batch));
    if (this.connection.isReadonly) return Promise.reject(new ReadOnlyStoreError('append', this.connection.location));
    return this.groups.append(batch);
  }

  /**
   * Runs `apply` inside every later append's transaction, after its events are inserted: in a
   * group, inside that append's savepoint, so a throw fails that append alone.
   */
  attachInline(apply: InlineApply): () => void {
    this.inline = [...this.inline, apply];
    return () => {
      this.inline = this.inline.filter((attached) => attached !== apply);
    };
  }

  /** Resolves once every append requested so far has been committed or has failed. */
  whenIdle(): Promise<void> {
    return this.groups?.whenIdle() ?? Promise.resolve();
  }

  private appendInTransaction(batch: readonly PreparedAppend[]): AppendResult[] {
    const { recordedIds, insert, undelete } = this.statements;
    const recordedAt = Date.now();
    const inline = this.inline;
    const written: StoredEvent[] | undefined = inline.length > 0 ? [] : undefined;
    // A failure anywhere throws, and better-sqlite3 rolls the whole transaction back.
    const results = batch.map((append) => {
      const state = this.stateOf(append.stream);
      const given = append.events.filter((e) => !e.generated);
      const recorded = given.length === 0 ? [] : recordedIds.all(JSON.stringify(given.map((e) => e.id)));
      const plan = planAppend(append, state, recorded);
      if (plan.kind === 'idempotent') return plan.result;
      if (state.deleted === 'soft') undelete.run(append.stream);
      let position = 0;
      let revision = plan.firstRevision;
      // The partition hash of the stream, which partition reads filter on (partition-reads.ts).
      const hash = keyHash(append.stream);
      for (const event of append.events) {
        position = Number(
          insert.run(event.id, append.stream, append.category, hash, revision, event.type, event.data, event.metadata, recordedAt).lastInsertRowid,
        );
        written?.push({ id: event.id, type: event.type, data: event.data, metadata: event.metadata, stream: append.stream, revision, position, recordedAt });
        revision++;
      }
      return { stream: append.stream, streamRevision: revision - 1, position };
    });
    // Positions come from AUTOINCREMENT, one more than the last ever assigned, under the write
    // lock: the head before this append is the one below its first event.
    if (written !== undefined && written.length > 0) for (const apply of inline) apply(written, written[0]!.position - 1);
    return results;
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const statement = direction === 'forwards' ? this.statements.forwards : this.statements.backwards;
    return this.connection.read('read a stream', () => statement.all(stream, fromRevision, limit));
  }

  /**
   * The head is read before the page: every position up to it was committed before the page's
   * query began (one writer, positions in commit order), so a short page vouches for it.
   */
  async readAllPage(query: AllPageQuery): Promise<AllPage> {
    const { after, category, types, partition, limit } = query;
    const s = this.statements;
    let lagging = false;
    const page = await this.connection.read('read the log', () => {
      const head = (s.head.get() as number | undefined) ?? 0;
      let events: StoredEvent[];
      if (partition !== undefined) ({ events, lagging } = this.partitionPages.read(query, partition, head));
      else if (category === undefined && types === undefined) events = s.all.all(after, limit);
      else if (types === undefined) events = s.allByCategory.all(category!, after, limit);
      else if (category === undefined) events = s.allByTypes.all(after, JSON.stringify(types), limit);
      else events = s.allByCategoryAndTypes.all(category, after, JSON.stringify(types), limit);
      // The two statements are two snapshots: the page may hold events committed after the
      // head was read, and a short page vouches for everything up to its own last event too.
      const readThrough = events.length === limit ? events[limit - 1]!.position : Math.max(after, head, events.at(-1)?.position ?? 0);
      return { events, readThrough };
    });
    // The page is read; the partition's index is brought on for the next one, if the write lock is free.
    if (lagging && !this.connection.isReadonly) this.partitions.tryKeepUp(partition!.count);
    return page;
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    return this.connection.read('get an event', () => this.statements.byId.get(id));
  }

  async headPosition(): Promise<number> {
    return this.connection.read('read the head position', () => (this.statements.head.get() as number | undefined) ?? 0);
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    return this.connection.read('read stream info', () => ({ stream, ...this.stateOf(stream) }));
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    await this.connection.write('delete a stream', () => this.deleteTransaction.immediate(stream, mode, expectedRevision));
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    await this.connection.write('truncate a stream', () => this.truncateTransaction.immediate(stream, before));
  }

  private stateOf(stream: string): StreamState {
    const row = this.statements.state.get(stream, stream)!;
    const deleted: DeletedState = row.deleted ?? false;
    const revision = Math.max(row.max_revision ?? -1, row.revision ?? -1);
    return { revision, exists: !deleted && revision >= 0, deleted, truncatedBefore: row.truncated_before ?? 0 };
  }
}
