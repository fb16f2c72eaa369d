import Database from 'better-sqlite3';
import { ReadOnlyStoreError, StoreUnavailableError } from '../../core/errors.js';

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
