/**
 * The event store and its types, `openStore`, the errors, the command side (deciders,
 * `handleCommand`, `loadState`), event schemas, and the memory backend.
 * @module annals
 */
export * from './core/types.js';
export * from './core/errors.js';
export { categoryOf, DEFAULT_MAX_EVENT_BYTES, MAX_STREAM_NAME_LENGTH } from './core/validate.js';
export { MAX_PARTITIONS, partitionOf, type LogPartition } from './core/partition.js';
export {
  EventStore,
  DEFAULT_PAGE_SIZE,
  type AppendCommitted,
  type AppendFailed,
  type AppendOutcome,
  type EventStoreOptions,
  type InlineAttachment,
  type InlineFunction,
  type StoreCapabilities,
} from './core/event-store.js';
export type { SubscriptionPage } from './core/subscription.js';
export { Wakeup } from './core/wakeup.js';
export type { Snapshot, SnapshotInput, StoredSnapshot } from './core/snapshot.js';
export { openStore, SUPPORTED_URLS, type OpenStoreOptions } from './core/open-store.js';
export { MemoryAdapter, MemoryBackend, openMemory } from './adapters/memory/index.js';
// What an adapter author needs is in 'annals/adapter'; these types are also here, for code that imports them from 'annals'.
export type { DocumentsRead, InlineApply, InlineHost, InlineReads, Replication } from './backend/parts.js';
export type { SyncReadModels } from './readmodel/read-model-store.js';
export type { Backend, BackendParts, PartName, Capabilities, Durability, PreparedAppend, StoredEvent, StreamPageQuery, AllPageQuery, AllPage } from './backend/parts.js';
export type { StorageAdapter } from './backend/storage-adapter.js';
export type { PreparedEvent } from './core/validate.js';
export * from './command/index.js';
export {
  defineEvents,
  isEventSchemas,
  SCHEMA_VERSION_KEY,
  type DefineEventsOptions,
  type EventSchemas,
  type EventsOf,
  type EventTypeDefinition,
  type EventTypeSchema,
  type Upcaster,
  type UpcastContext,
} from './schemas/event-schemas.js';
export { checkEvent, upcastEvent, type EventCheck } from './schemas/upcast.js';
export type { StandardSchemaV1, SchemaIssue } from './schemas/standard-schema.js';
// The query side: projections fold events into read models; queries read them.
export * from './projection/index.js';
export * from './query/index.js';
export { ReadModels, Collection, defaultConsistencyTimeoutMs, type Consistency } from './readmodel/read-models.js';
export type { Condition, FindOptions, FindPage, FoundDocument, Range, Where } from './readmodel/find.js';
export type { DeadLetter, GroupKey, GroupMember, GroupMembers, IndexDeclarations, IndexKind, IndexValue } from './readmodel/types.js';
export type { KeyedState, ReadModelStore } from './readmodel/read-model-store.js';
