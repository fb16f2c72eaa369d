import type Database from 'better-sqlite3';
import { LeaseLostError } from '../../core/errors.js';
import type { DeadLetter, LeaseAnswer, ProjectionCommit, ProjectionKey, ProjectionState } from '../../readmodel/types.js';

/** SQLite's clock in ms since the epoch: every process on the host reads the same one (leases, group members). */
export const NOW = `CAST(round(unixepoch('subsec') * 1000) AS INTEGER)`;
const KEY = `projection = ? AND version = ? AND partition = ?`;
const STATE_COLUMNS = `checkpoint, owner, epoch, lease_expires_at AS leaseExpiresAt, updated_at AS updatedAt`;

interface StateRow {
  checkpoint: number;
  owner: string | null;
  epoch: number;
  leaseExpiresAt: number;
  updatedAt: number;
}

/** A dead letter as its row holds it: `owner` NULL when the commit that parked it had no lease. */
type LetterRow = Omit<DeadLetter, 'owner'> & { owner: string | null };

type KeyParams = [string, number, number];

/**
 * Projection state rows (annals_projections), dead letters and live versions. Every method is
 * synchronous and opens no transaction of its own: the read-model store runs the ones that read
 * then write (`checkForCommit` with the commit's writes, `lease`) inside an IMMEDIATE
 * transaction, or inside the caller's, so no other connection can come between the read and the
 * write. Times come from SQLite's clock (NOW), never the process's.
 */
export class SqliteProjectionStates {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      now: db.prepare(`SELECT ${NOW}`).pluck(),
      state: db.prepare<KeyParams, StateRow>(`SELECT ${STATE_COLUMNS} FROM annals_projections WHERE ${KEY}`),
      ensure: db.prepare<KeyParams>(`INSERT INTO annals_projections (projection, version, partition) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
      setLease: db.prepare<[string, number, number, ...KeyParams]>(`UPDATE annals_projections SET owner = ?, epoch = ?, lease_expires_at = ? WHERE ${KEY}`),
      checkpoint: db.prepare<[...KeyParams, number, number | null]>(
        `INSERT INTO annals_projections (projection, version, partition, checkpoint, updated_at) VALUES (?, ?, ?, ?, ${NOW})
         ON CONFLICT DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at,
           lease_expires_at = coalesce(excluded.updated_at + ?, lease_expires_at)`,
      ),
      release: db.prepare<[...KeyParams, string, number]>(`UPDATE annals_projections SET owner = NULL, lease_expires_at = 0 WHERE ${KEY} AND owner = ? AND epoch = ?`),
      states: db.prepare<[string], StateRow & { version: number; partition: number }>(
        `SELECT version, partition, ${STATE_COLUMNS} FROM annals_projections WHERE projection = ? ORDER BY version, partition`,
      ),
      park: db.prepare<[...KeyParams, number, string, string, string, string, number, string | null]>(
        `INSERT INTO annals_dead_letters (projection, version, partition, position, event_id, stream, type, error, parked_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET event_id = excluded.event_id, stream = excluded.stream, type = excluded.type, error = excluded.error, parked_at = excluded.parked_at,
           owner = excluded.owner`,
      ),
      deadLetters: db.prepare<[...KeyParams, number, number], LetterRow>(
        `SELECT position, event_id AS eventId, stream, type, error, parked_at AS parkedAt, owner FROM annals_dead_letters WHERE ${KEY} AND position > ? ORDER BY position LIMIT ?`,
      ),
      removeDeadLetters: db.prepare<[...KeyParams, string]>(`DELETE FROM annals_dead_letters WHERE ${KEY} AND position IN (SELECT value FROM json_each(?))`),
      liveVersion: db.prepare<[string]>(`SELECT version FROM annals_live_versions WHERE projection = ?`).pluck(),
      promoteFirst: db.prepare<[string, number]>(`INSERT INTO annals_live_versions (projection, version) VALUES (?, ?) ON CONFLICT DO NOTHING`),
      promote: db.prepare<[number, string, number]>(`UPDATE annals_live_versions SET version = ? WHERE projection = ? AND version = ?`),
    };
  }

  state(key: ProjectionKey): ProjectionState | undefined {
    const row = this.s.state.get(...params(key));
    return row && toState(row);
  }

  /**
   * The compare-and-set of a commit: throws LeaseLostError, having written nothing, unless the
   * stored checkpoint is `from` and, with a lease, the stored owner and epoch are the lease's.
   */
  checkForCommit(commit: ProjectionCommit): void {
    const found = this.state(commit.key);
    const { lease } = commit;
    const checkpoint = found?.checkpoint ?? 0;
    if (checkpoint !== commit.from || (lease !== undefined && (found?.owner !== lease.owner || found.epoch !== lease.epoch))) {
      throw new LeaseLostError(commit.key, lease, commit.from, found && { checkpoint: found.checkpoint, owner: found.owner, epoch: found.epoch });
    }
  }

  /** After checkForCommit, in the same transaction: un-parks and parks dead letters (owned by the lease's holder, if any) and moves the checkpoint (renewing the lease). */
  finishCommit(commit: ProjectionCommit): void {
    const key = params(commit.key);
    if (commit.unpark !== undefined && commit.unpark.length > 0) this.removeDeadLetters(commit.key, commit.unpark);
    for (const letter of commit.park ?? []) {
      this.s.park.run(...key, letter.position, letter.eventId, letter.stream, letter.type, letter.error, letter.parkedAt, commit.lease?.owner ?? null);
    }
    const renewFor = commit.lease !== undefined && commit.ttlMs !== undefined ? commit.ttlMs : null;
    this.s.checkpoint.run(...key, commit.checkpoint, renewFor);
  }

  /** The lease decision (see ReadModelStore.lease). Call inside an IMMEDIATE transaction. */
  lease(key: ProjectionKey, owner: string, ttlMs: number, epoch: number | undefined): LeaseAnswer {
    const now = this.s.now.get() as number;
    this.s.ensure.run(...params(key));
    const state = this.state(key)!;
    const renewing = epoch !== undefined && state.owner === owner && state.epoch === epoch;
    const free = state.owner === undefined || state.leaseExpiresAt <= now;
    if (!renewing && !free) return { held: false, state, now };
    const next = { ...state, owner, epoch: renewing ? state.epoch : state.epoch + 1, leaseExpiresAt: now + ttlMs };
    this.s.setLease.run(owner, next.epoch, next.leaseExpiresAt, ...params(key));
    return { held: true, state: next, now };
  }

  release(key: ProjectionKey, owner: string, epoch: number): void {
    this.s.release.run(...params(key), owner, epoch);
  }

  states(projection: string): { key: ProjectionKey; state: ProjectionState }[] {
    return this.s.states.all(projection).map((row) => ({ key: { projection, version: row.version, partition: row.partition }, state: toState(row) }));
  }

  deadLetters(key: ProjectionKey, after: number, limit: number): DeadLetter[] {
    return this.s.deadLetters.all(...params(key), after, limit).map(({ owner, ...letter }) => (owner === null ? letter : { ...letter, owner }));
  }

  removeDeadLetters(key: ProjectionKey, positions: readonly number[]): number {
    return this.s.removeDeadLetters.run(...params(key), JSON.stringify(positions)).changes;
  }

  liveVersion(projection: string): number | undefined {
    return this.s.liveVersion.get(projection) as number | undefined;
  }

  /** One statement, so atomic: an insert when there is no live version yet, otherwise a conditional update. */
  promote(projection: string, version: number, expected: number | undefined): boolean {
    const result = expected === undefined ? this.s.promoteFirst.run(projection, version) : this.s.promote.run(version, projection, expected);
    return result.changes === 1;
  }
}

function params(key: ProjectionKey): KeyParams {
  return [key.projection, key.version, key.partition];
}

function toState(row: StateRow): ProjectionState {
  return { checkpoint: row.checkpoint, owner: row.owner ?? undefined, epoch: row.epoch, leaseExpiresAt: row.leaseExpiresAt, updatedAt: row.updatedAt };
}
