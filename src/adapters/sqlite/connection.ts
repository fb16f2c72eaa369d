import Database from 'better-sqlite3';
import { ReadOnlyStoreError, StoreClosedError } from '../../core/errors.js';
import type { Durability } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import { openFailure, translateSqliteError } from './errors.js';
import { retryWhileBusy } from './lock-wait.js';
import { migrate } from './migrations.js';
import type { CheckedSqliteOptions, GroupBounds } from './options.js';

/** What a store's connection runs with: the pragmas as SQLite reports them, not as they were asked for. */
export interface SqliteSettings {
  /** 'wal' for a file, 'memory' for ':memory:'. */
  readonly journalMode: string;
  /** PRAGMA synchronous: how often SQLite waits for the disk (docs/sqlite.md). */
  readonly synchronous: 'off' | 'normal' | 'full' | 'extra';
  /**
   * How long a call waits for another connection's lock before failing with ANNALS_STORE_UNAVAILABLE.
   * The adapter does this waiting itself (see retryWhileBusy), so it is not a pragma.
   */
  readonly busyTimeoutMs: number;
  /** How large a group of appends committed together may grow; false when every append commits alone. */
  readonly groupCommit: GroupBounds | false;
}

const SYNCHRONOUS_LEVELS = ['off', 'normal', 'full', 'extra'] as const;

/**
 * The store's one connection, shared by its parts: every statement runs through `read` or
 * `write`, which wait while another connection holds the lock and turn the driver's errors
 * into typed ones.
 */
export class SqliteConnection {
  constructor(
    readonly db: Database.Database,
    readonly location: string,
    readonly isReadonly: boolean,
    readonly busyTimeoutMs: number,
    readonly groupCommit: GroupBounds | false,
  ) {}

  /** Runs a write: refused up front on a read-only store, otherwise as `read`. */
  write<T>(operation: string, run: () => T): Promise<T> {
    if (this.isReadonly) return Promise.reject(new ReadOnlyStoreError(operation, this.location));
    return this.read(operation, run);
  }

  /** Runs statements, waiting while another connection holds the lock; the driver's errors come out typed. */
  async read<T>(operation: string, run: () => T): Promise<T> {
    try {
      return await retryWhileBusy(run, this.busyTimeoutMs);
    } catch (error) {
      throw translateSqliteError(error, operation, this.location);
    }
  }

  /** The durability and locking settings in force. */
  get settings(): SqliteSettings {
    if (!this.db.open) throw new StoreClosedError('read the SQLite settings');
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: SYNCHRONOUS_LEVELS[level] ?? 'full',
      busyTimeoutMs: this.busyTimeoutMs,
      groupCommit: this.groupCommit,
    };
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Opens the file (creating it unless read-only), sets WAL and the durability level, and
 * migrates the schema. Synchronous, as the driver is.
 */
export function connect(location: string, options: CheckedSqliteOptions): { connection: SqliteConnection; schema: SchemaState; durability: Durability } {
  let db: Database.Database;
  try {
    // Opening (and migrating) waits for other connections with SQLite's own busy handler;
    // every later call waits in retryWhileBusy instead.
    db = new Database(location, { readonly: options.readonly, fileMustExist: !options.create && location !== ':memory:' && location !== '', timeout: options.busyTimeoutMs });
  } catch (error) {
    throw openFailure(error, location) ?? translateSqliteError(error, 'open the store', location);
  }
  try {
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    const schema = migrate(db, location, options);
    db.pragma('busy_timeout = 0');
    const connection = new SqliteConnection(db, location, options.readonly, options.busyTimeoutMs, options.groupCommit);
    return { connection, schema, durability: sqliteDurability(location, options.synchronous) };
  } catch (error) {
    db.close();
    throw openFailure(error, location) ?? translateSqliteError(error, 'open the store', location);
  }
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
