import type Database from 'better-sqlite3';
import type { GroupKey, GroupMembers } from '../../readmodel/types.js';
import type { CommitSignal } from '../../backend/parts.js';
import { StoreClosedError } from '../../core/errors.js';
import type { KeyedState, ReadModelStore, SyncReadModels } from '../../readmodel/read-model-store.js';
import type { CollectionSpec, DeadLetter, LeaseAnswer, ProjectionCommit, ProjectionKey, ProjectionState, StoredDocument, StoredFilter, StoredFind } from '../../readmodel/types.js';
import type { SqliteConnection } from './connection.js';
import { SqliteGroupMembers } from './group-members.js';
import { SqliteProjectionStates } from './projection-states.js';
import { SqliteCollections } from './read-model-collections.js';

/**
 * Read models in SQLite: documents in a table per collection with real expression indexes
 * (read-model-sql.ts), projection state rows, dead letters and live versions in the tables of
 * migration 3, and the members of consumer groups in migration 4's.
 *
 * A commit is one IMMEDIATE transaction (the write lock first, so two connections never both
 * read a state row and then both write it): the compare-and-set of the state row, the writes in
 * order, the dead letters and the checkpoint. Its synchronous core, `commitSync`, also runs
 * inside a transaction already open on the connection (an append's, for inline projections), as
 * a savepoint; `getSync` reads there. The async methods run through the connection, which waits
 * while another connection holds the lock and turns the driver's errors into typed ones.
 */
export class SqliteReadModels implements ReadModelStore, SyncReadModels {
  readonly name = 'sqlite';
  private readonly db: Database.Database;
  private readonly collections: SqliteCollections;
  private readonly projections: SqliteProjectionStates;
  private readonly members: SqliteGroupMembers;
  private readonly commitTransaction: Database.Transaction<(commit: ProjectionCommit) => void>;
  private readonly leaseTransaction: Database.Transaction<(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number) => LeaseAnswer>;
  private readonly heartbeatTransaction: Database.Transaction<(group: GroupKey, member: string, ttlMs: number) => GroupMembers>;
  private readonly prepareTransaction: Database.Transaction<(specs: readonly CollectionSpec[]) => void>;
  private readonly dropTransaction: Database.Transaction<(specs: readonly CollectionSpec[]) => void>;

  /**
   * @param connection the connection to use (the event store's, or one of the store's own)
   * @param signal wakes `watch` listeners when another connection commits
   * @param onClose what `close` releases: nothing for a connection shared with an event store
   */
  constructor(
    private readonly connection: SqliteConnection,
    private readonly signal: CommitSignal,
    private readonly onClose: () => void = () => undefined,
  ) {
    const db = (this.db = connection.db);
    this.collections = new SqliteCollections(db);
    this.projections = new SqliteProjectionStates(db);
    this.members = new SqliteGroupMembers(db);
    this.commitTransaction = db.transaction((commit: ProjectionCommit) => this.commitSteps(commit));
    this.leaseTransaction = db.transaction((key, owner, ttlMs, epoch) => this.projections.lease(key, owner, ttlMs, epoch));
    this.heartbeatTransaction = db.transaction((group, member, ttlMs) => this.members.heartbeat(group, member, ttlMs));
    this.prepareTransaction = db.transaction((specs) => specs.forEach((spec) => this.collections.create(spec)));
    this.dropTransaction = db.transaction((specs) => specs.forEach((spec) => this.collections.drop(spec)));
  }

  /**
   * The commit, synchronously: in a savepoint of the transaction open on the connection (an
   * append's), or in an IMMEDIATE transaction of its own when none is. Throws LeaseLostError
   * having written nothing; the driver's errors come out raw, for the caller's transaction to
   * handle.
   */
  commitSync(commit: ProjectionCommit): void {
    // Inside a transaction, no savepoint of its own: the check comes before any write, so a
    // refused commit has written nothing, and a write that fails fails the enclosing transaction's
    // work too (an inline append), which then rolls back whole.
    if (this.db.inTransaction) this.commitSteps(commit);
    else this.commitTransaction.immediate(commit);
  }

  /** The compare-and-set, the writes in order, the dead letters and the checkpoint. */
  private commitSteps(commit: ProjectionCommit): void {
    this.projections.checkForCommit(commit);
    for (const write of commit.writes) this.collections.write(write);
    this.projections.finishCommit(commit);
  }

  /** The state row, synchronously (inside a transaction, it sees that transaction's writes). */
  stateSync(key: ProjectionKey): ProjectionState | undefined {
    return this.projections.state(key);
  }

  /** The documents' JSON, synchronously (inside a transaction, it sees that transaction's writes). */
  getSync(spec: CollectionSpec, ids: readonly string[]): (string | undefined)[] {
    return this.collections.get(spec, ids);
  }

  prepare(collections: readonly CollectionSpec[]): Promise<void> {
    return this.write('prepare read-model collections', () => this.prepareTransaction.immediate(collections));
  }

  drop(collections: readonly CollectionSpec[]): Promise<void> {
    return this.write('drop read-model collections', () => this.dropTransaction.immediate(collections));
  }

  get(spec: CollectionSpec, ids: readonly string[]): Promise<(string | undefined)[]> {
    return this.read('get read-model documents', () => this.collections.get(spec, ids));
  }

  find(spec: CollectionSpec, find: StoredFind): Promise<StoredDocument[]> {
    return this.read('find read-model documents', () => this.collections.find(spec, find));
  }

  count(spec: CollectionSpec, filter: StoredFilter): Promise<number> {
    return this.read('count read-model documents', () => this.collections.count(spec, filter));
  }

  commit(commit: ProjectionCommit): Promise<void> {
    return this.write('commit a projection batch', () => this.commitTransaction.immediate(commit));
  }

  state(key: ProjectionKey): Promise<ProjectionState | undefined> {
    return this.read('read a projection state', () => this.projections.state(key));
  }

  lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer> {
    return this.write('take a projection lease', () => this.leaseTransaction.immediate(key, owner, ttlMs, epoch));
  }

  release(key: ProjectionKey, owner: string, epoch: number): Promise<void> {
    return this.write('release a projection lease', () => void this.projections.release(key, owner, epoch));
  }

  states(projection: string): Promise<KeyedState[]> {
    return this.read('read projection states', () => this.projections.states(projection));
  }

  deadLetters(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
    return this.read('read dead letters', () => this.projections.deadLetters(key, after, limit));
  }

  removeDeadLetters(key: ProjectionKey, positions: readonly number[]): Promise<number> {
    return this.write('remove dead letters', () => this.projections.removeDeadLetters(key, positions));
  }

  heartbeat(group: GroupKey, member: string, ttlMs: number): Promise<GroupMembers> {
    return this.write('record a group heartbeat', () => this.heartbeatTransaction.immediate(group, member, ttlMs));
  }

  leaveGroup(group: GroupKey, member: string): Promise<void> {
    return this.write('leave a group', () => this.members.leave(group, member));
  }

  groupMembers(group: GroupKey): Promise<GroupMembers> {
    return this.read('read group members', () => this.members.members(group));
  }

  liveVersion(projection: string): Promise<number | undefined> {
    return this.read('read the live version', () => this.projections.liveVersion(projection));
  }

  promote(projection: string, version: number, expected: number | undefined): Promise<boolean> {
    return this.write('promote a projection version', () => this.projections.promote(projection, version, expected));
  }

  /** Wakes `listener` when another connection (in this process or another) commits to the file. */
  watch(listener: () => void): () => void {
    return this.signal.watch(listener);
  }

  async close(): Promise<void> {
    this.onClose();
  }

  private read<T>(operation: string, run: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(new StoreClosedError(operation));
    return this.connection.read(operation, run);
  }

  private write<T>(operation: string, run: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(new StoreClosedError(operation));
    return this.connection.write(operation, run);
  }
}
