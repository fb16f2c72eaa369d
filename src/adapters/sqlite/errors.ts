import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { ReadOnlyStoreError, StoreOpenError, StoreUnavailableError } from '../../core/errors.js';

/** The file is locked by another connection (or being recovered): trying again later may work. */
export function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

/**
 * Turns the driver's errors that a caller can act on into typed errors, so no raw
 * SqliteError reaches the caller for a locked, read-only or unopenable file.
 * Anything else (including Annals' own errors) passes through unchanged.
 */
export function translateSqliteError(error: unknown, operation: string, location: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const { code } = error;
  if (isBusy(error) || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError('sqlite', `${location} stayed locked by another connection for longer than busyTimeoutMs`, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY')) return new ReadOnlyStoreError(operation, location, { cause: error });
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StoreUnavailableError('sqlite', `cannot open ${location} (${error.message}; does the file, or its directory, exist?)`, { cause: error });
  }
  return error;
}

/**
 * Why a file could not be opened as a store, when the caller can fix it (a path, a file of
 * another kind, permissions): undefined for anything else, such as a lock held by another
 * connection, which translateSqliteError reports.
 */
export function openFailure(error: unknown, location: string): StoreOpenError | undefined {
  const target = { location };
  // better-sqlite3 checks the directory itself, before SQLite sees the path.
  if (error instanceof TypeError && /directory does not exist/.test(error.message)) return new StoreOpenError('sqlite', 'directory missing', target, undefined, { cause: error });
  if (!(error instanceof Database.SqliteError)) return undefined;
  if (error.code.startsWith('SQLITE_NOTADB')) return new StoreOpenError('sqlite', 'not a database', target, undefined, { cause: error });
  if (!error.code.startsWith('SQLITE_CANTOPEN')) return undefined;
  const found = statSync(location, { throwIfNoEntry: false });
  const failure = found === undefined ? 'file missing' : found.isDirectory() ? 'not a file' : 'not accessible';
  return new StoreOpenError('sqlite', failure, target, failure === 'not accessible' ? error.message : undefined, { cause: error });
}
