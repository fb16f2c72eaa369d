/** An event as the raw baselines read it: the same columns Annals reads, decoded the same way. */
export interface RawEvent {
  readonly id: string;
  readonly type: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: Date;
}

/** What RawDriver.appendApplying appends and applies. */
export interface ApplyingAppend {
  readonly stream: string;
  /** The event's revision: the stream's next. */
  readonly revision: number;
  readonly event: { readonly type: string; readonly data?: unknown; readonly metadata?: unknown };
  /** The documents table and the checkpoint row, as `prepare` made them. */
  readonly table: string;
  readonly name: string;
  /** The document read and written. */
  readonly id: string;
  /** The document's new JSON from its current one (undefined: none yet). */
  readonly fold: (json: string | undefined) => string;
}

/**
 * What a raw baseline does with a database, written by hand on the driver alone: read the log by
 * key, read and write plain document tables (`id` primary key, `doc` JSON text) and a checkpoint
 * row, one transaction per batch. One implementation per driver (better-sqlite3, node-postgres).
 */
export interface RawDriver {
  /** Creates the documents table `table` and the checkpoint row `name` (at 0) when missing. */
  prepare(table: string, name: string): Promise<void>;
  /** The next page of `account-*` events after `after`, at most `limit`, by position. */
  readPage(after: number, limit: number): Promise<RawEvent[]>;
  /** The documents' JSON by id (missing ones absent). */
  load(table: string, ids: readonly string[]): Promise<Map<string, string>>;
  /** In one transaction: upserts the documents and sets the checkpoint row `name` to `checkpoint`. */
  commit(table: string, name: string, puts: readonly (readonly [id: string, json: string])[], checkpoint: number): Promise<void>;
  /** Appends one event to `stream` at `revision` (the next one), autocommitted; returns its position. */
  append(stream: string, revision: number, event: { readonly type: string; readonly data?: unknown; readonly metadata?: unknown }): Promise<number>;
  /**
   * An inline append by hand: in one transaction, appends the event (as `append`), reads the
   * checkpoint row `name` locked and the document `id` of `table`, upserts the document `fold`
   * makes of it and sets the checkpoint to the event's position. The least any inline
   * projection must do; returns the position.
   */
  appendApplying(append: ApplyingAppend): Promise<number>;
  /** The documents a find by the `owner` field selects, ordered by id, at most `limit`, decoded. */
  findByOwner(table: string, owner: string, limit: number): Promise<unknown[]>;
  /** Brings the planner's statistics up to date after bulk writes (PostgreSQL: VACUUM ANALYZE of the schema's tables; SQLite: nothing). */
  settle(): Promise<void>;
  close(): Promise<void>;
}
