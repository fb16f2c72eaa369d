/**
 * The read-model ("query store") types shared by the projection runner, the query side and every
 * backend. Documents are JSON objects kept by collection and id; a collection belongs to one
 * version of one projection, so two versions of a projection coexist (blue/green rebuilds).
 */

/** How a declared index compares its field: text by Unicode code point, or a finite number. */
export type IndexKind = 'string' | 'number';

/** A collection's declared indexes: top-level field name → kind. A find may filter and order by one of them. */
export type IndexDeclarations = Readonly<Record<string, IndexKind>>;

/**
 * One collection of one projection version, as backends see it. `key` is the backend-neutral
 * name (`<projection>:v<version>:<collection>`, at most 59 characters of `[a-z0-9_:-]`), safe to
 * use quoted as a table name or inside a key; backends derive their own names from it.
 */
export interface CollectionSpec {
  /** The projection's name. */
  readonly projection: string;
  /** The projection's version. */
  readonly version: number;
  /** The collection's name within the projection. */
  readonly collection: string;
  /** `<projection>:v<version>:<collection>`. */
  readonly key: string;
  /** The declared indexes. */
  readonly indexes: IndexDeclarations;
}

/** A value an index holds: text for a 'string' index, a finite number for a 'number' one. */
export type IndexValue = string | number;

/** A document as a backend stores it: its id and its JSON text. */
export interface StoredDocument {
  /** The document's id within its collection. */
  readonly id: string;
  /** The document as JSON text (an object). */
  readonly json: string;
}

/**
 * A find as the core hands it to a backend, checked: at most one indexed field, conditions on
 * that field only, results ordered by (field value, id), or by id alone when `field` is absent.
 * A document whose field is missing or null is never returned by a find on that field.
 */
export interface StoredFind {
  /** The indexed field the find filters and orders by; absent: every document, ordered by id. */
  readonly field?: string;
  /** The field's kind, as declared. Absent with `field`. */
  readonly kind?: IndexKind;
  /** Equal to this value (instead of a range). */
  readonly eq?: IndexValue;
  /** Greater than. */
  readonly gt?: IndexValue;
  /** Greater than or equal. */
  readonly gte?: IndexValue;
  /** Less than. */
  readonly lt?: IndexValue;
  /** Less than or equal. */
  readonly lte?: IndexValue;
  /** Rising or falling (field value, id). */
  readonly direction: 'asc' | 'desc';
  /** The most documents to return: 1 or more. */
  readonly limit: number;
  /**
   * Keyset paging: only documents strictly after this one in the find's order. `value` is
   * absent when the find has no field (ordered by id alone).
   */
  readonly after?: FindCursor;
}

/** Where a keyset page starts: strictly after the document with this value and id in the find's order. */
export interface FindCursor {
  /** The field's value (absent when the find orders by id alone). */
  readonly value?: IndexValue;
  /** The id. */
  readonly id: string;
}

/** The filter part of a find, for count: the same field and conditions, no order, no paging. */
export type StoredFilter = Pick<StoredFind, 'field' | 'kind' | 'eq' | 'gt' | 'gte' | 'lt' | 'lte'>;

/** One change of a projection batch, in the order the projection made it. */
export type DocumentWrite = DocumentPut | DocumentDelete;

/** A document written whole (created or replaced). */
export interface DocumentPut {
  /** The kind of write. */
  readonly op: 'put';
  /** The collection. */
  readonly collection: CollectionSpec;
  /** The document's id. */
  readonly id: string;
  /** The whole new document, as JSON text. */
  readonly json: string;
  /** The document's values of the collection's declared indexes (a missing or null field is left out). */
  readonly fields: Readonly<Record<string, IndexValue>>;
}

/** A document removed (nothing happens when there is none). */
export interface DocumentDelete {
  /** The kind of write. */
  readonly op: 'delete';
  /** The collection. */
  readonly collection: CollectionSpec;
  /** The document's id. */
  readonly id: string;
}

/**
 * Which projection's progress a state row describes: a name, a version and a partition (0 until
 * a projection is partitioned; the row's format does not change when partitions arrive).
 */
export interface ProjectionKey {
  /** The projection's name. */
  readonly projection: string;
  /** The projection's version. */
  readonly version: number;
  /** The partition; 0 for a projection that is not partitioned. */
  readonly partition: number;
}

/** A lease as a commit presents it: who holds it, and the epoch it was taken in. */
export interface LeaseToken {
  /** The holder's id (unique per runner instance). */
  readonly owner: string;
  /** The epoch: raised by one each time the lease changes hands. */
  readonly epoch: number;
}

/** A projection partition's progress and lease, as stored. */
export interface ProjectionState {
  /** The position the read model covers: every event up to it has been applied (or skipped as not handled). */
  readonly checkpoint: number;
  /** The lease's holder, or undefined when none was ever taken or it was released. */
  readonly owner: string | undefined;
  /** The lease's epoch: 0 before any lease was taken. */
  readonly epoch: number;
  /** When the lease expires, in ms since the epoch on the database's clock; 0 when there is no holder. */
  readonly leaseExpiresAt: number;
  /** When the checkpoint last moved, in ms since the epoch on the database's clock; 0 when never. */
  readonly updatedAt: number;
}

/** The answer to a lease request. */
export interface LeaseAnswer {
  /** True when the caller holds the lease now (newly taken, or renewed). */
  readonly held: boolean;
  /** The state after the request: the caller's epoch when held, otherwise the holder's. */
  readonly state: ProjectionState;
  /** The database's clock when it answered, in ms since the epoch. */
  readonly now: number;
}

/** An event parked by a projection after its retries failed, or because an earlier event of its stream is parked. */
export interface DeadLetter {
  /** The event's global position. */
  readonly position: number;
  /** The event's id. */
  readonly eventId: string;
  /** The event's stream. */
  readonly stream: string;
  /** The event's type. */
  readonly type: string;
  /** Why: the error's message, or "after a parked event of the same stream". */
  readonly error: string;
  /** When it was parked, in ms since the epoch (the runner's clock). */
  readonly parkedAt: number;
  /** Who parked it: the lease holder whose commit parked it (a group member's runner); absent for a commit without a lease. */
  readonly owner?: string;
  /** The partition it is parked in: set by `listDeadLetters` for a partitioned projection. */
  readonly partition?: number;
}

/** A consumer group: the processes that share one generation of a partitioned projection. */
export interface GroupKey {
  /** The projection's name. */
  readonly projection: string;
  /** The generation the members build (the `version` of its state rows). */
  readonly version: number;
}

/** A member of a consumer group, as its heartbeats recorded it (times in ms since the epoch, on the database's clock). */
export interface GroupMember {
  /** The member's id (unique per process and run). */
  readonly member: string;
  /** Its first heartbeat. */
  readonly joinedAt: number;
  /** Its last heartbeat. */
  readonly heartbeatAt: number;
  /** When it stops counting as a member unless it beats again. */
  readonly expiresAt: number;
}

/** The members of a group, and the database's clock when it answered. */
export interface GroupMembers {
  /** The members, by member id; a heartbeat answer lists only those not expired. */
  readonly members: readonly GroupMember[];
  /** The database's clock, in ms since the epoch. */
  readonly now: number;
}

/**
 * A projection batch: its document writes, its dead letters (parked and un-parked) and its new
 * checkpoint, written together or not at all. The backend compare-and-sets the state row: the stored checkpoint must
 * equal `from`, and when `lease` is given, the stored owner and epoch must equal it; otherwise it
 * writes nothing and throws LeaseLostError. A commit with a lease also renews it for `ttlMs`.
 */
export interface ProjectionCommit {
  /** Whose state row. */
  readonly key: ProjectionKey;
  /** The checkpoint the batch started from (the stored one must still be it). */
  readonly from: number;
  /** The new checkpoint: the batch's readThrough (>= from). */
  readonly checkpoint: number;
  /** The lease the writer holds; absent for a writer that takes none (an inline apply). */
  readonly lease?: LeaseToken;
  /** How long a renewed lease lasts, in ms. Used only with `lease`. */
  readonly ttlMs?: number;
  /** The document changes, applied in order. */
  readonly writes: readonly DocumentWrite[];
  /**
   * Events to park. A position parked already is replaced by the new letter (an event retried
   * and failing again keeps its place, with the new error).
   */
  readonly park?: readonly DeadLetter[];
  /**
   * Dead letters to remove, by position: events a retry applied (with this commit's writes) or
   * that were dropped. Removed before `park` is written, so a position in both stays parked;
   * positions that are not parked are ignored.
   */
  readonly unpark?: readonly number[];
}
