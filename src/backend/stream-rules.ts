import {
  DuplicateEventIdError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../core/errors.js';
import { truncateBeyondEnd } from './refusals.js';
import type { AppendResult, DeletedState, ExpectedRevision } from '../core/types.js';
import type { PreparedAppend } from './parts.js';

/** A stream's state as a backend reads it inside its write transaction. */
export interface StreamState {
  /** Revision of the last event ever written, -1 when none. */
  readonly revision: number;
  /** False once soft-deleted, until the next append. */
  readonly exists: boolean;
  /** Whether the stream is soft- or hard-deleted. */
  readonly deleted: DeletedState;
  /** Revisions below this were removed by a truncate or a soft delete. */
  readonly truncatedBefore: number;
}

/** The state of a stream never written. */
export const NO_STREAM: StreamState = { revision: -1, exists: false, deleted: false, truncatedBefore: 0 };

/** Where an event id is already recorded. */
export interface RecordedId {
  /** The event id. */
  readonly id: string;
  /** The stream that holds it. */
  readonly stream: string;
  /** Its revision there. */
  readonly revision: number;
  /** Its global position. */
  readonly position: number;
}

/** What an append does: return the result recorded by the call it retries, or write from `firstRevision`. */
export type AppendPlan =
  | {
      /** An exact retry: write nothing. */
      readonly kind: 'idempotent';
      /** The result of the append it retries. */
      readonly result: AppendResult;
    }
  | {
      /** Write the events. */
      readonly kind: 'write';
      /** The revision of the first event to write. */
      readonly firstRevision: number;
    };

// The rules of appends, deletes and truncates, shared by the backends that decide in
// TypeScript inside a transaction (memory, SQLite). Backends that decide inside the
// database (a SQL function, a Lua script) implement the same rules there, and the
// conformance suite holds all of them to it.

/**
 * The rules of one stream's append, shared by the backends that decide in TypeScript
 * inside a transaction (memory, SQLite). `recorded` holds the append's ids that the
 * backend found already recorded, in any order.
 */
export function planAppend(append: PreparedAppend, state: StreamState, recorded: readonly RecordedId[]): AppendPlan {
  const { stream, expectedRevision } = append;
  if (state.deleted === 'hard') throw new StreamDeletedError(stream);
  if (recorded.length > 0) return { kind: 'idempotent', result: idempotentResult(append, recorded) };
  checkExpectedRevision(stream, expectedRevision, state);
  return { kind: 'write', firstRevision: state.revision + 1 };
}

/** Refuses the expected revision if the stream's state does not match it (WrongExpectedRevisionError). */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, state: StreamState): void {
  const actual = actualRevision(state);
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && !state.exists) ||
    (expected === 'stream_exists' && state.exists) ||
    (typeof expected === 'number' && state.exists && state.revision === expected);
  if (!ok) throw new WrongExpectedRevisionError(stream, expected, actual);
}

/** The revision an expected-revision check compares with: -1 for a stream without events. */
export function actualRevision(state: StreamState): number {
  return state.exists ? state.revision : -1;
}

/**
 * A retry is idempotent when every id of the call is recorded in this stream, consecutively,
 * in the call's order, and (for an exact expected revision) right after that revision.
 * Anything else that reuses a recorded id is a duplicate.
 */
function idempotentResult(append: PreparedAppend, recorded: readonly RecordedId[]): AppendResult {
  const { stream, events, expectedRevision } = append;
  const byId = new Map(recorded.map((r) => [r.id, r]));
  const first = byId.get(events[0]!.id);
  for (let i = 0; i < events.length; i++) {
    const id = events[i]!.id;
    const found = byId.get(id);
    const inPlace =
      found !== undefined &&
      first !== undefined &&
      found.stream === stream &&
      found.revision === first.revision + i &&
      (typeof expectedRevision !== 'number' || first.revision === expectedRevision + 1);
    if (!inPlace) {
      const culprit = found ?? recorded[0]!;
      throw new DuplicateEventIdError(culprit.id, stream, {
        stream: culprit.stream,
        revision: culprit.revision,
        position: culprit.position,
      });
    }
  }
  const last = byId.get(events[events.length - 1]!.id)!;
  return { stream, streamRevision: last.revision, position: last.position };
}

/** What a delete does: nothing (a soft delete of a stream without events), a soft delete, or a hard delete. */
export type DeletePlan = 'nothing' | 'soft' | 'hard';

/**
 * Deleting a hard-deleted stream fails; soft-deleting a stream without events does nothing;
 * a soft delete of a live stream hides its events and lets it be recreated (revisions continue);
 * a hard delete tombstones the stream for good, whatever it held.
 */
export function planDelete(stream: string, state: StreamState, mode: 'soft' | 'hard', expected: ExpectedRevision): DeletePlan {
  if (state.deleted === 'hard') throw new StreamDeletedError(stream);
  checkExpectedRevision(stream, expected, state);
  if (mode === 'hard') return 'hard';
  return state.exists ? 'soft' : 'nothing';
}

/** The stream's new truncation point: revisions below it are removed. It never moves back. */
export function planTruncate(stream: string, state: StreamState, before: number): number {
  if (state.deleted === 'hard') throw new StreamDeletedError(stream);
  if (!state.exists) throw new StreamNotFoundError(stream, 'truncate');
  if (before > state.revision + 1) {
    throw truncateBeyondEnd(stream, before, state.revision);
  }
  return Math.max(state.truncatedBefore, before);
}

/** The state a stream is left in by a soft delete: no events, revisions continue after it. */
export function softDeleted(state: StreamState): StreamState {
  return { revision: state.revision, exists: false, deleted: 'soft', truncatedBefore: state.revision + 1 };
}

/** The state a stream is left in by a hard delete. */
export function hardDeleted(state: StreamState): StreamState {
  return { revision: state.revision, exists: false, deleted: 'hard', truncatedBefore: state.revision + 1 };
}
