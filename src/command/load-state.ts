import type { ExpectedRevision, RecordedEvent } from '../core/types.js';
import type { EventStore } from '../core/event-store.js';
import type { DecidedEvent, Decider } from './decider.js';

/**
 * What the command side needs of a store (an EventStore has all of it; a test or a proxy may wrap
 * one). Without the snapshot methods, or on a backend without the snapshots part, deciders with
 * a snapshot policy fold their whole stream.
 */
export type CommandStore = Pick<EventStore, 'readStream' | 'append' | 'getEvent' | 'streamInfo'> &
  Partial<Pick<EventStore, 'saveSnapshot' | 'loadSnapshot' | 'provides'>>;

/** Whether snapshots can be used on this store: it has the methods, and its backend the part. */
export function keepsSnapshots(store: CommandStore): boolean {
  return store.loadSnapshot !== undefined && store.saveSnapshot !== undefined && store.provides?.('snapshots') !== false;
}

/** A stream's state as `loadState` folded it, and the expected revision to append with. */
export interface LoadedState<State> {
  /** The state folded from the stream's events (from its snapshot, when one was used). */
  readonly state: State;
  /** The revision of the stream's last event, -1 when it has none. */
  readonly revision: number;
  /** What the next append must find: `revision`, or 'no_stream' when the stream has no events. */
  readonly expectedRevision: ExpectedRevision;
  /** The revision of the snapshot the state started from, -1 when it started from the initial state. */
  readonly snapshotRevision: number;
}

/**
 * Folds a stream's events into the decider's state, one page at a time (memory holds a page,
 * never the stream). `maxCount` stops after that many events (to rebuild the state as it was);
 * with `snapshotVersion`, it starts from the stream's snapshot of that version, when there is one.
 * The result's `expectedRevision` is what an append of the decided events must give: a stream
 * written meanwhile then fails with WrongExpectedRevisionError, and the caller loads again
 * (`handleCommand` does all of this, with retries).
 */
export async function loadState<State, Event extends DecidedEvent>(
  store: CommandStore,
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  stream: string,
  options: {
    /** Fold at most this many events, from the start of the stream (no snapshot is used). */
    readonly maxCount?: number;
    /** Start from the stream's snapshot when it has this version (SnapshotPolicy.version). */
    readonly snapshotVersion?: string | number;
  } = {},
): Promise<LoadedState<State>> {
  for (;;) {
    let state = decider.initialState();
    let revision = -1;
    let snapshotRevision = -1;
    // A snapshot of another version describes another shape of the state: ignored, not migrated.
    const snapshot = options.snapshotVersion === undefined || options.maxCount !== undefined || !keepsSnapshots(store) ? undefined : await store.loadSnapshot?.(stream);
    if (snapshot !== undefined && snapshot.version === options.snapshotVersion) {
      state = snapshot.state as State;
      revision = snapshotRevision = snapshot.revision;
    }
    const read =
      options.maxCount !== undefined ? store.readStream(stream, { maxCount: options.maxCount })
      : revision >= 0 ? store.readStream(stream, { fromRevision: revision + 1 })
      : store.readStream(stream);
    for await (const recorded of read) {
      state = decider.evolve(state, toDecidedEvent<Event>(recorded));
      revision = recorded.revision;
    }
    if (revision >= 0) return { state, revision, expectedRevision: revision, snapshotRevision };
    // No events: never written or soft-deleted ('no_stream' passes), or truncated to nothing
    // (still live at its revision, which 'no_stream' would never match).
    const info = await store.streamInfo(stream);
    if (!info.exists || info.revision < 0) return { state, revision: -1, expectedRevision: 'no_stream', snapshotRevision };
    if (info.truncatedBefore > info.revision) return { state, revision: info.revision, expectedRevision: info.revision, snapshotRevision };
    // Events were appended between the read and the look at the stream: this state is not at
    // that revision (deciding on it would lose an update). Read again.
  }
}

/**
 * The decider's view of a recorded event: its type, data and metadata. Events of the stream are
 * taken to be the decider's; a store opened with `schemas` checks their data.
 */
export function toDecidedEvent<Event extends DecidedEvent>(recorded: RecordedEvent): Event {
  return { type: recorded.type, data: recorded.data, metadata: recorded.metadata } as unknown as Event;
}
