/** Options of the SQLite backend (no driver import: the core may refer to these types). */
export interface SqliteOptions {
  /**
   * `full` (default): an acknowledged append survives power loss (the WAL is synced at each commit).
   * `normal`: faster; an acknowledged append survives a crash of the process but may be lost on power loss.
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long a write waits for another process's write lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** How often live subscriptions look for commits by other processes (PRAGMA data_version). Default 25 ms. */
  readonly pollIntervalMs?: number;
  /** Apply pending schema migrations on open. Default true; false fails with ANNALS_MIGRATION_REQUIRED instead. */
  readonly migrate?: boolean;
  /** Open the file read-only (no migrations, no writes). Default false. */
  readonly readonly?: boolean;
}
