import type {
  CollectionSpec,
  DeadLetter,
  GroupKey,
  GroupMembers,
  LeaseAnswer,
  ProjectionCommit,
  ProjectionKey,
  ProjectionState,
  StoredDocument,
  StoredFilter,
  StoredFind,
} from './types.js';

/**
 * The synchronous calls an inline projection makes inside an append's transaction: read models
 * in the log's own database, on the log's own connection (memory, SQLite).
 */
export interface SyncReadModels {
  /** As `get`, synchronously, seeing the open transaction's writes. */
  getSync(collection: CollectionSpec, ids: readonly string[]): (string | undefined)[];
  /** As `state`, synchronously. */
  stateSync(key: ProjectionKey): ProjectionState | undefined;
  /** As `commit`, synchronously, inside the open transaction (a savepoint of it) when there is one. */
  commitSync(commit: ProjectionCommit): void;
}

/** A state row with its key, as `states` lists them. */
export interface KeyedState {
  /** Whose row. */
  readonly key: ProjectionKey;
  /** The row. */
  readonly state: ProjectionState;
}

/**
 * The read-model store a backend provides (the "query store"): documents by collection and id
 * with real indexes, and beside them each projection's state row (checkpoint, lease, epoch), its
 * dead letters and which version of each projection is live. The core checks every input before
 * a method is called (names, ids, documents, finds), so a backend only talks to its database.
 *
 * The promises every backend keeps, pinned by the read-model conformance suite
 * (`runReadModelConformance` in `annals/testing`):
 * - `commit` writes the documents, the dead letters and the checkpoint in one atomic step (a
 *   transaction, a MULTI/EXEC or a script), after a compare-and-set of the state row; a refused
 *   commit writes nothing.
 * - A declared index is a real index on the backend (an expression index, a sorted set): a find
 *   or count does not read unrelated documents or the log.
 * - Leases are decided on the database's clock, so processes with skewed clocks agree.
 * - Strings order by Unicode code point (byte order of UTF-8), numbers numerically, ties by id.
 */
export interface ReadModelStore {
  /** Short name used in messages, e.g. 'postgres'. */
  readonly name: string;
  /** Creates the collections' storage and declared indexes where missing. Idempotent, and safe when several processes race. */
  prepare(collections: readonly CollectionSpec[]): Promise<void>;
  /** Removes the collections and every document in them (a dropped projection version). Missing ones are fine. */
  drop(collections: readonly CollectionSpec[]): Promise<void>;
  /** The documents with these ids, as JSON text, in the order of `ids`; undefined where there is none. */
  get(collection: CollectionSpec, ids: readonly string[]): Promise<(string | undefined)[]>;
  /** The documents the find selects, in its order, at most `limit`. */
  find(collection: CollectionSpec, find: StoredFind): Promise<StoredDocument[]>;
  /** How many documents the filter selects (every document of the collection without a field). */
  count(collection: CollectionSpec, filter: StoredFilter): Promise<number>;
  /** Writes a batch and moves the checkpoint, atomically, or throws LeaseLostError and writes nothing (see ProjectionCommit). */
  commit(commit: ProjectionCommit): Promise<void>;
  /** The state row, or undefined when none was written yet (checkpoint 0, no lease). */
  state(key: ProjectionKey): Promise<ProjectionState | undefined>;
  /**
   * Takes the lease if it is free or expired (raising the epoch by one), or renews it if `owner`
   * holds it at `epoch` (when `epoch` is given); otherwise leaves it. Creates the state row when
   * missing (checkpoint 0). Decided on the database's clock; the lease lasts `ttlMs` from then.
   */
  lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer>;
  /** Gives the lease up if `owner` holds it at `epoch` (it expires now); otherwise does nothing. */
  release(key: ProjectionKey, owner: string, epoch: number): Promise<void>;
  /** Every state row of the projection (each version and partition), for status. */
  states(projection: string): Promise<KeyedState[]>;
  /** Dead letters of a projection key in position order, at most `limit`, after position `after`. */
  deadLetters(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]>;
  /** Removes dead letters by position (a retried or dropped event); returns how many it removed. */
  removeDeadLetters(key: ProjectionKey, positions: readonly number[]): Promise<number>;
  /**
   * Records a heartbeat of `member` in the group, joining it when new: its row lasts `ttlMs`
   * from now on the database's clock. Forgets members expired more than an hour ago. Returns the
   * members not expired (the caller included), by member id, and the database's clock.
   */
  heartbeat(group: GroupKey, member: string, ttlMs: number): Promise<GroupMembers>;
  /** Removes `member` from the group (a clean leave); missing is fine. */
  leaveGroup(group: GroupKey, member: string): Promise<void>;
  /** Every member row the group keeps, expired ones too until forgotten, by member id: for status. */
  groupMembers(group: GroupKey): Promise<GroupMembers>;
  /** The live version of each named projection (undefined when none was promoted yet). */
  liveVersion(projection: string): Promise<number | undefined>;
  /**
   * Makes `version` the live one, if the live version is still `expected` (undefined: none);
   * returns whether it switched. One atomic step: readers see the old version or the new one.
   */
  promote(projection: string, version: number, expected: number | undefined): Promise<boolean>;
  /**
   * Calls `listener` when a checkpoint may have moved through another connection or process
   * (a hint: spare calls are fine, missing ones are not). Absent where only this object writes
   * (memory). Runs only while someone watches.
   */
  watch?(listener: () => void): () => void;
  /**
   * Throws ANNALS_STANDBY (StandbyError) when the store is on a standby (a PostgreSQL read
   * replica), where every write is refused; absent where there are none. For code that will
   * write later, to refuse at its start (runProjections does).
   */
  assertPrimary?(operation: string): void;
  /** Releases what the store holds alone (a store sharing the event store's connection releases nothing). */
  close(): Promise<void>;
}
