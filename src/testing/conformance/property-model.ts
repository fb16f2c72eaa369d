import type { AppendResult, DeletedState, ExpectedRevision, JsonValue, StreamInfo } from '../../core/types.js';

/** An event as the model keeps it: what a read must return, recordedAt aside. */
export interface ModelEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
}

interface ModelStream {
  revision: number;
  exists: boolean;
  deleted: DeletedState;
  truncatedBefore: number;
  events: ModelEvent[];
}

/** The error the model predicts: its code, and the facts every backend must agree on. */
export class Predicted {
  constructor(
    readonly code: string,
    readonly facts: Record<string, unknown> = {},
  ) {}
}

export type PartPlan = { readonly kind: 'idempotent'; readonly result: AppendResult } | { readonly kind: 'write'; readonly firstRevision: number };

/**
 * The event store's rules written out plainly, over a few arrays: the property test runs
 * the same operations here and on the store, and the two must agree. Deleted and truncated
 * events are gone, ids included.
 */
export class Model {
  private readonly streams = new Map<string, ModelStream>();
  /** Readable events by id. */
  private readonly byId = new Map<string, ModelEvent>();

  info(stream: string): StreamInfo {
    const { revision, exists, deleted, truncatedBefore } = this.stream(stream);
    return { stream, revision, exists, deleted, truncatedBefore };
  }

  events(stream: string): ModelEvent[] {
    return [...this.stream(stream).events];
  }

  log(): ModelEvent[] {
    return [...this.byId.values()].sort((a, b) => a.position - b.position);
  }

  /** What one stream's part of an append will do, or the error it fails with. */
  planAppend(stream: string, ids: readonly string[], expected: ExpectedRevision): PartPlan | Predicted {
    const state = this.stream(stream);
    if (state.deleted === 'hard') return new Predicted('ANNALS_STREAM_DELETED', { stream });
    const found = ids.map((id) => this.byId.get(id));
    if (found.some((event) => event !== undefined)) {
      const first = found[0];
      const inPlace =
        first !== undefined &&
        found.every((event, i) => event !== undefined && event.stream === stream && event.revision === first.revision + i) &&
        (typeof expected !== 'number' || first.revision === expected + 1);
      if (!inPlace) return new Predicted('ANNALS_DUPLICATE_EVENT_ID', { stream });
      const last = found[found.length - 1]!;
      return { kind: 'idempotent', result: { stream, streamRevision: last.revision, position: last.position } };
    }
    const conflict = this.conflict(stream, expected);
    return conflict ?? { kind: 'write', firstRevision: state.revision + 1 };
  }

  /** Records events the store wrote (with the positions it gave them). */
  commit(events: readonly ModelEvent[]): void {
    for (const event of events) {
      const state = this.stream(event.stream);
      state.events.push(event);
      state.revision = event.revision;
      state.exists = true;
      state.deleted = false;
      this.byId.set(event.id, event);
    }
  }

  delete(stream: string, mode: 'soft' | 'hard', expected: ExpectedRevision): Predicted | undefined {
    const state = this.stream(stream);
    if (state.deleted === 'hard') return new Predicted('ANNALS_STREAM_DELETED', { stream });
    const conflict = this.conflict(stream, expected);
    if (conflict) return conflict;
    if (mode === 'soft' && !state.exists) return undefined;
    this.removeBefore(state, Infinity);
    state.exists = false;
    state.deleted = mode;
    state.truncatedBefore = state.revision + 1;
    return undefined;
  }

  truncate(stream: string, before: number): Predicted | undefined {
    const state = this.stream(stream);
    if (state.deleted === 'hard') return new Predicted('ANNALS_STREAM_DELETED', { stream });
    if (!state.exists) return new Predicted('ANNALS_STREAM_NOT_FOUND', { stream });
    if (before > state.revision + 1) return new Predicted('ANNALS_INVALID_ARGUMENT', { argument: 'before' });
    state.truncatedBefore = Math.max(state.truncatedBefore, before);
    this.removeBefore(state, state.truncatedBefore);
    return undefined;
  }

  private conflict(stream: string, expected: ExpectedRevision): Predicted | undefined {
    const { exists, revision } = this.stream(stream);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && !exists) ||
      (expected === 'stream_exists' && exists) ||
      (typeof expected === 'number' && exists && revision === expected);
    return ok ? undefined : new Predicted('ANNALS_WRONG_EXPECTED_REVISION', { stream, expected, actual: exists ? revision : -1 });
  }

  private removeBefore(state: ModelStream, revision: number): void {
    for (const event of state.events) if (event.revision < revision) this.byId.delete(event.id);
    state.events = state.events.filter((event) => event.revision >= revision);
  }

  private stream(name: string): ModelStream {
    let state = this.streams.get(name);
    if (!state) this.streams.set(name, (state = { revision: -1, exists: false, deleted: false, truncatedBefore: 0, events: [] }));
    return state;
  }
}
