import { assertPartition, assertPartitionCount } from './partition.js';
import { DuplicateEventIdError, InvalidArgumentError, NotSupportedError, StandbyError, StoreClosedError, type StandbyRefusal } from './errors.js';
import type {
  AppendOptions,
  AppendRequest,
  AppendResult,
  DeleteStreamOptions,
  EventInput,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  ReplicaLag,
  StreamInfo,
  SubscribeOptions,
  TruncateStreamOptions,
} from './types.js';
import {
  assertCategory,
  assertCount,
  assertStreamName,
  assertTypes,
  categoryOf,
  isUuid,
  parseExpectedRevision,
  prepareEvents,
  DEFAULT_MAX_EVENT_BYTES,
} from './validate.js';
import { requirePart, type Backend, type Capabilities, type Durability, type InlineApply, type InlineReads, type PartName, type PreparedAppend, type StoredEvent } from '../backend/parts.js';
import type { SchemaState } from '../backend/migrations.js';
import type { ReadModelStore, SyncReadModels } from '../readmodel/read-model-store.js';
import { backendOfStorageAdapter, isBackend, type StorageAdapter } from '../backend/storage-adapter.js';
import { applySchemas } from '../schemas/apply-schemas.js';
import { isEventSchemas, type EventSchemas } from '../schemas/event-schemas.js';
import { upcastEvent } from '../schemas/upcast.js';
import { decodeEvent } from './decode.js';
import { assertSnapshotFits, decodeSnapshot, prepareSnapshot, type Snapshot, type SnapshotInput } from './snapshot.js';
import { subscriptionEvents, subscriptionPages, type SubscriptionPage, type SubscriptionQuery } from './subscription.js';
import { Wakeup } from './wakeup.js';

/** Events fetched per page by reads and subscriptions when no `pageSize` is given. */
export const DEFAULT_PAGE_SIZE = 500;

/** Options of `new EventStore(backend, options)`, and of every `open…Store` function. */
export interface EventStoreOptions {
  /** Events fetched per page by reads and subscriptions. Default 500. */
  readonly pageSize?: number;
  /**
   * The application's event types (defineEvents): appends of these types are validated by their
   * schema, and reads hand out every event in its type's current shape (upcast). Default: none.
   */
  readonly schemas?: EventSchemas<any>;
  /**
   * The largest event an append takes: its data and metadata as JSON, in UTF-8 bytes. Default
   * 1 MiB (DEFAULT_MAX_EVENT_BYTES) on every backend; a larger event is ANNALS_EVENT_TOO_LARGE,
   * and nothing is written.
   */
  readonly maxEventBytes?: number;
}

/** What `attachInline` runs: InlineApply over decoded events. */
export interface InlineFunction {
  (events: readonly RecordedEvent[], headBefore: number): void;
  /** The state rows and documents the function reads for these events (see InlineApply). */
  readonly reads?: (events: readonly RecordedEvent[]) => readonly InlineReads[];
  /**
   * Told how each append through this store object ended, once it has: committed, with the
   * position of its last event, or failed (what the function did inside it was rolled back).
   */
  readonly settled?: (outcome: AppendOutcome) => void;
}

/** How an append ended, as an inline function's `settled` hears it. */
export type AppendOutcome = AppendCommitted | AppendFailed;

/** An append that committed. */
export interface AppendCommitted {
  /** The position of its last event. */
  readonly committed: number;
}

/** An append that failed: nothing it did inside its transaction remains. */
export interface AppendFailed {
  /** Always true. */
  readonly failed: true;
}

/** What `attachInline` returns: the read models the function may write synchronously, and how to stop it. */
export interface InlineAttachment {
  /** The read models in the log's database, with synchronous calls for use inside the function. */
  readonly readModels: ReadModelStore & SyncReadModels;
  /** Stops running the function in appends. */
  detach(): void;
}

/** What a store can do: the log's variants of append, delete and truncate, and whether others' commits wake it. */
export interface StoreCapabilities extends Capabilities {
  /** Appends from other processes wake this store's subscriptions (the backend has a commit signal). */
  readonly crossProcessNotifications: boolean;
}

/**
 * The event store: one contract over every backend. It validates input before the
 * backend sees it, pages reads, and runs subscriptions; the backend's parts only talk to
 * their database. On a standby (a PostgreSQL read replica; see the backend's `replication`
 * part), writes and consumers of the log by position throw StandbyError at the call.
 */
export class EventStore {
  /** The variants of append, delete and truncate the store supports, and whether others' commits wake it. */
  readonly capabilities: StoreCapabilities;
  /** The event types this store validates and upcasts, when it was opened with some. */
  readonly schemas: EventSchemas | undefined;
  /** The backend this store runs on: its name, parts and close. */
  private readonly impl: Backend;
  private readonly log: Backend['parts']['log'];
  private readonly pageSize: number;
  private readonly maxEventBytes: number;
  /** False when the backend makes the ids of events appended without one. */
  private readonly makeIds: boolean;
  /** A stored event as callers see it: decoded, and upcast when the store has schemas. */
  private readonly decode: (stored: StoredEvent) => RecordedEvent;
  private readonly wakeup = new Wakeup();
  /** The `settled` of each attached inline function. */
  private inlineSettled: readonly ((outcome: AppendOutcome) => void)[] = [];
  private readonly closing = new AbortController();

  /**
   * A store over a backend's parts, as an adapter's `open…()` function builds them (a
   * StorageAdapter of the former single interface is still accepted, and wrapped).
   */
  constructor(backend: Backend | StorageAdapter, options: EventStoreOptions = {}) {
    const checked = checkStoreOptions(options);
    this.impl = isBackend(backend) ? backend : backendOfStorageAdapter(backend);
    this.log = this.impl.parts.log;
    this.capabilities = { ...this.log.capabilities, crossProcessNotifications: this.impl.parts.commits !== undefined };
    this.pageSize = checked.pageSize;
    this.maxEventBytes = checked.maxEventBytes;
    this.makeIds = this.log.makesEventIds !== true;
    const schemas = (this.schemas = checked.schemas);
    this.decode = schemas ? (stored) => upcastEvent(schemas, decodeEvent(stored)) : decodeEvent;
  }

  /** The backend's name: 'memory', 'sqlite', … */
  get backend(): string {
    return this.impl.name;
  }

  /** Whether the backend provides the part (the event log always; snapshots, a commit signal, … where it has them). */
  provides(part: PartName): boolean {
    return this.impl.parts[part] !== undefined;
  }

  /**
   * The read models kept in the store's own database (documents, projection checkpoints and
   * leases), which projections write and queries read by default.
   * @throws NotSupportedError when the backend keeps none (a third-party backend without the part).
   */
  readModelStore(): ReadModelStore {
    return requirePart(this.impl, 'readModels');
  }

  /**
   * Makes the index that reads of one partition out of `count` (the `partition` option of readAll,
   * subscribe and subscribePages) use on SQLite and PostgreSQL, and brings it up to the head, so
   * that each read costs what it returns rather than a walk of the whole log. The index is kept
   * behind the log, in batches, by those reads: appends do not pay for it. Idempotent, and safe
   * when several processes call it at once; appends go on while it works (a batch of thousands
   * of events a transaction), which can take a while on a long log. Partition reads are correct
   * without it. Memory and Redis need no index: it does nothing there.
   * @throws InvalidArgumentError when `count` is not an integer from 1 to MAX_PARTITIONS (1024).
   */
  async preparePartitions(count: number): Promise<void> {
    this.assertOpen('preparePartitions', 'write');
    const checked = assertPartitionCount(count);
    await this.impl.parts.partitions?.prepare(checked);
  }

  /**
   * Runs `apply` inside every later append's transaction, after the append has written its events
   * and before it commits, with them decoded and `headBefore` (see InlineApply: a checkpoint at or
   * past it covers every event before the append); a throw fails the append and writes nothing.
   * What inline projections are built on (runProjections with `inline`); `detach` stops it. Give
   * `apply.reads` for PostgreSQL, which loads what the function reads before it runs.
   * @throws NotSupportedError when the backend cannot run code inside its appends (Redis).
   */
  attachInline(apply: InlineFunction): InlineAttachment {
    this.assertOpen('attachInline', 'write');
    const host = requirePart(this.impl, 'inline');
    const { reads, settled } = apply;
    const run: InlineApply = Object.assign(
      (stored: readonly StoredEvent[], headBefore: number) => apply(stored.map(this.decode), headBefore),
      reads && { reads: (stored: readonly StoredEvent[]) => reads(stored.map(this.decode)) },
    );
    const detach = host.attach(run);
    if (settled) this.inlineSettled = [...this.inlineSettled, settled];
    return {
      readModels: host.readModels,
      detach: () => {
        detach();
        this.inlineSettled = this.inlineSettled.filter((listener) => listener !== settled);
      },
    };
  }

  /** Whether an acknowledged append survives a crash, and if not, what can be lost. */
  get durability(): Durability {
    return this.impl.durability;
  }

  /** The schema version of the database, and the version found on open (before migrations), for backends that have one. */
  get schema(): SchemaState | undefined {
    return this.impl.schema;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /**
   * Appends events to a stream, atomically: all of them or none. Events without an id get a new
   * UUID; re-appending the same ids at the same place returns the original result and writes
   * nothing (an idempotent retry).
   * @returns The stream's revision and the global position of the last event.
   * @throws WrongExpectedRevisionError when the stream does not match `expectedRevision`; and
   * InvalidEventError, EventTooLargeError, InvalidStreamNameError, InvalidArgumentError (no
   * events, a bad expected revision), DuplicateEventIdError or StreamDeletedError; each of these
   * leaves nothing written.
   */
  async append(stream: string, events: readonly EventInput[], options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen('append', 'write');
    const { expectedRevision } = optionsObject('append options', options);
    const request = { stream, events, expectedRevision };
    // Without schemas, no await: an append stays one step from the call to the backend.
    const prepared = prepareAppend(this.schemas ? await this.withSchemas(request) : request, this.makeIds, this.maxEventBytes);
    const [result] = this.inlineSettled.length === 0 ? await this.log.appendBatch([prepared]) : await this.settle(this.log.appendBatch([prepared]));
    this.wakeup.bump();
    return result!;
  }

  /** Appends to several streams atomically: every part is written, or none is. */
  async appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    this.assertOpen('appendMany', 'write');
    if (!Array.isArray(requests) || requests.length === 0) {
      throw new InvalidArgumentError('requests', requests, 'a non-empty array of { stream, events, expectedRevision }');
    }
    if (requests.length > 1 && !this.capabilities.multiStreamAppend) throw new NotSupportedError('multi-stream appends', this.backend);
    const batch: PreparedAppend[] = [];
    for (const request of requests) batch.push(prepareAppend(this.schemas ? await this.withSchemas(request) : request, this.makeIds, this.maxEventBytes));
    const streams = new Set<string>();
    const ids = new Set<string>();
    for (const { stream, events } of batch) {
      if (streams.has(stream)) {
        throw new InvalidArgumentError('requests', stream, 'each stream at most once per appendMany call (merge its events into one request)');
      }
      streams.add(stream);
      // One call, one set of ids: a repeat across parts is caught here, like a repeat within a part,
      // before a backend could write the id twice or report a place it never committed.
      for (const { id, generated } of events) {
        if (generated) continue; // a fresh id, from the core or the backend
        if (ids.has(id)) throw new DuplicateEventIdError(id, stream);
        ids.add(id);
      }
    }
    const results = this.inlineSettled.length === 0 ? await this.log.appendBatch(batch) : await this.settle(this.log.appendBatch(batch));
    this.wakeup.bump();
    return results;
  }

  /**
   * The stream's events, in revision order (or reversed), read a page at a time as the caller
   * iterates. A stream that has no events, or does not exist, yields nothing. Options are checked
   * at the call, not when iteration starts.
   */
  readStream(stream: string, readOptions?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen('readStream');
    const options = optionsObject('readStream options', readOptions);
    assertStreamName(stream);
    const direction = options.direction ?? 'forwards';
    if (direction !== 'forwards' && direction !== 'backwards') {
      throw new InvalidArgumentError('direction', direction, `'forwards' or 'backwards'`);
    }
    const from = options.fromRevision;
    const start =
      from === undefined ? (direction === 'forwards' ? 0 : Number.MAX_SAFE_INTEGER)
      : from === 'start' ? 0
      : from === 'end' ? Number.MAX_SAFE_INTEGER
      : assertCount('fromRevision', from, 0)!;
    const maxCount = assertCount('maxCount', options.maxCount, 0) ?? Infinity;
    const pageSize = assertCount('pageSize', options.pageSize, 1) ?? this.pageSize;
    const { log } = this;
    return this.pages(maxCount, pageSize, () => {
      let fromRevision = start;
      return async (limit) => {
        if (fromRevision < 0) return [];
        const page = await log.readStreamPage({ stream, fromRevision, direction, limit });
        const last = page[page.length - 1];
        if (last) fromRevision = direction === 'forwards' ? last.revision + 1 : last.revision - 1;
        return page;
      };
    });
  }

  /**
   * Every event of the log after `after`, in position order, optionally only those of a category
   * or of some types; read a page at a time as the caller iterates. It ends when a page comes back
   * short, so events committed meanwhile may be included; to follow new events, use `subscribe`.
   */
  readAll(readOptions?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen('readAll', 'consumer');
    const options = optionsObject('readAll options', readOptions);
    const start = assertCount('after', options.after, 0) ?? 0;
    const category = assertCategory(options.category);
    const types = assertTypes(options.types);
    const partition = assertPartition(options.partition);
    const maxCount = assertCount('maxCount', options.maxCount, 0) ?? Infinity;
    const pageSize = assertCount('pageSize', options.pageSize, 1) ?? this.pageSize;
    const { log } = this;
    return this.pages(maxCount, pageSize, () => {
      let after = start;
      return async (limit) => {
        const { events } = await log.readAllPage({ after, category, types, partition, limit });
        const last = events[events.length - 1];
        if (last) after = last.position;
        return events;
      };
    });
  }

  /**
   * Every event after `after` that passes the filter: first those already stored (catch-up),
   * then each new one as it is committed (live), with no gap or duplicate between the two.
   * It ends only when `signal` aborts or the store closes: a retryable failure (a lost
   * connection, a locked file) is retried with back-off, so an outage delays it. Pages are read as the consumer
   * pulls, so a slow consumer holds one page in memory, never the log.
   */
  subscribe(subscribeOptions?: SubscribeOptions): AsyncIterable<RecordedEvent> {
    const [query, signal] = this.subscription('subscribe', subscribeOptions);
    return subscriptionEvents(this.subscriptionSource(), query, signal, this.decode);
  }

  /**
   * The same subscription as `subscribe`, a page at a time: each page's events (possibly none)
   * and `readThrough`, the position the subscriber has read through even when the filter
   * matched nothing, so a consumer that checkpoints it (a projection) never stalls behind
   * events it ignores; `caughtUp` says the page reached the head.
   */
  subscribePages(subscribeOptions?: SubscribeOptions): AsyncIterable<SubscriptionPage> {
    const [query, signal] = this.subscription('subscribePages', subscribeOptions);
    return subscriptionPages(this.subscriptionSource(), query, signal, this.decode);
  }

  /**
   * The same subscription as `subscribePages`, except that at the head it waits for `wakeup`
   * (and for commits by other connections and processes) instead of this store object's own
   * appends: for a consumer that learns of those otherwise, as an inline projection's catch-up
   * runner does from the appends that did not apply it.
   */
  subscribePagesWokenBy(wakeup: Wakeup, subscribeOptions?: SubscribeOptions): AsyncIterable<SubscriptionPage> {
    const [query, signal] = this.subscription('subscribePages', subscribeOptions);
    return subscriptionPages({ ...this.subscriptionSource(), wakeup }, query, signal, this.decode);
  }

  private subscription(operation: string, subscribeOptions: SubscribeOptions | undefined): [SubscriptionQuery, AbortSignal] {
    this.assertOpen(operation, 'consumer');
    const options = optionsObject(`${operation} options`, subscribeOptions);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError('signal', options.signal, 'an AbortSignal (from an AbortController)');
    }
    const query = {
      after: assertCount('after', options.after, 0) ?? 0,
      category: assertCategory(options.category),
      types: assertTypes(options.types),
      partition: assertPartition(options.partition),
      pageSize: assertCount('pageSize', options.pageSize, 1) ?? this.pageSize,
    };
    return [query, options.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal];
  }

  private subscriptionSource() {
    return { log: this.log, commits: this.impl.parts.commits, wakeup: this.wakeup };
  }

  /** The event with this id, or undefined when none is recorded (or its stream was deleted or truncated past it). */
  async getEvent(id: string): Promise<RecordedEvent | undefined> {
    this.assertOpen('getEvent');
    if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('id', id, 'an event id (a UUID string)');
    // Every recorded id is a UUID: any other text names no event, and backends only see UUIDs.
    if (!isUuid(id)) return undefined;
    const stored = await this.log.getEvent(id.toLowerCase());
    return stored && this.decode(stored);
  }

  /**
   * Where the log ends now: subscribing with `after: await store.headPosition()` hands out every
   * event committed from now on, and none before. 0 for an empty log.
   */
  async headPosition(): Promise<number> {
    this.assertOpen('headPosition');
    return this.log.headPosition();
  }

  /** The stream's state: whether it has events, its last revision, whether it is deleted, where truncation left it. */
  async streamInfo(stream: string): Promise<StreamInfo> {
    this.assertOpen('streamInfo');
    return this.log.streamInfo(assertStreamName(stream));
  }

  /**
   * Removes the stream's events and its snapshot. Soft (the default): the stream reads as empty
   * and may be written again, its revisions continuing. Hard: the name is tombstoned, and every
   * later write to it throws StreamDeletedError.
   * @throws WrongExpectedRevisionError when the stream does not match `expectedRevision`.
   */
  async deleteStream(stream: string, deleteOptions?: DeleteStreamOptions): Promise<void> {
    this.assertOpen('deleteStream', 'write');
    const options = optionsObject('deleteStream options', deleteOptions);
    assertStreamName(stream);
    const mode = options.mode ?? 'soft';
    if (mode !== 'soft' && mode !== 'hard') throw new InvalidArgumentError('mode', mode, `'soft' or 'hard'`);
    const expected = parseExpectedRevision(options.expectedRevision);
    if (!this.capabilities[mode === 'soft' ? 'softDelete' : 'hardDelete']) throw new NotSupportedError(`${mode} delete`, this.backend);
    await this.log.deleteStream(stream, mode, expected);
  }

  /**
   * Removes the stream's events below revision `before`, for retention; the revision counter and
   * the later events stay as they are.
   * @throws StreamNotFoundError for a stream without events, StreamDeletedError for a hard-deleted
   * one, InvalidArgumentError for `before` past the stream's revision + 1.
   */
  async truncateStream(stream: string, options: TruncateStreamOptions): Promise<void> {
    this.assertOpen('truncateStream', 'write');
    assertStreamName(stream);
    const before = assertCount('before', optionsObject('truncateStream options', options).before, 0);
    if (before === undefined) throw new InvalidArgumentError('before', undefined, 'the first revision to keep (an integer >= 0)');
    if (!this.capabilities.truncate) throw new NotSupportedError('truncate', this.backend);
    await this.log.truncateStream(stream, before);
  }

  /**
   * Saves the stream's snapshot: `state` folded from its events up to `revision`, tagged with
   * the `version` of the state's shape. A stream keeps one snapshot; a save with a lower revision
   * than the stored one is ignored. The revision must be one the stream holds (reached, not
   * truncated away); deleting the stream or truncating past the revision removes the snapshot.
   */
  async saveSnapshot(stream: string, snapshot: SnapshotInput<unknown>): Promise<void> {
    this.assertOpen('saveSnapshot', 'write');
    assertStreamName(stream);
    const snapshots = requirePart(this.impl, 'snapshots');
    const prepared = prepareSnapshot(snapshot);
    assertSnapshotFits(await this.log.streamInfo(stream), prepared.revision);
    await snapshots.save(stream, prepared);
  }

  /**
   * The stream's snapshot, or undefined when it has none that still describes the stream.
   * A snapshot at revision r folds events 0..r: it is stale once the stream has no events, or
   * its truncation point has passed r (a soft delete moves it past the last revision). A save
   * that lost a race with a delete can leave such a snapshot behind; it is never handed out.
   * (A delete after this check makes the caller's append at revision r fail its expected
   * revision, so a command handler reloads.)
   */
  async loadSnapshot(stream: string): Promise<Snapshot | undefined> {
    this.assertOpen('loadSnapshot');
    assertStreamName(stream);
    const stored = await requirePart(this.impl, 'snapshots').load(stream);
    if (!stored) return undefined;
    const info = await this.log.streamInfo(stream);
    const stale = !info.exists || stored.revision < info.truncatedBefore || stored.revision > info.revision;
    return stale ? undefined : decodeSnapshot(stored);
  }

  /**
   * How far the store's server lags behind the primary it replicates: on a PostgreSQL standby,
   * the bytes of log received and not yet replayed, and how old the last replayed change is
   * while some wait (see ReplicaLag). `{ standby: false, seconds: 0 }` on a primary and on
   * backends without replicas.
   */
  async replicaLag(): Promise<ReplicaLag> {
    this.assertOpen('replicaLag');
    const replication = this.impl.parts.replication;
    return replication ? replication.lag() : { standby: false, seconds: 0 };
  }

  /**
   * Throws StandbyError (ANNALS_STANDBY) when the store was opened on a standby (a read
   * replica), which refuses writes and consumers of the log; does nothing otherwise. For code
   * that will write or consume later, to refuse at its start (runProjections does).
   * @param operation What the caller is about to do, for the message, e.g. `'runProjections'`.
   */
  assertPrimary(operation: string): void {
    this.assertOpen(operation, 'consumer');
  }

  /** Closes the backend; subscriptions end and every later call throws ANNALS_STORE_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    await this.impl.close();
  }

  /** Tells the inline functions' `settled` how an append ended, and hands its outcome on. */
  private async settle(appending: Promise<AppendResult[]>): Promise<AppendResult[]> {
    let results: AppendResult[];
    try {
      results = await appending;
    } catch (error) {
      for (const settled of this.inlineSettled) settled({ failed: true });
      throw error;
    }
    const committed = Math.max(...results.map((result) => result.position));
    for (const settled of this.inlineSettled) settled({ committed });
    return results;
  }

  /**
   * The request with its events checked by their types' schemas (see applySchemas), before any
   * other check but the stream's name: a refused event writes nothing.
   */
  private async withSchemas(request: AppendRequest): Promise<AppendRequest> {
    if (!this.schemas || typeof request !== 'object' || request === null) return request;
    const stream = assertStreamName(request.stream);
    return { ...request, events: (await applySchemas(this.schemas, stream, request.events)) as EventInput[] };
  }

  /** Throws when the store is closed, or, for a write or a consumer, when it is on a standby. */
  private assertOpen(operation: string, refusal?: StandbyRefusal): void {
    if (this.closed) throw new StoreClosedError(operation);
    const replication = refusal && this.impl.parts.replication;
    if (replication && replication.standby) throw new StandbyError(operation, replication.location, refusal);
  }

  /**
   * An async iterable over pages fetched on demand; memory holds one page at a time.
   * Each iteration starts afresh from the read's starting point.
   */
  private pages(
    maxCount: number,
    pageSize: number,
    cursor: () => (limit: number) => Promise<readonly StoredEvent[]>,
  ): AsyncIterable<RecordedEvent> {
    const assertOpen = () => this.assertOpen('read');
    const { decode } = this;
    return {
      async *[Symbol.asyncIterator]() {
        const next = cursor();
        let remaining = maxCount;
        while (remaining > 0) {
          assertOpen();
          const limit = Math.min(pageSize, remaining);
          const page = await next(limit);
          for (const stored of page) yield decode(stored);
          remaining -= page.length;
          if (page.length < limit) return;
        }
      },
    };
  }
}

/** A call's options: absent means none; anything but a plain object is refused, with a typed error. */
function optionsObject<T extends object>(argument: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError(argument, value, 'an options object, or nothing');
  return value;
}

/**
 * Checks the core's options; openers call it before they connect, so bad options leave nothing open.
 * @returns The options with their defaults filled in.
 */
export function checkStoreOptions(options: EventStoreOptions): {
  /** Events per page. */
  pageSize: number;
  /** The event types to validate and upcast, if any. */
  schemas: EventSchemas | undefined;
  /** The largest event an append takes, in bytes. */
  maxEventBytes: number;
} {
  const { schemas } = options;
  if (schemas !== undefined && !isEventSchemas(schemas)) throw new InvalidArgumentError('schemas', schemas, 'event schemas made by defineEvents({ … })');
  return {
    pageSize: assertCount('pageSize', options.pageSize, 1) ?? DEFAULT_PAGE_SIZE,
    schemas,
    maxEventBytes: assertCount('maxEventBytes', options.maxEventBytes, 1) ?? DEFAULT_MAX_EVENT_BYTES,
  };
}

function prepareAppend(request: AppendRequest, makeIds: boolean, maxEventBytes: number): PreparedAppend {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidArgumentError('request', request, 'an object { stream, events, expectedRevision }');
  }
  const stream = assertStreamName(request.stream);
  return {
    stream,
    category: categoryOf(stream),
    events: prepareEvents(stream, request.events, makeIds, maxEventBytes),
    expectedRevision: parseExpectedRevision(request.expectedRevision),
  };
}
