import Database from 'better-sqlite3';
import { ReadOnlyStoreError, StoreClosedError } from '../../core/errors.js';
import type { AppendResult, DeletedState, ExpectedRevision, StreamInfo } from '../../core/types.js';
import type { StoredSnapshot } from '../../core/snapshot.js';
import { ALL_CAPABILITIES, type AllPageQuery, type Durability, type PreparedAppend, type StorageAdapter, type StoredEvent, type StreamPageQuery } from '../../backend/parts.js';
import { hardDeleted, planAppend, planDelete, planTruncate, softDeleted, type RecordedId, type StreamState } from '../../backend/stream-rules.js';
import { migrate, type SchemaState } from './schema.js';
import type { SqliteOptions } from './options.js';
import { retryWhileBusy } from './lock-wait.js';
import { Watchers } from '../../backend/watchers.js';
import { translateSqliteError } from './sqlite-errors.js';

const EVENT_COLUMNS = `id, type, data, metadata, stream, revision, position, recorded_at AS recordedAt`;

/** What a store's connection runs with: the pragmas as SQLite reports them, not as they were asked for. */
export interface SqliteSettings {
  /** 'wal' for a file, 'memory' for ':memory:'. */
  readonly journalMode: string;
  readonly synchronous: 'off' | 'normal' | 'full' | 'extra';
  /**
   * How long a call waits for another connection's lock before failing with ANNALS_STORE_UNAVAILABLE.
   * The adapter does this waiting itself (see retryWhileBusy), so it is not a pragma.
   */
  readonly busyTimeoutMs: number;
}

const SYNCHRONOUS_LEVELS = ['off', 'normal', 'full', 'extra'] as const;

interface StateRow {
  max_revision: number | null;
  revision: number | null;
  deleted: 'soft' | 'hard' | null;
  truncated_before: number | null;
}

/**
 * SQLite through better-sqlite3: one connection per store, reused; WAL; every append in one
 * IMMEDIATE transaction (the write lock is taken up front, so two processes never deadlock
 * upgrading a read lock). Positions come from an AUTOINCREMENT key, assigned by the single
 * writer in commit order, so a reader paging by position never skips a late commit.
 */
export class SqliteAdapter implements StorageAdapter {
  readonly name = 'sqlite';
  readonly capabilities = ALL_CAPABILITIES;
  readonly schema: SchemaState;
  readonly durability: Durability;

  private readonly db: Database.Database;
  private readonly isReadonly: boolean;
  private readonly pollIntervalMs: number;
  private readonly busyTimeoutMs: number;
  private readonly statements;
  private readonly watchers = new Watchers({ start: () => this.startPolling(), stop: () => this.stopPolling() });
  private poller: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;

  constructor(
    readonly location: string,
    options: SqliteOptions = {},
  ) {
    this.isReadonly = options.readonly ?? false;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    try {
      // Opening (and migrating) waits for other connections with SQLite's own busy handler;
      // every later call waits in retryWhileBusy instead.
      this.db = new Database(location, { readonly: this.isReadonly, timeout: this.busyTimeoutMs });
    } catch (error) {
      throw translateSqliteError(error, 'open the store', location);
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 25;
    try {
      if (!this.isReadonly) this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.schema = migrate(this.db, location, { migrate: options.migrate ?? true, readonly: this.isReadonly });
      this.durability = sqliteDurability(location, options.synchronous ?? 'full');
      this.db.pragma('busy_timeout = 0');
    } catch (error) {
      this.db.close();
      throw translateSqliteError(error, 'open the store', location);
    }
    const db = this.db;
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
        `INSERT INTO annals_events (id, stream, category, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      undelete: db.prepare(`UPDATE annals_streams SET deleted = NULL WHERE stream = ? AND deleted = 'soft'`),
      saveState: db.prepare(
        `INSERT INTO annals_streams (stream, revision, deleted, truncated_before) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, deleted = excluded.deleted, truncated_before = excluded.truncated_before`,
      ),
      removeBefore: db.prepare(`DELETE FROM annals_events WHERE stream = ? AND revision < ?`),
      // Removes the snapshot when its revision is below the given one (every revision on delete).
      removeSnapshot: db.prepare(`DELETE FROM annals_snapshots WHERE stream = ? AND revision < ?`),
      saveSnapshot: db.prepare(
        `INSERT INTO annals_snapshots (stream, revision, version, state, saved_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state, saved_at = excluded.saved_at
         WHERE excluded.revision >= annals_snapshots.revision`,
      ),
      loadSnapshot: db.prepare<[string], SnapshotRow>(`SELECT revision, version, state, saved_at FROM annals_snapshots WHERE stream = ?`),
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
      dataVersion: db.prepare(`PRAGMA data_version`).pluck(),
      // AUTOINCREMENT's counter: the last position ever assigned, even if its event was deleted since.
      head: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'annals_events'`).pluck(),
    };
    this.appendTransaction = db.transaction((batch: readonly PreparedAppend[]) => this.appendInTransaction(batch));
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

  private readonly appendTransaction: Database.Transaction<(batch: readonly PreparedAppend[]) => AppendResult[]>;
  private readonly deleteTransaction: Database.Transaction<(stream: string, mode: 'soft' | 'hard', expected: ExpectedRevision) => void>;
  private readonly truncateTransaction: Database.Transaction<(stream: string, before: number) => void>;

  async appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    return this.write('append', () => this.appendTransaction.immediate(batch));
  }

  private appendInTransaction(batch: readonly PreparedAppend[]): AppendResult[] {
    const { recordedIds, insert, undelete } = this.statements;
    const recordedAt = Date.now();
    // A failure anywhere throws, and better-sqlite3 rolls the whole transaction back.
    return batch.map((append) => {
      const state = this.stateOf(append.stream);
      const given = append.events.filter((e) => !e.generated);
      const recorded = given.length === 0 ? [] : recordedIds.all(JSON.stringify(given.map((e) => e.id)));
      const plan = planAppend(append, state, recorded);
      if (plan.kind === 'idempotent') return plan.result;
      if (state.deleted === 'soft') undelete.run(append.stream);
      let position = 0;
      let revision = plan.firstRevision;
      for (const event of append.events) {
        position = Number(
          insert.run(event.id, append.stream, append.category, revision++, event.type, event.data, event.metadata, recordedAt).lastInsertRowid,
        );
      }
      return { stream: append.stream, streamRevision: revision - 1, position };
    });
  }

  async readStreamPage({ stream, fromRevision, direction, limit }: StreamPageQuery): Promise<StoredEvent[]> {
    const statement = direction === 'forwards' ? this.statements.forwards : this.statements.backwards;
    return this.read('read a stream', () => statement.all(stream, fromRevision, limit));
  }

  async readAllPage({ after, category, types, limit }: AllPageQuery): Promise<StoredEvent[]> {
    const s = this.statements;
    return this.read('read the log', () => {
      if (category === undefined && types === undefined) return s.all.all(after, limit);
      if (types === undefined) return s.allByCategory.all(category!, after, limit);
      if (category === undefined) return s.allByTypes.all(after, JSON.stringify(types), limit);
      return s.allByCategoryAndTypes.all(category, after, JSON.stringify(types), limit);
    });
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    return this.read('get an event', () => this.statements.byId.get(id));
  }

  async headPosition(): Promise<number> {
    return this.read('read the head position', () => (this.statements.head.get() as number | undefined) ?? 0);
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    return this.read('read stream info', () => ({ stream, ...this.stateOf(stream) }));
  }

  async deleteStream(stream: string, mode: 'soft' | 'hard', expectedRevision: ExpectedRevision): Promise<void> {
    await this.write('delete a stream', () => this.deleteTransaction.immediate(stream, mode, expectedRevision));
  }

  async truncateStream(stream: string, before: number): Promise<void> {
    await this.write('truncate a stream', () => this.truncateTransaction.immediate(stream, before));
  }

  async saveSnapshot(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const { revision, version, state, savedAt } = snapshot;
    await this.write('save a snapshot', () => this.statements.saveSnapshot.run(stream, revision, version, state, savedAt));
  }

  async loadSnapshot(stream: string): Promise<StoredSnapshot | undefined> {
    const row = await this.read('load a snapshot', () => this.statements.loadSnapshot.get(stream));
    return row && { revision: row.revision, version: row.version, state: row.state, savedAt: row.saved_at };
  }

  /** The durability and locking settings in force on this store's connection. */
  get settings(): SqliteSettings {
    if (!this.db.open) throw new StoreClosedError('read the SQLite settings');
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: SYNCHRONOUS_LEVELS[level] ?? 'full',
      busyTimeoutMs: this.busyTimeoutMs,
    };
  }

  /**
   * Commits by other connections (in this process or another) change PRAGMA data_version on
   * this one. It is polled only while someone watches, and only to learn that there is
   * something new: a subscriber that is behind reads on without waiting.
   */
  watchExternalCommits(listener: () => void): () => void {
    return this.watchers.add(listener);
  }

  async close(): Promise<void> {
    this.watchers.close();
    this.db.close();
  }

  private startPolling(): void {
    this.lastDataVersion = this.statements.dataVersion.get() as number;
    this.poller = setInterval(() => this.poll(), this.pollIntervalMs);
    this.poller.unref();
  }

  private stopPolling(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private poll(): void {
    if (!this.db.open) return;
    try {
      const version = this.statements.dataVersion.get() as number;
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
    } catch {
      // A timer must not throw (it would end the process): wake the subscribers instead,
      // whose own read meets the same error and hands it to their consumer.
    }
    this.watchers.wake();
  }

  /** Runs a write: refused up front on a read-only store, otherwise as `read`. */
  private write<T>(operation: string, run: () => T): Promise<T> {
    if (this.isReadonly) return Promise.reject(new ReadOnlyStoreError(operation, this.location));
    return this.read(operation, run);
  }

  /** Runs a statement, waiting while another connection holds the lock; the driver's errors come out typed. */
  private async read<T>(operation: string, run: () => T): Promise<T> {
    try {
      return await retryWhileBusy(run, this.busyTimeoutMs);
    } catch (error) {
      throw translateSqliteError(error, operation, this.location);
    }
  }

  private stateOf(stream: string): StreamState {
    const row = this.statements.state.get(stream, stream)!;
    const deleted: DeletedState = row.deleted ?? false;
    const revision = Math.max(row.max_revision ?? -1, row.revision ?? -1);
    return { revision, exists: !deleted && revision >= 0, deleted, truncatedBefore: row.truncated_before ?? 0 };
  }
}

interface SnapshotRow {
  revision: number;
  version: string;
  state: string;
  saved_at: number;
}

function sqliteDurability(location: string, synchronous: 'full' | 'normal'): Durability {
  if (location === ':memory:' || location === '') {
    return { safe: false, risk: 'an in-memory SQLite database: every event is lost when the store closes' };
  }
  if (synchronous === 'normal') {
    return {
      safe: false,
      risk: "synchronous is 'normal': a power loss or operating-system crash can lose the last appends acknowledged before it (a crash of the process loses nothing)",
    };
  }
  return { safe: true };
}
