import pg from 'pg';
import { StoreClosedError } from '../../core/errors.js';
import type { ReadModelStore } from '../../readmodel/read-model-store.js';
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
import { Notifier } from './commit-signal.js';
import type { PostgresPool } from './connection.js';
import { DeadLetters } from './dead-letters.js';
import { LiveVersions } from './live-versions.js';
import { ProjectionStates } from './projection-states.js';
import { applyChanges, collapseWrites, compareAndSetState } from './read-model-commit.js';
import { readModelError } from './read-model-errors.js';
import { CollectionQueries } from './read-model-queries.js';
import { CollectionTables } from './read-model-tables.js';
import { inTransaction } from './transaction.js';

/**
 * Read models in a PostgreSQL schema (migration 4 and a table per collection): the backend's
 * `readModels` part on the store's pool, or a store of its own from openPostgresReadModels.
 * A commit is one transaction: the state row's compare-and-set first (it keeps the row locked),
 * then the documents, the dead letters (un-parked, then parked) and a NOTIFY that PostgreSQL
 * sends at COMMIT.
 */
export class PostgresReadModels implements ReadModelStore {
  readonly name = 'postgres';
  private readonly tables: CollectionTables;
  private readonly queries: CollectionQueries;
  private readonly rows: ProjectionStates;
  private readonly letters: DeadLetters;
  private readonly live: LiveVersions;
  private readonly notifier: Notifier;
  private readonly notify: string;
  private readonly quotedSchema: string;

  constructor(
    private readonly pool: PostgresPool,
    schemaName: string,
    pollIntervalMs: number,
    /** True when this object owns the pool (openPostgresReadModels) and ends it on close. */
    private readonly ownsPool = false,
  ) {
    const s = (this.quotedSchema = pg.escapeIdentifier(schemaName));
    this.tables = new CollectionTables(pool, s, schemaName);
    this.queries = new CollectionQueries(pool, s);
    this.rows = new ProjectionStates(pool, s);
    this.letters = new DeadLetters(pool, s);
    this.live = new LiveVersions(pool, s);
    // A channel of their own: projection commits do not wake the log's subscribers, nor appends the projections.
    // (Cut to the 63 bytes PostgreSQL keeps, as LISTEN and NOTIFY would: a shared prefix only means spare wake-ups.)
    const channel = `annals:rm:${schemaName}`.slice(0, 63);
    this.notifier = new Notifier(pool.config, channel, pollIntervalMs);
    this.notify = `NOTIFY ${pg.escapeIdentifier(channel)}`;
  }

  prepare(collections: readonly CollectionSpec[]): Promise<void> {
    return this.guard('prepare', () => this.tables.prepare(collections));
  }

  drop(collections: readonly CollectionSpec[]): Promise<void> {
    return this.guard('drop', () => this.tables.drop(collections));
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

  states(projection: string): Promise<{ key: ProjectionKey; state: ProjectionState }[]> {
    return this.guard('states', () => this.rows.states(projection));
  }

  lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer> {
    return this.guard('lease', () => this.rows.lease(key, owner, ttlMs, epoch));
  }

  release(key: ProjectionKey, owner: string, epoch: number): Promise<void> {
    return this.guard('release', () => this.rows.release(key, owner, epoch));
  }

  deadLetters(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
    return this.guard('deadLetters', () => this.letters.list(key, after, limit));
  }

  removeDeadLetters(key: ProjectionKey, positions: readonly number[]): Promise<number> {
    return this.guard('removeDeadLetters', () => this.letters.remove(key, positions));
  }

  async commit(commit: ProjectionCommit): Promise<void> {
    const changes = collapseWrites(commit.writes);
    const specs = changes.map((change) => change.spec);
    const run = async () => {
      await this.tables.prepare(specs);
      await inTransaction(this.pool, async (tx) => {
        await compareAndSetState(tx, `${this.quotedSchema}.projection_states`, commit);
        for (const change of changes) await applyChanges(tx, this.quotedSchema, change);
        if (commit.unpark !== undefined) await this.letters.unpark(tx, commit.key, commit.unpark);
        if (commit.park !== undefined) await this.letters.park(tx, commit.key, commit.park);
        await tx.run(this.notify);
      });
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
    });
  }

  liveVersion(projection: string): Promise<number | undefined> {
    return this.guard('liveVersion', () => this.live.get(projection));
  }

  promote(projection: string, version: number, expected: number | undefined): Promise<boolean> {
    return this.guard('promote', () => this.live.promote(projection, version, expected));
  }

  watch(listener: () => void): () => void {
    return this.notifier.watch(listener);
  }

  /** Runs `work` with its errors typed; on a closed store (or backend), ANNALS_STORE_CLOSED. */
  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.pool.ended) throw new StoreClosedError(operation);
    try {
      return await work();
    } catch (error) {
      throw this.pool.ended ? new StoreClosedError(operation) : readModelError(error);
    }
  }

  async close(): Promise<void> {
    await this.notifier.close();
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }
}
