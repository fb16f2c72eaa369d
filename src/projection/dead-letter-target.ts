import type { EventStore } from '../core/event-store.js';
import { LeaseLostError, NotSupportedError, ProjectionBusyError } from '../core/errors.js';
import type { ReadModelStore, SyncReadModels } from '../readmodel/read-model-store.js';
import type { CollectionSpec, DeadLetter, LeaseToken, ProjectionCommit, ProjectionKey } from '../readmodel/types.js';
import type { Projection } from './define-projection.js';
import type { ProjectionRunner } from './runner.js';

/** What a dead-letter operation works on: the projection's state row and collections, and this process's runner of it, if any. */
export interface DeadLetterTarget {
  readonly events: EventStore;
  readonly store: ReadModelStore;
  readonly projection: Projection<any>;
  readonly key: ProjectionKey;
  readonly specs: ReadonlyMap<string, CollectionSpec>;
  /** This process's runner of the projection: the operation runs between its batches, under its lease when it holds it. */
  readonly runner?: ProjectionRunner;
}

/** The lease an operation writes under, and how long its commits renew it for (undefined: the runner renews its own). */
export interface HeldLease {
  readonly token: LeaseToken;
  readonly ttlMs: number | undefined;
  /** Renews a lease the operation took itself (a runner's renews itself); throws LeaseLostError when it is gone. */
  renew(): Promise<void>;
}

/**
 * Runs `body` while no runner can apply or park the projection's events: with this process's
 * runner's lease, between two of its batches, when it holds it; otherwise with the lease taken
 * for the operation (and given up after it), or not at all when another holds it.
 * @throws ProjectionBusyError when another process (or operation) holds the lease.
 */
export async function underLease<T>(target: DeadLetterTarget, operation: string, owner: string, ttlMs: number, body: (lease: HeldLease) => Promise<T>): Promise<T> {
  const { runner } = target;
  if (runner === undefined) return withOwnLease(target, operation, owner, ttlMs, body);
  return runner.betweenBatches(() => {
    const token = runner.lease;
    return token === undefined ? withOwnLease(target, operation, owner, ttlMs, body) : body({ token, ttlMs: undefined, renew: async () => undefined });
  });
}

async function withOwnLease<T>(target: DeadLetterTarget, operation: string, owner: string, ttlMs: number, body: (lease: HeldLease) => Promise<T>): Promise<T> {
  const { store, key } = target;
  const answer = await store.lease(key, owner, ttlMs);
  if (!answer.held) throw new ProjectionBusyError(key, operation, answer.state.owner ?? '(unknown)', new Date(answer.state.leaseExpiresAt));
  const token = { owner, epoch: answer.state.epoch };
  const renew = async () => {
    const renewed = await store.lease(key, owner, ttlMs, token.epoch);
    if (!renewed.held) throw new LeaseLostError(key, token, renewed.state.checkpoint, renewed.state);
  };
  try {
    return await body({ token, ttlMs, renew });
  } finally {
    await store.release(key, owner, token.epoch).catch(() => undefined);
  }
}

/**
 * Commits a batch that un-parks dead letters, then stops treating `flowing` as parked in this
 * process's runner. On a store with synchronous commits (memory, SQLite) both happen in one
 * synchronous step, so that no inline append comes between and parks a later event of a stream
 * whose parked events were just applied. PostgreSQL answers only asynchronously: there an
 * inline append of this process that commits in the moment between the two can still park one
 * event behind (see docs/cli.md, dead letters).
 */
export async function commitUnparking(target: DeadLetterTarget, commit: ProjectionCommit, flowing: Iterable<string>): Promise<void> {
  const parked = target.runner?.parkedStreams;
  if (parked === undefined || !commitSync(target.store, commit)) await target.store.commit(commit);
  if (parked !== undefined) for (const stream of flowing) parked.delete(stream);
}

/** Commits synchronously where the store can (memory, SQLite); false where it cannot (PostgreSQL outside an inline append). */
function commitSync(store: ReadModelStore, commit: ProjectionCommit): boolean {
  const sync = store as Partial<SyncReadModels>;
  if (typeof sync.commitSync !== 'function') return false;
  try {
    sync.commitSync(commit);
    return true;
  } catch (error) {
    if (error instanceof NotSupportedError) return false;
    throw error;
  }
}

/** Whether a refused commit was refused only because the checkpoint moved (an inline append): the lease is still the operation's. */
export function checkpointMoved(error: unknown, lease: LeaseToken): boolean {
  return error instanceof LeaseLostError && error.found !== undefined && error.found.owner === lease.owner && error.found.epoch === lease.epoch;
}

/** Every dead letter of the key that `select` keeps, in position order, read a page at a time. */
export async function readDeadLetters(store: ReadModelStore, key: ProjectionKey, select: (letter: DeadLetter) => boolean): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  for (let after = 0; ; ) {
    const page = await store.deadLetters(key, after, 1000);
    for (const letter of page) if (select(letter)) found.push(letter);
    if (page.length < 1000) return found;
    after = page[page.length - 1]!.position;
  }
}
