import type { PreparedEvent } from '../core/validate.js';
import type { AppendResult, DeletedState, Direction, ExpectedRevision, StreamInfo } from '../core/types.js';
import type { StoredSnapshot } from '../core/snapshot.js';

/** What a backend can do. The core and the conformance suite read these instead of sniffing. */
export interface Capabilities {
  /** appendMany writes several streams in one atomic call. */
  readonly multiStreamAppend: boolean;
  readonly softDelete: boolean;
  readonly hardDelete: boolean;
  readonly truncate: boolean;
  /** Appends from other processes wake this store's subscriptions. */
  readonly crossProcessNotifications: boolean;
}

/** Whether an acknowledged append survives a crash, as the backend is configured. */
export interface Durability {
  /** True when every acknowledged append survives a crash of the process, the server and the machine. */
  readonly safe: boolean;
  /** What can be lost, in words; absent when safe. */
  readonly risk?: string;
}

/** Everything the contract describes, for backends that do it all. */
export const ALL_CAPABILITIES: Capabilities = {
  multiStreamAppend: true,
  softDelete: true,
  hardDelete: true,
  truncate: true,
  crossProcessNotifications: true,
};

/** One stream's part of an append, checked and serialised by the core. */
export interface PreparedAppend {
  readonly stream: string;
  readonly category: string;
  readonly events: readonly PreparedEvent[];
  readonly expectedRevision: ExpectedRevision;
}

/** An event as a backend hands it back: JSON still as text, the time as epoch milliseconds. */
export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly recordedAt: number;
}

export interface StreamPageQuery {
  readonly stream: string;
  /** Inclusive; forwards reads revisions >= it, backwards reads revisions <= it. */
  readonly fromRevision: number;
  readonly direction: Direction;
  readonly limit: number;
}

export interface AllPageQuery {
  /** Exclusive: only positions greater than this. */
  readonly after: number;
  readonly category?: string;
  readonly types?: readonly string[];
  readonly limit: number;
}

/**
 * What a backend must do, and nothing more: the core (EventStore) validates input,
 * generates ids (unless the backend makes its own), pages reads, runs subscriptions and builds errors.
 */
export interface StorageAdapter {
  /** Short name used in messages, e.g. 'sqlite'. */
  readonly name: string;
  readonly capabilities: Capabilities;
  /** How durable acknowledged appends are, as the backend is configured. */
  readonly durability: Durability;
  /** The database schema's version, for backends that migrate one. */
  readonly schema?: { readonly version: number; readonly migratedFrom: number };
  /**
   * True when the backend makes the ids of events appended without one: the core then hands it
   * those events with `generated: true` and an empty `id` instead of a random UUID of its own.
   */
  readonly makesEventIds?: boolean;
  /** Checks every part (expected revision, idempotency, deletion) and writes all of them, or nothing. */
  appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]>;
  readStreamPage(query: StreamPageQuery): Promise<StoredEvent[]>;
  readAllPage(query: AllPageQuery): Promise<StoredEvent[]>;
  getEvent(id: string): Promise<StoredEvent | undefined>;
  /**
   * A position such that every event after it is yet to be handed to readers: the last position
   * assigned (0 when none), or, where commits can land out of order, the last one that is final.
   */
  headPosition(): Promise<number>;
  streamInfo(stream: string): Promise<StreamInfo>;
  deleteStream(stream: string, mode: Exclude<DeletedState, false>, expectedRevision: ExpectedRevision): Promise<void>;
  truncateStream(stream: string, before: number): Promise<void>;
  /**
   * Stores the stream's one snapshot, checked by the core, unless the stored one has a higher
   * revision (concurrent savers never move it back). Deleting the stream, or truncating it past
   * the snapshot's revision, removes it.
   */
  saveSnapshot(stream: string, snapshot: StoredSnapshot): Promise<void>;
  loadSnapshot(stream: string): Promise<StoredSnapshot | undefined>;
  /**
   * Calls `listener` when events may have been committed by someone other than this store
   * (another connection or process). Returns a function that stops it. Optional: a backend
   * that only this store can write (memory) does not need it.
   */
  watchExternalCommits?(listener: () => void): () => void;
  close(): Promise<void>;
}
