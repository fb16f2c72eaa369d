/** Options of the PostgreSQL backend (no driver import: the core may refer to these types). */
export interface PostgresOptions {
  /** Schema holding the store's tables, so several stores can share one database. Default 'annals'. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** Server-side limit per statement, in milliseconds. Default: none. */
  readonly statementTimeoutMs?: number;
  /** How long to wait for a connection, in milliseconds. Default 10000. */
  readonly connectionTimeoutMs?: number;
  /**
   * Live subscriptions are woken by LISTEN/NOTIFY; this slow poll is their fallback
   * (a lost notification, a reconnect, a commit held back by a long transaction). Default 1000 ms.
   */
  readonly pollIntervalMs?: number;
  /** Apply pending schema migrations on open. Default true; false fails with ANNALS_MIGRATION_REQUIRED instead. */
  readonly migrate?: boolean;
}
