import pg from 'pg';
import { NotSupportedError, StandbyError, StoreClosedError } from '../../core/errors.js';
import type { GroupKey, GroupMembers } from '../../readmodel/types.js';
import type { KeyedState, ReadModelStore, SyncReadModels } from '../../readmodel/read-model-store.js';
import type {
  CollectionSpec,
  DeadLetter,
  LeaseAnswer,
  ProjectionCommit,
  ProjectionKey,
  ProjectionState,
  StoredDocument,
  StoredFilter,
  StoredFind,
} from '../../readmodel/types.js';
import { Announcer } from './announcer.js';
import { Notifier } from './commit-signal.js';
import type { PostgresPool } from './connection.js';
import { DeadLetters } from './dead-letters.js';
import { GroupMembersTable } from './group-members.js';
import { LiveVersions } from './live-versions.js';
import { ProjectionStates } from './projection-states.js';
import type { Statement } from './pipeline.js';
import { collapseWrites, commitStatement, writeCommit } from './read-model-commit.js';
import { readModelError } from './read-model-errors.js';
import { CollectionQueries } from './read-model-queries.js';
import { CollectionTables } from './read-model-tables.js';
import { inTransaction, type Transaction } from './transaction.js';

/**
 * Read models in a PostgreSQL schema (migrations 4 and 5, and a table per collection): the backend's
 * `readModels` part on the store's pool, or a store of its own from openPostgresReadModels.
 * A commit is one transaction: the state row's compare-and-set first (it keeps the row locked),
 * then the documents, the dead letters (un-parked, then parked, owned by the lease's holder) and a
 * NOTIFY that PostgreSQL sends at COMMIT.
 */
export class PostgresReadModels implements ReadModelStore, SyncReadModels {
  readonly name = 'postgres';
  private readonly tables: CollectionTables;
  private readonly queries: CollectionQueries;
  private readonly rows: ProjectionStates;
  private readonly letters: DeadLetters;
  private readonly live: LiveVersions;
  private readonly members: GroupMembersTable;
  private readonly notifier: Notifier;
  /** Sends the notice of inline commits to other processes (committedInline). */
  private readonly announcer: Announcer;
  /** The channel of the commits' notices (see watch). */
  private readonly channel: string;
  private readonly quotedSchema: string;
  /** The synchronous calls' answers while an inline function runs (inScope). */
  private scope: SyncReadModels | undefined;

  constructor(
    private readonly pool: PostgresPool,
    schemaName: string,
    pollIntervalMs: number,
    /** True when this object owns the pool (openPostgresReadModels) and ends it on close. */
    private readonly ownsPool = false,
    /** On a standby, where the server is (`host:port`): every write is refused, and watchers are woken by the poll alone. */
    private readonly standbyAt?: string,
  ) {
    const s = (this.quotedSchema = pg.escapeIdentifier(schemaName));
    this.tables = new CollectionTables(pool, s, schemaName);
    this.queries = new CollectionQueries(pool, s);
    this.rows = new ProjectionStates(pool, s);
    this.letters = new DeadLetters(pool, s);
    this.live = new LiveVersions(pool, s);
    this.members = new GroupMembersTable(pool, s);
    // A channel of their own: projection commits do not wake the log's subscribers, nor appends the projections.
    // (Cut to the 63 bytes PostgreSQL keeps, as LISTEN and NOTIFY would: a shared prefix only means spare wake-ups.)
    const channel = `annals:rm:${schemaName}`.slice(0, 63);
    // A standby cannot LISTEN: there, a read with minPosition sees the checkpoint's row replicated by the poll.
    this.notifier = new Notifier(pool.config, channel, pollIntervalMs, standbyAt === undefined);
    this.announcer = new Announcer(pool, channel, this.notifier);
    this.channel = channel;
  }

  prepare(collections: readonly CollectionSpec[]): Promise<void> {
    return this.guard('prepare', () => this.tables.prepare(collections), true);
  }

  drop(collections: readonly CollectionSpec[]): Promise<void> {
    return this.guard('drop', () => this.tables.drop(collections), true);
  }

  get(collection: CollectionSpec, ids: readonly string[]): Promise<(string | undefined)[]> {
    return this.guard('get', () => this.queries.get(collection, ids));
  }

  find(collection: CollectionSpec, find: StoredFind): Promise<StoredDocument[]> {
    return this.guard('find', () => this.queries.find(collection, find));
  }

  count(collection: CollectionSpec, filter: StoredFilter): Promise<number> {
    return this.guard('count', () => this.queries.count(collection, filter));
  }

  state(key: ProjectionKey): Promise<ProjectionState | undefined> {
    return this.guard('state', () => this.rows.state(key));
  }

  states(projection: string): Promise<KeyedState[]> {
    return this.guard('states', () => this.rows.states(projection));
  }

  lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer> {
    return this.guard('lease', () => this.rows.lease(key, owner, ttlMs, epoch), true);
  }

  release(key: ProjectionKey, owner: string, epoch: number): Promise<void> {
    return this.guard('release', () => this.rows.release(key, owner, epoch), true);
  }

  deadLetters(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
    return this.guard('deadLetters', () => this.letters.list(key, after, limit));
  }

  removeDeadLetters(key: ProjectionKey, positions: readonly number[]): Promise<number> {
    return this.guard('removeDeadLetters', () => this.letters.remove(key, positions), true);
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    const changes = collapseWrites(commit.writes);
    const specs = changes.map((change) => change.spec);
    const run = async () => {
      await this.tables.prepare(specs);
      // A lease holder paused inside its commit must not keep the state row locked past its lease:
      // the server ends the transaction when it idles for half the lease's time (at least 1 s).
      const idleTimeoutMs = commit.lease !== undefined && commit.ttlMs !== undefined ? Math.max(1000, commit.ttlMs / 2) : undefined;
      await inTransaction(this.pool, (tx) => this.write(tx, commit, changes, this.channel), idleTimeoutMs);
    };
    await this.guard('commit', async () => {
      try {
        await run();
      } catch (error) {
        // A collection this object prepared was dropped meanwhile (by another process): prepare it again, once.
        if ((error as { code?: unknown }).code !== '42P01') throw error;
        this.tables.forget(specs);
        await run();
      }
    }, true);
  }

  /**
   * Writes a commit inside a transaction the caller holds open (an inline append's): the same
   * statements as `commit`, which then commit or roll back with that transaction, but for the
   * notice: the caller calls `committedInline` once it has committed.
   */
  async commitIn(tx: Transaction, commit: ProjectionCommit): Promise<void> {
    this.assertPrimary('commit');
    const changes = collapseWrites(commit.writes);
    await this.tables.prepare(changes.map((change) => change.spec));
    await this.write(tx, commit, changes, undefined);
  }

  /**
   * The statements of `commit` inside an inline append's transaction, for sending together with
   * its COMMIT (one round trip): the compare-and-set strict (it fails the statement, so the COMMIT
   * rolls back, with REFUSED_STRICT), then the dead letters; no notice, as commitIn. Undefined
   * while a collection it writes is not prepared by this object yet: then commitIn.
   */
  commitStatements(commit: ProjectionCommit): Statement[] | undefined {
    this.assertPrimary('commit');
    const changes = collapseWrites(commit.writes);
    if (!this.tables.prepared(changes.map((change) => change.spec))) return undefined;
    const statements = [commitStatement(this.quotedSchema, commit, changes, { channel: undefined, strict: true })];
    const unpark = commit.unpark && this.letters.unparkStatement(commit.key, commit.unpark);
    const park = commit.park && this.letters.parkStatement(commit.key, commit.park, commit.lease?.owner ?? null);
    return [...statements, ...(unpark ? [unpark] : []), ...(park ? [park] : [])];
  }

  /**
   * Inline commits were committed (commitIn, commitStatements): wakes this process's waiters, and
   * tells other processes' by a NOTIFY of its own (announcer.ts), as appends do: a NOTIFY inside
   * the append would hold every inline append's COMMIT on the notification queue's lock.
   */
  committedInline(): void {
    this.notifier.wake();
    this.announcer.committed();
  }

  /** The state row's compare-and-set with the documents, in one statement (writeCommit; it keeps the row locked), then the dead letters (un-parked, then parked); the notice on `channel`, if any, is sent at COMMIT. */
  private async write(tx: Transaction, commit: ProjectionCommit, changes: ReturnType<typeof collapseWrites>, channel: string | undefined): Promise<void> {
    await writeCommit(tx, this.quotedSchema, commit, changes, channel);
    if (commit.unpark !== undefined) await this.letters.unpark(tx, commit.key, commit.unpark);
    if (commit.park !== undefined) await this.letters.park(tx, commit.key, commit.park, commit.lease?.owner ?? null);
  }

  /**
   * Runs `work` with the synchronous calls (getSync, stateSync, commitSync) answered by `scope`:
   * an inline append's, which loaded what its functions read inside its transaction. Outside of
   * it they throw ANNALS_NOT_SUPPORTED: PostgreSQL answers only asynchronously.
   */
  inScope<T>(scope: SyncReadModels, work: () => T): T {
    const outer = this.scope;
    this.scope = scope;
    try {
      return work();
    } finally {
      this.scope = outer;
    }
  }

  getSync(collection: CollectionSpec, ids: readonly string[]): (string | undefined)[] {
    return this.syncScope('getSync').getSync(collection, ids);
  }

  stateSync(key: ProjectionKey): ProjectionState | undefined {
    return this.syncScope('stateSync').stateSync(key);
  }

  commitSync(commit: ProjectionCommit): void {
    this.syncScope('commitSync').commitSync(commit);
  }

  private syncScope(call: string): SyncReadModels {
    if (this.scope === undefined) throw new NotSupportedError(`${call} outside an inline function`, this.name);
    return this.scope;
  }

  heartbeat(group: GroupKey, member: string, ttlMs: number): Promise<GroupMembers> {
    return this.guard('heartbeat', () => this.members.heartbeat(group, member, ttlMs), true);
  }

  leaveGroup(group: GroupKey, member: string): Promise<void> {
    return this.guard('leaveGroup', () => this.members.leave(group, member), true);
  }

  groupMembers(group: GroupKey): Promise<GroupMembers> {
    return this.guard('groupMembers', () => this.members.members(group));
  }

  liveVersion(projection: string): Promise<number | undefined> {
    return this.guard('liveVersion', () => this.live.get(projection));
  }

  promote(projection: string, version: number, expected: number | undefined): Promise<boolean> {
    return this.guard('promote', () => this.live.promote(projection, version, expected), true);
  }

  watch(listener: () => void): () => void {
    return this.notifier.watch(listener);
  }

  /** Refuses every write on a standby, with ANNALS_STANDBY. */
  assertPrimary(operation: string): void {
    if (this.standbyAt !== undefined) throw new StandbyError(operation, this.standbyAt, 'write');
  }

  /**
   * Runs `work` with its errors typed; on a closed store (or backend), ANNALS_STORE_CLOSED; for
   * a write (`writes`) on a standby, ANNALS_STANDBY, before anything reaches the database.
   */
  private async guard<T>(operation: string, work: () => Promise<T>, writes = false): Promise<T> {
    if (this.pool.ended) throw new StoreClosedError(operation);
    if (writes) this.assertPrimary(operation);
    try {
      return await work();
    } catch (error) {
      throw this.pool.ended ? new StoreClosedError(operation) : readModelError(error);
    }
  }

  async close(): Promise<void> {
    await this.announcer.settle();
    await this.notifier.close();
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }
}
