import type { LogPartition } from './partition.js';
/** A value that survives a JSON round trip unchanged (undefined object properties are left out). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };
/** A JSON object; properties whose value is undefined are left out, as JSON.stringify does. */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** Metadata carried with every event; `correlationId` and `causationId` are the well-known keys. */
export interface EventMetadata {
  /** The id shared by every event caused, directly or not, by one request or command. */
  readonly correlationId?: string;
  /** The id of the message (command or event) that caused this event. */
  readonly causationId?: string;
  /** The version of the data's shape, recorded for event types registered with a schema (absent: 1). */
  readonly schemaVersion?: number;
  readonly [key: string]: JsonValue | undefined;
}

/** What a caller appends. The id is generated when absent. */
export interface EventInput<Type extends string = string, Data = JsonValue> {
  /** The event's type, e.g. `'AccountOpened'`: 1 to 200 characters. */
  readonly type: Type;
  /** The event's payload, a JSON value. Default: null. */
  readonly data?: Data;
  /** Metadata stored beside the data, a JSON object. Default: `{}`. */
  readonly metadata?: EventMetadata;
  /** A UUID. Re-appending the same ids at the same place is an idempotent retry. Default: a new one. */
  readonly id?: string;
}

/** An event as the store recorded it: plain, readonly, never mutated. */
export interface RecordedEvent<Type extends string = string, Data = JsonValue> {
  /** The event's UUID, in lower case. */
  readonly id: string;
  /** The event's type. */
  readonly type: Type;
  /** The event's payload (null when it was appended without one). */
  readonly data: Data;
  /** The event's metadata (`{}` when it was appended without any). */
  readonly metadata: EventMetadata;
  /** The stream the event belongs to. */
  readonly stream: string;
  /** Position in its stream: 0, 1, 2, … with no gaps. */
  readonly revision: number;
  /** Position in the whole log: positive, strictly increasing in commit order, not necessarily contiguous. */
  readonly position: number;
  /** When the store committed it: the appending process's clock on memory and SQLite, the server's on PostgreSQL and Redis. */
  readonly recordedAt: Date;
}

/**
 * What the stream must look like for an append to go ahead:
 * - `'any'`: no check;
 * - `'no_stream'`: the stream has no events (never written, or soft-deleted);
 * - `'stream_exists'`: the stream has at least one event;
 * - a number: the revision of the stream's last event.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** Options of `EventStore.append`. */
export interface AppendOptions {
  /** What the stream must look like for the append to go ahead. Default: `'any'`. */
  readonly expectedRevision?: ExpectedRevision;
}

/** One stream's part of an `EventStore.appendMany` call. */
export interface AppendRequest {
  /** The stream to append to. */
  readonly stream: string;
  /** Its events, in order: at least one. */
  readonly events: readonly EventInput[];
  /** What the stream must look like for the call to go ahead. Default: `'any'`. */
  readonly expectedRevision?: ExpectedRevision;
}

/** Where an append left a stream: what `EventStore.append` returns, and `appendMany` per stream. */
export interface AppendResult {
  /** The stream appended to. */
  readonly stream: string;
  /** Revision of the last event written (or found, for an idempotent retry). */
  readonly streamRevision: number;
  /** Global position of the last event written (or found). */
  readonly position: number;
}

/** Which way a stream is read: by rising or by falling revision. */
export type Direction = 'forwards' | 'backwards';

/** Options of `EventStore.readStream`. */
export interface ReadStreamOptions {
  /** First revision to read (inclusive). Default: 0 forwards, the last revision backwards. */
  readonly fromRevision?: number | 'start' | 'end';
  /** By rising or falling revision. Default: `'forwards'`. */
  readonly direction?: Direction;
  /** Stop after this many events. Default: no limit. */
  readonly maxCount?: number;
  /** Events fetched from the database per page (tuning). Default: the store's page size. */
  readonly pageSize?: number;
}

/** Options of `EventStore.readAll`. */
export interface ReadAllOptions {
  /** The last position already seen (exclusive). Default: 0, the start of the log. */
  readonly after?: number;
  /** Only events of streams in this category (the text before the first `-` of the stream name). */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** Only events of streams in this partition of the log (see `partitionOf`). */
  readonly partition?: LogPartition;
  /** Stop after this many events. Default: no limit. */
  readonly maxCount?: number;
  /** Events fetched from the database per page (tuning). Default: the store's page size. */
  readonly pageSize?: number;
}

/** Options of `EventStore.subscribe` and `subscribePages`. */
export interface SubscribeOptions {
  /** The last position already seen (exclusive). Default: 0, the start of the log. */
  readonly after?: number;
  /** Only events of streams in this category (the text before the first `-` of the stream name). */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** Only events of streams in this partition of the log (see `partitionOf`): one member's share of a consumer group. */
  readonly partition?: LogPartition;
  /** Ends the subscription: the iterator returns. */
  readonly signal?: AbortSignal;
  /** Events fetched from the database per page (tuning). Default: the store's page size. */
  readonly pageSize?: number;
}

/** Whether a stream is deleted: not (`false`), soft-deleted (may be written again), or hard-deleted (a tombstone). */
export type DeletedState = false | 'soft' | 'hard';

/**
 * A stream's state, as `EventStore.streamInfo` returns it. A stream never written reads as
 * `{ exists: false, revision: -1, deleted: false, truncatedBefore: 0 }`.
 */
export interface StreamInfo {
  /** The stream asked about. */
  readonly stream: string;
  /** True while the stream has events that can be read (or has been truncated but not deleted). */
  readonly exists: boolean;
  /**
   * Revision of the last event ever written to the stream, -1 when none.
   * A soft-deleted stream keeps it: the next append continues from it.
   */
  readonly revision: number;
  /** Whether the stream is soft- or hard-deleted; `false` once a soft-deleted stream is written again. */
  readonly deleted: DeletedState;
  /** Revisions below this were truncated (0 when nothing was). */
  readonly truncatedBefore: number;
}

/** Options of `EventStore.deleteStream`. */
export interface DeleteStreamOptions {
  /** `'soft'` (the default): the stream may be written again; `'hard'`: never again (a tombstone). */
  readonly mode?: 'soft' | 'hard';
  /** What the stream must look like for the delete to go ahead. Default: `'any'`. */
  readonly expectedRevision?: ExpectedRevision;
}

/** Options of `EventStore.truncateStream`. */
export interface TruncateStreamOptions {
  /** Revisions below this are removed; the stream's revision counter is unchanged. */
  readonly before: number;
}

/**
 * How far a store's server lags behind the primary it replicates (`EventStore.replicaLag()`).
 * On a primary, and on backends without replicas (memory, SQLite, Redis): `{ standby: false,
 * seconds: 0 }`.
 */
export interface ReplicaLag {
  /** True when the server is a standby (a read replica replaying a primary's log), as it says now. */
  readonly standby: boolean;
  /**
   * How old the newest replayed change is, in seconds, while the standby has received changes it
   * has not replayed yet: the time since the primary committed the last transaction it replayed.
   * 0 when it has replayed everything it received (even if the primary has been idle for long),
   * and on a primary.
   */
  readonly seconds: number;
  /**
   * Bytes of the primary's log the standby has received but not replayed yet; 0 on a primary.
   * Absent where the server cannot tell (a standby fed from an archive rather than a stream).
   */
  readonly bytes?: number;
  /** When the primary committed the last transaction the standby replayed; absent on a primary, and before a standby has replayed one since it started. */
  readonly lastReplayAt?: Date;
}
