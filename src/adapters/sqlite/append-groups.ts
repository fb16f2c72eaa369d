import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { PreparedAppend } from '../../backend/parts.js';
import type { AppendResult } from '../../core/types.js';
import { isBusy } from './errors.js';
import type { GroupBounds } from './options.js';

/**
 * Group commit: appends requested while others wait to be written share one transaction, so
 * with `synchronous = FULL` they share one sync of the WAL, the cost that bounds a lone append.
 *
 * better-sqlite3 is synchronous: a transaction, its COMMIT and the sync inside it run without
 * the event loop turning, so no append can arrive *during* a write. Appends arrive between
 * writes: in the same turn of the event loop (concurrent callers resumed by the previous group's
 * results, several requests read from their sockets while the last commit blocked the loop), or
 * while a write waits for another connection's lock. So:
 *
 * - **Alone, at once.** With nothing queued, an append commits in the call, in a transaction of
 *   its own, exactly as without grouping: nothing waits for a group to fill.
 * - **Gathering.** Once there is a sign of concurrency, the next append is queued, and the queue
 *   is committed when the event loop next turns (setImmediate), after every caller that is ready
 *   in this turn had its say. While groups keep having company the store keeps gathering; a
 *   group of one ends it. Signs of concurrency, from the cheapest:
 *   - a group of more than one;
 *   - an append requested before the previous one's result could reach its caller (in the same
 *     run of code, before the microtask that follows the commit): it cannot come from that
 *     caller, which is still waiting;
 *   - a probe: callers resumed by separate events (requests on their sockets) each find the
 *     store idle, so now and then a lone append gathers instead, about one turn of the event
 *     loop later than it would commit, to see whether others come along. The first after
 *     PROBE_MIN lone appends; each probe that finds no company doubles the wait, up to
 *     PROBE_MAX, so that a single caller appending in a loop pays for one turn in PROBE_MAX.
 * - **Waiting for the lock** (another connection writes): the queue waits, growing, and is
 *   committed as one group when the lock is free; an append whose busyTimeoutMs passes fails
 *   with ANNALS_STORE_UNAVAILABLE.
 *
 * Each group: BEGIN IMMEDIATE, then each append in a SAVEPOINT of its own, in the order they
 * were called, then one COMMIT. An append that fails (its expected revision, a duplicate id, a
 * deleted stream) rolls back its savepoint and gets its own typed error; the others are not
 * affected, and see its absence as if it had run alone before them. A later append in the group
 * sees the earlier ones' events (idempotent retries within a group behave as in sequence). Every
 * caller gets its result only after the COMMIT, so an acknowledged append is durable, and
 * positions are in commit order (one writer; the group is one commit). A group takes at most
 * `maxAppends` appends and no further one after holding the lock for `maxMs`: the rest go first
 * in the next group, after the event loop has turned.
 *
 * A failure of the transaction as a whole writes nothing: when one append's error ended it
 * (SQLite rolled it back, e.g. a full disk), that append gets its error and the others are
 * tried again in the next group; otherwise (a failed COMMIT) every append of the group gets it.
 * Tests: test/integration/sqlite-group-commit*.test.ts.
 */
export const PROBE_MIN = 16;
export const PROBE_MAX = 256;

/** What a group transaction did with one append: its results, or the error that undid its savepoint. */
export type Outcome = { readonly results: AppendResult[] } | { readonly error: unknown };

/** Thrown by a group transaction that one append's error ended as a whole: nothing was written. */
export class GroupAborted extends Error {
  constructor(
    readonly culprit: number,
    readonly error: unknown,
  ) {
    super('the group transaction was rolled back', { cause: error });
  }
}

/** The log's two ways of writing appends: synchronous, one transaction each. */
export interface GroupWriter {
  /** One append in a transaction of its own: its results, or it throws. */
  one(batch: readonly PreparedAppend[]): AppendResult[];
  /**
   * Appends in one transaction, in order, each in a savepoint, taking no further one once
   * performance.now() has passed `until`: an outcome for each one taken. Throws, having written
   * nothing, when the transaction fails as a whole (GroupAborted when an append's error ended it).
   */
  group(batches: readonly (readonly PreparedAppend[])[], until: number): Outcome[];
  /** A driver error as callers should see it. */
  translate(error: unknown): unknown;
}

interface Member {
  readonly batch: readonly PreparedAppend[];
  /** When its wait for another connection's lock ends (performance.now()). */
  readonly deadline: number;
  readonly resolve: (results: AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

export class AppendGroups {
  private queue: Member[] = [];
  /** A drain is scheduled, committing, or waiting for the lock: new appends join the queue. */
  private draining = false;
  /** The last group had company: gather the next one too. */
  private gathering = false;
  /** A lone append committed, and its result is yet to reach its caller. */
  private delivering = false;
  private readonly delivered = () => void (this.delivering = false);
  private probeInterval = PROBE_MIN;
  private lonesBeforeProbe = PROBE_MIN;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly writer: GroupWriter,
    private readonly bounds: GroupBounds,
    private readonly busyTimeoutMs: number,
  ) {}

  append(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    if (!this.draining && !this.gathering && !this.delivering && --this.lonesBeforeProbe > 0) {
      try {
        const results = this.writer.one(batch);
        this.delivering = true;
        queueMicrotask(this.delivered); // before the caller's own continuation
        return Promise.resolve(results);
      } catch (error) {
        if (!isBusy(error)) return Promise.reject(this.writer.translate(error));
        // Another connection holds the lock: wait in the queue, where later appends join it.
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, deadline: performance.now() + this.busyTimeoutMs, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      void this.drain();
    });
  }

  /** Resolves once every append requested so far has been committed or has failed. */
  whenIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    if (!this.idle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  private async drain(): Promise<void> {
    try {
      await nextTurn(); // every append that is ready in this turn joins
      while (this.queue.length > 0) {
        if (this.commitNext() === 'locked') await sleep(1);
        else if (this.queue.length > 0) await nextTurn();
      }
    } catch (error) {
      // Not expected (commitNext settles every append it takes); no caller is left waiting.
      for (const member of this.queue.splice(0)) member.reject(error);
    } finally {
      this.draining = false;
      this.idle?.resolve();
      this.idle = undefined;
    }
  }

  /** Commits the next group and settles its appends; 'locked' when another connection holds the write lock. */
  private commitNext(): 'done' | 'locked' {
    const members = this.queue.splice(0, this.bounds.maxAppends);
    let outcomes: Outcome[];
    try {
      outcomes =
        members.length === 1 ? [{ results: this.writer.one(members[0]!.batch) }]
        : this.writer.group(members.map((m) => m.batch), performance.now() + this.bounds.maxMs);
    } catch (error) {
      return this.failed(members, error);
    }
    this.queue.unshift(...members.slice(outcomes.length)); // past the time bound: first in the next group
    this.gathering = outcomes.length > 1;
    this.probeInterval = this.gathering ? PROBE_MIN : Math.min(2 * this.probeInterval, PROBE_MAX);
    this.lonesBeforeProbe = this.probeInterval;
    outcomes.forEach((outcome, i) => {
      if ('results' in outcome) members[i]!.resolve(outcome.results);
      else members[i]!.reject(this.writer.translate(outcome.error));
    });
    return 'done';
  }

  /** The group wrote nothing: it waits for the lock, or its culprit fails and the others try again, or all fail. */
  private failed(members: Member[], error: unknown): 'done' | 'locked' {
    if (isBusy(error)) {
      const now = performance.now();
      const waiting: Member[] = [];
      for (const member of members) {
        if (member.deadline > now) waiting.push(member);
        else member.reject(this.writer.translate(error));
      }
      this.queue.unshift(...waiting);
      return 'locked';
    }
    if (error instanceof GroupAborted) {
      members[error.culprit]!.reject(this.writer.translate(error.error));
      this.queue.unshift(...members.filter((_, i) => i !== error.culprit));
      return 'done';
    }
    for (const member of members) member.reject(this.writer.translate(error));
    return 'done';
  }
}
