import { NotSupportedError } from '../core/errors.js';
import type { PreparedEvent } from '../core/validate.js';
import type { AppendResult, DeletedState, Direction, ExpectedRevision, ReplicaLag, StreamInfo } from '../core/types.js';
import type { StoredSnapshot } from '../core/snapshot.js';
import type { SchemaState } from './migrations.js';
import type { LogPartition } from '../core/partition.js';
import type { ReadModelStore, SyncReadModels } from '../readmodel/read-model-store.js';
import type { CollectionSpec, ProjectionKey } from '../readmodel/types.js';

/**
 * A backend is a set of small parts, each built by the backend's async `open…()` function and
 * handed to the core (the EventStore) together. The core validates input, makes ids, pages reads,
 * runs subscriptions and builds errors; a part only talks to its database.
 *
 * A feature that needs the database adds a part here, in its own interface: a backend that
 * lacks it leaves it out, and a caller that asks for it gets ANNALS_NOT_SUPPORTED naming the
 * backend and the part (see requirePart).
 */
export interface Backend {
  /** Short name used in messages, e.g. 'sqlite'. */
  readonly name: string;
  /** How durable acknowledged appends are, as the backend is configured. */
  readonly durability: Durability;
  /** The database schema's version, for backends that version one. */
  readonly schema?: SchemaState;
  /** The parts the backend provides: the log, and the optional ones it has. */
  readonly parts: BackendParts;
  /** Releases what the parts share (a connection, a pool, timers); every part is unusable after. */
  close(): Promise<void>;
}

/**
 * The parts a backend may provide. Only the log is required. The next ones (checkpoints,
 * leases, read models, a stream catalogue) join this interface as optional members.
 */
export interface BackendParts {
  /** The event log: appends, reads, deletes and truncation. */
  readonly log: EventLog;
  /** One snapshot per stream; without it, the store's saveSnapshot and loadSnapshot throw ANNALS_NOT_SUPPORTED. */
  readonly snapshots?: SnapshotStore;
  /** Absent where only this store's own object can write (memory): its appends wake its subscribers directly. */
  readonly commits?: CommitSignal;
  /** Read models (documents, projection checkpoints and leases) in the store's own database. */
  readonly readModels?: ReadModelStore;
  /** Inline projections: code run inside each append's transaction, writing read models in the same database. */
  readonly inline?: InlineHost;
  /** The server's place in replication, where it may be a read replica (PostgreSQL): a standby refuses writes and consumers. */
  readonly replication?: Replication;
  /** The indexes partition reads use; absent where they need none (memory, Redis): preparing them does nothing. */
  readonly partitions?: PartitionIndexes;
}

/**
 * The indexes that make reads of one partition of the log (AllPageQuery's `partition`) cost
 * what they return rather than the whole log: one per partition count.
 */
export interface PartitionIndexes {
  /**
   * Makes the index reads of `count` partitions use, unless it is there, and brings it up to the
   * head where it is kept behind the log: idempotent, and safe when several processes call it at
   * once. `count` is checked by the core (1 to MAX_PARTITIONS).
   */
  prepare(count: number): Promise<void>;
}

/**
 * For an index of partition reads kept behind the log (SQLite, PostgreSQL): how many events past
 * its end a read may find before it brings the index on by a batch, so that a partition read walks
 * about this many unindexed events at most.
 */
export const PARTITION_ENTRIES_LAG = 256;

/**
 * Whether the store's server is a standby (a read replica), and how far it lags. A standby can
 * answer reads of what it has replayed, but cannot write, and cannot vouch for the order of
 * what the primary has yet to commit: on one, the core refuses appends, deletes, truncation,
 * snapshots, inline functions and every consumer of the log by position (readAll, subscribe),
 * with ANNALS_STANDBY, before anything reaches the database.
 */
export interface Replication {
  /** True when the server was a standby when the store was opened (checked once, then). */
  readonly standby: boolean;
  /** Where the server is (`host:port`), for messages. */
  readonly location: string;
  /** How far the server lags behind its primary now (see ReplicaLag). */
  lag(): Promise<ReplicaLag>;
}

/**
 * Runs inline projections inside appends: after an append has written its events, and before it
 * commits, each attached function gets them; a throw rolls the whole append back and fails it.
 */
export interface InlineHost {
  /** The read models of the log's database, with the synchronous calls an inline function makes. */
  readonly readModels: ReadModelStore & SyncReadModels;
  /** Runs `apply` inside every later append that writes events; returns the function that detaches it. */
  attach(apply: InlineApply): () => void;
}

/**
 * What an inline host calls inside an append's transaction: the events it wrote, in position
 * order, and `headBefore`, the position from which a checkpoint covers everything before them:
 * every event committed before the append is at or below it, and no other event will ever
 * commit below the append's first one. A checkpoint at or past it (never past the append's first
 * event) has applied every event before the append; one below it has not, or cannot be known to
 * have. Memory and SQLite pass the last position assigned before the append; PostgreSQL passes
 * the last committed position below the append, or Infinity when it cannot vouch for the
 * positions below (an appender without inline functions still in flight): see
 * src/adapters/postgres/inline-gate.ts.
 *
 * `reads`, when present, names what the function will read through the synchronous calls, so
 * that a host whose database answers asynchronously (PostgreSQL) loads it first, inside the
 * transaction, and answers the calls from it; memory and SQLite never call it.
 */
export interface InlineApply {
  (events: readonly StoredEvent[], headBefore: number): void;
  /** The state rows and documents the function reads for these events (a superset is fine). */
  readonly reads?: (events: readonly StoredEvent[]) => readonly InlineReads[];
}

/** What an inline function reads for one projection key: its state row, and documents it needs if that row is caught up. */
export interface InlineReads {
  /** The state row read with `stateSync`. */
  readonly key: ProjectionKey;
  /** The documents read with `getSync`, by collection; needed only when the row's checkpoint is at or past `headBefore`. */
  readonly documents: readonly DocumentsRead[];
}

/** Documents of one collection that an inline function reads. */
export interface DocumentsRead {
  /** The collection. */
  readonly collection: CollectionSpec;
  /** The documents' ids. */
  readonly ids: readonly string[];
}

/** The name of a part, as `EventStore.provides` and `requirePart` take it. */
export type PartName = keyof BackendParts;

/** The append, delete and truncate variants a log supports; the core refuses the others with ANNALS_NOT_SUPPORTED. */
export interface Capabilities {
  /** appendMany writes several streams in one atomic call. */
  readonly multiStreamAppend: boolean;
  /** deleteStream with `mode: 'soft'`. */
  readonly softDelete: boolean;
  /** deleteStream with `mode: 'hard'`. */
  readonly hardDelete: boolean;
  /** truncateStream. */
  readonly truncate: boolean;
}

/** Every variant the contract describes. */
export const ALL_CAPABILITIES: Capabilities = { multiStreamAppend: true, softDelete: true, hardDelete: true, truncate: true };

/** Whether an acknowledged append survives a crash, as the backend is configured. */
export interface Durability {
  /** True when every acknowledged append survives a crash of the process, the server and the machine. */
  readonly safe: boolean;
  /** What can be lost, in words; absent when safe. */
  readonly risk?: string;
}

/**
 * The event log: appends, reads, the head, stream state, deletes and truncation. Every method
 * gets input the core has checked already; the stream rules (stream-rules.ts) must hold
 * atomically with the write, wherever they run.
 */
export interface EventLog {
  /** The variants of append, delete and truncate this log supports. */
  readonly capabilities: Capabilities;
  /**
   * True when the log makes the ids of events appended without one: the core then hands it
   * those events with `generated: true` and an empty `id` instead of a random UUID of its own.
   */
  readonly makesEventIds?: boolean;
  /** Checks every part (expected revision, idempotency, deletion) and writes all of them, or nothing. */
  appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]>;
  /** Up to `query.limit` events of the stream from `query.fromRevision`, in the query's direction; none for a stream without events. */
  readStreamPage(query: StreamPageQuery): Promise<StoredEvent[]>;
  /** Events after `query.after` that pass the filter, in position order, and how far they cover the log. */
  readAllPage(query: AllPageQuery): Promise<AllPage>;
  /** The event with this id (a lower-case UUID), or undefined when none is recorded. */
  getEvent(id: string): Promise<StoredEvent | undefined>;
  /**
   * A position such that every event after it is yet to be handed to readers: the last position
   * assigned (0 when none), or, where commits can land out of order, the last one that is final.
   */
  headPosition(): Promise<number>;
  /** The stream's state; a stream never written is `{ exists: false, revision: -1, deleted: false, truncatedBefore: 0 }`. */
  streamInfo(stream: string): Promise<StreamInfo>;
  /** Removes the stream's events, and its snapshot where the backend has the snapshots part, in one atomic step. */
  deleteStream(stream: string, mode: Exclude<DeletedState, false>, expectedRevision: ExpectedRevision): Promise<void>;
  /** Removes the revisions below `before`, and a snapshot of a revision below it, in one atomic step. */
  truncateStream(stream: string, before: number): Promise<void>;
}

/**
 * One snapshot per stream. `save` stores it unless the stored one has a higher revision
 * (concurrent savers never move it back); deleting the stream, or truncating it past the
 * snapshot's revision, removes it (the log's delete and truncate do that, atomically).
 */
export interface SnapshotStore {
  /** Stores the stream's snapshot, unless the stored one has a higher revision. */
  save(stream: string, snapshot: StoredSnapshot): Promise<void>;
  /** The stream's snapshot as stored, or undefined when it has none. */
  load(stream: string): Promise<StoredSnapshot | undefined>;
}

/**
 * "Events may have been committed by someone other than this store" (another connection or
 * process). A wake-up is a hint, so it may be spare but must never be missing: each subscriber
 * reads again from its own position. Implementations: polling `PRAGMA data_version` (SQLite),
 * LISTEN/NOTIFY (PostgreSQL), XREAD BLOCK (Redis); each runs only while someone watches (see
 * Watchers).
 */
export interface CommitSignal {
  /** Calls `listener` on each such commit; returns the function that stops it. */
  watch(listener: () => void): () => void;
}

/** One stream's part of an append, checked and serialised by the core. */
export interface PreparedAppend {
  /** The stream, its name checked. */
  readonly stream: string;
  /** The stream's category (categoryOf), for backends that index it. */
  readonly category: string;
  /** The events, in order: at least one. */
  readonly events: readonly PreparedEvent[];
  /** The call's expected revision (`'any'` when it gave none). */
  readonly expectedRevision: ExpectedRevision;
}

/** An event as a backend hands it back: JSON still as text, the time as epoch milliseconds. */
export interface StoredEvent {
  /** The event's UUID, in lower case. */
  readonly id: string;
  /** The event's type. */
  readonly type: string;
  /** JSON text of the data. */
  readonly data: string;
  /** JSON text of the metadata. */
  readonly metadata: string;
  /** The stream the event belongs to. */
  readonly stream: string;
  /** Its revision in the stream. */
  readonly revision: number;
  /** Its global position. */
  readonly position: number;
  /** When it was committed, in milliseconds since the epoch. */
  readonly recordedAt: number;
}

/** A page of one stream, as the core asks the log for it. */
export interface StreamPageQuery {
  /** The stream to read. */
  readonly stream: string;
  /** Inclusive; forwards reads revisions >= it, backwards reads revisions <= it. */
  readonly fromRevision: number;
  /** Rising or falling revisions. */
  readonly direction: Direction;
  /** The most events to return. */
  readonly limit: number;
}

/** A page of the whole log, as the core asks the log for it. */
export interface AllPageQuery {
  /** Exclusive: only positions greater than this. */
  readonly after: number;
  /** Only events of streams in this category. */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** Only events of streams in this partition (`partitionOf(stream, count) === index`). */
  readonly partition?: LogPartition;
  /** The most events to return. */
  readonly limit: number;
}

/** A page of the log, in position order. */
export interface AllPage {
  /** The events that pass the filter, at most `limit`, in position order. */
  readonly events: StoredEvent[];
  /**
   * How far the page covers the log: no event that passes the filter, now or ever, has a
   * position in (query.after, readThrough] unless it is in `events`. At least `query.after` and
   * the last event's position; the last event's position when the page is full (`limit` events);
   * otherwise as far as the backend can vouch for, ideally the head of the log when the read
   * began, so that a filter that matched nothing still moves a reader on.
   */
  readonly readThrough: number;
}

/** The part, or ANNALS_NOT_SUPPORTED naming the backend and the part when the backend has none. */
export function requirePart<K extends PartName>(backend: Backend, part: K): NonNullable<BackendParts[K]> {
  const found = backend.parts[part];
  if (found === undefined) throw new NotSupportedError(`the ${part} part`, backend.name);
  return found as NonNullable<BackendParts[K]>;
}
