import type { AppendResult, DeletedState, ExpectedRevision, StreamInfo } from '../core/types.js';
import type { StoredSnapshot } from '../core/snapshot.js';
import type {
  AllPageQuery,
  Backend,
  Capabilities,
  Durability,
  EventLog,
  PreparedAppend,
  StoredEvent,
  StreamPageQuery,
} from './parts.js';
import type { SchemaState } from './migrations.js';
import { matchesFilter } from './filter.js';
import type { LogPartition } from '../core/partition.js';

/**
 * A backend as one object: the log's, the snapshot store's and the commit signal's methods
 * together.
 * @deprecated Build a Backend of parts instead (docs/adapters.md); `new EventStore(adapter)`
 * still accepts one of these and wraps it with `backendOfStorageAdapter`.
 */
export interface StorageAdapter {
  /** As Backend.name. */
  readonly name: string;
  /** As EventLog.capabilities. */
  readonly capabilities: Capabilities & {
    /** Ignored: the store has a commit signal when `watchExternalCommits` is there. */
    readonly crossProcessNotifications?: boolean;
  };
  /** As Backend.durability. */
  readonly durability: Durability;
  /** As Backend.schema. */
  readonly schema?: SchemaState;
  /** As EventLog.makesEventIds. */
  readonly makesEventIds?: boolean;
  /** As EventLog.appendBatch. */
  appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]>;
  /** As EventLog.readStreamPage. */
  readStreamPage(query: StreamPageQuery): Promise<StoredEvent[]>;
  /** The events of EventLog.readAllPage, without `readThrough`. */
  readAllPage(query: AllPageQuery): Promise<StoredEvent[]>;
  /** As EventLog.getEvent. */
  getEvent(id: string): Promise<StoredEvent | undefined>;
  /** As EventLog.headPosition. */
  headPosition(): Promise<number>;
  /** As EventLog.streamInfo. */
  streamInfo(stream: string): Promise<StreamInfo>;
  /** As EventLog.deleteStream. */
  deleteStream(stream: string, mode: Exclude<DeletedState, false>, expectedRevision: ExpectedRevision): Promise<void>;
  /** As EventLog.truncateStream. */
  truncateStream(stream: string, before: number): Promise<void>;
  /** As SnapshotStore.save. */
  saveSnapshot(stream: string, snapshot: StoredSnapshot): Promise<void>;
  /** As SnapshotStore.load. */
  loadSnapshot(stream: string): Promise<StoredSnapshot | undefined>;
  /** As CommitSignal.watch; absent where only this object writes. */
  watchExternalCommits?(listener: () => void): () => void;
  /** As Backend.close. */
  close(): Promise<void>;
}

/**
 * A StorageAdapter seen as a Backend of parts. Its pages vouch only for the events they hold
 * (`readThrough` is the last one's position), so a filtered subscription on it moves on only
 * when an event matches.
 * @deprecated Build the parts of a Backend directly (docs/adapters.md).
 */
export function backendOfStorageAdapter(adapter: StorageAdapter): Backend {
  const log: EventLog = {
    capabilities: adapter.capabilities,
    makesEventIds: adapter.makesEventIds,
    appendBatch: (batch) => adapter.appendBatch(batch),
    readStreamPage: (query) => adapter.readStreamPage(query),
    readAllPage: async (query) => {
      if (query.partition !== undefined) return partitionPage(adapter, query, query.partition);
      const events = await adapter.readAllPage(query);
      return { events, readThrough: Math.max(query.after, events[events.length - 1]?.position ?? 0) };
    },
    getEvent: (id) => adapter.getEvent(id),
    headPosition: () => adapter.headPosition(),
    streamInfo: (stream) => adapter.streamInfo(stream),
    deleteStream: (stream, mode, expected) => adapter.deleteStream(stream, mode, expected),
    truncateStream: (stream, before) => adapter.truncateStream(stream, before),
  };
  const watch = adapter.watchExternalCommits?.bind(adapter);
  return {
    name: adapter.name,
    durability: adapter.durability,
    get schema() {
      return adapter.schema;
    },
    parts: {
      log,
      snapshots: { save: (stream, snapshot) => adapter.saveSnapshot(stream, snapshot), load: (stream) => adapter.loadSnapshot(stream) },
      ...(watch ? { commits: { watch } } : {}),
    },
    close: () => adapter.close(),
  };
}

/** Whether `value` is a Backend of parts rather than a StorageAdapter. */
export function isBackend(value: Backend | StorageAdapter): value is Backend {
  return typeof (value as Backend).parts === 'object' && (value as Backend).parts !== null;
}

/**
 * A page of one partition from a StorageAdapter, which may have been written before partitions
 * and ignore the option (handing out every stream's events: each member of a consumer group
 * would apply them all). Its pages are filtered here too, and read on until `limit` events match
 * or a short page reaches the end of the log, so that a short page still means the head; one
 * adapter page is held at a time.
 */
async function partitionPage(adapter: StorageAdapter, query: AllPageQuery, partition: LogPartition): Promise<{ events: StoredEvent[]; readThrough: number }> {
  const events: StoredEvent[] = [];
  let after = query.after;
  for (;;) {
    const page = await adapter.readAllPage({ ...query, after });
    for (const event of page) {
      if (!matchesFilter(event, { partition })) continue;
      events.push(event);
      if (events.length === query.limit) return { events, readThrough: event.position };
    }
    after = Math.max(after, page[page.length - 1]?.position ?? 0);
    if (page.length < query.limit) return { events, readThrough: after };
  }
}
