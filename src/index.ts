export * from './events/types.js';
export * from './events/errors.js';
export { categoryOf, MAX_STREAM_NAME_LENGTH } from './events/validate.js';
export { EventStore, DEFAULT_PAGE_SIZE, type EventStoreOptions } from './store/event-store.js';
export type { Snapshot, SnapshotInput, StoredSnapshot } from './store/snapshot.js';
export { openStore, SUPPORTED_URLS, type OpenStoreOptions } from './store/open-store.js';
export { MemoryAdapter } from './store/memory-adapter.js';
export type { StorageAdapter, Capabilities, PreparedAppend, StoredEvent, StreamPageQuery, AllPageQuery } from './store/adapter.js';
export type { PreparedEvent } from './events/validate.js';
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
} from './events/event-schemas.js';
export { checkEvent, upcastEvent, type EventCheck } from './events/upcast.js';
export type { StandardSchemaV1, SchemaIssue } from './events/standard-schema.js';
