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

/**
 * The single interface backends implemented before they were split into parts.
 * @deprecated Build a Backend of parts instead (docs/adapters.md); `new EventStore(adapter)`
 * still accepts one of these and wraps it with `backendOfStorageAdapter`.
 */
export interface StorageAdapter {
  readonly name: string;
  readonly capabilities: Capabilities & { readonly crossProcessNotifications?: boolean };
  readonly durability: Durability;
  readonly schema?: SchemaState;
  readonly makesEventIds?: boolean;
  appendBatch(batch: readonly PreparedAppend[]): Promise<AppendResult[]>;
  readStreamPage(query: StreamPageQuery): Promise<StoredEvent[]>;
  readAllPage(query: AllPageQuery): Promise<StoredEvent[]>;
  getEvent(id: string): Promise<StoredEvent | undefined>;
  headPosition(): Promise<number>;
  streamInfo(stream: string): Promise<StreamInfo>;
  deleteStream(stream: string, mode: Exclude<DeletedState, false>, expectedRevision: ExpectedRevision): Promise<void>;
  truncateStream(stream: string, before: number): Promise<void>;
  saveSnapshot(stream: string, snapshot: StoredSnapshot): Promise<void>;
  loadSnapshot(stream: string): Promise<StoredSnapshot | undefined>;
  watchExternalCommits?(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * A StorageAdapter seen as a Backend of parts. Its pages vouch only for the events they hold
 * (`readThrough` is the last one's position), so a filtered subscription on it moves on only
 * when an event matches.
 * @deprecated For adapters written before the split; new ones build their parts directly.
 */
export function backendOfStorageAdapter(adapter: StorageAdapter): Backend {
  const log: EventLog = {
    capabilities: adapter.capabilities,
    makesEventIds: adapter.makesEventIds,
    appendBatch: (batch) => adapter.appendBatch(batch),
    readStreamPage: (query) => adapter.readStreamPage(query),
    readAllPage: async (query) => {
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
