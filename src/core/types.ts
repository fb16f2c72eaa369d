/** A value that survives a JSON round trip unchanged (undefined object properties are left out). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };
/** A JSON object; properties whose value is undefined are left out, as JSON.stringify does. */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** Metadata carried with every event; `correlationId` and `causationId` are the well-known keys. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  /** The version of the data's shape, recorded for event types registered with a schema (absent: 1). */
  readonly schemaVersion?: number;
  readonly [key: string]: JsonValue | undefined;
}

/** What a caller appends. The id is generated when absent. */
export interface EventInput<Type extends string = string, Data = JsonValue> {
  readonly type: Type;
  readonly data?: Data;
  readonly metadata?: EventMetadata;
  readonly id?: string;
}

/** An event as the store recorded it: plain, readonly, never mutated. */
export interface RecordedEvent<Type extends string = string, Data = JsonValue> {
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly stream: string;
  /** Position in its stream: 0, 1, 2, … with no gaps. */
  readonly revision: number;
  /** Position in the whole log: positive, strictly increasing in commit order, not necessarily contiguous. */
  readonly position: number;
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

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendRequest {
  readonly stream: string;
  readonly events: readonly EventInput[];
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  readonly stream: string;
  /** Revision of the last event written (or found, for an idempotent retry). */
  readonly streamRevision: number;
  /** Global position of the last event written (or found). */
  readonly position: number;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** First revision to read (inclusive). Default: 0 forwards, the last revision backwards. */
  readonly fromRevision?: number | 'start' | 'end';
  readonly direction?: Direction;
  /** Stop after this many events. Default: no limit. */
  readonly maxCount?: number;
  /** Events fetched from the database per page (tuning). Default: the store's page size. */
  readonly pageSize?: number;
}

export interface ReadAllOptions {
  /** The last position already seen (exclusive). Default: 0, the start of the log. */
  readonly after?: number;
  /** Only events of streams in this category (the text before the first `-` of the stream name). */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  readonly maxCount?: number;
  readonly pageSize?: number;
}

export interface SubscribeOptions {
  /** The last position already seen (exclusive). Default: 0, the start of the log. */
  readonly after?: number;
  readonly category?: string;
  readonly types?: readonly string[];
  /** Ends the subscription: the iterator returns. */
  readonly signal?: AbortSignal;
  readonly pageSize?: number;
}

export type DeletedState = false | 'soft' | 'hard';

export interface StreamInfo {
  readonly stream: string;
  /** True while the stream has events that can be read (or has been truncated but not deleted). */
  readonly exists: boolean;
  /**
   * Revision of the last event ever written to the stream, -1 when none.
   * A soft-deleted stream keeps it: the next append continues from it.
   */
  readonly revision: number;
  readonly deleted: DeletedState;
  /** Revisions below this were truncated (0 when nothing was). */
  readonly truncatedBefore: number;
}

export interface DeleteStreamOptions {
  readonly mode?: 'soft' | 'hard';
  readonly expectedRevision?: ExpectedRevision;
}

export interface TruncateStreamOptions {
  /** Revisions below this are removed; the stream's revision counter is unchanged. */
  readonly before: number;
}
