/**
 * What an adapter author needs to build a backend of parts: the part interfaces, the stream
 * rules, refusals, watchers, migrations and URL options (docs/adapters.md).
 * @module annals/adapter
 */
export {
  ALL_CAPABILITIES,
  requirePart,
  type AllPage,
  type AllPageQuery,
  type Backend,
  type BackendParts,
  type Capabilities,
  type CommitSignal,
  type Durability,
  type EventLog,
  type PartitionIndexes,
  type PartName,
  type PreparedAppend,
  type SnapshotStore,
  type StoredEvent,
  type StreamPageQuery,
} from './parts.js';
export {
  actualRevision,
  checkExpectedRevision,
  hardDeleted,
  NO_STREAM,
  planAppend,
  planDelete,
  planTruncate,
  softDeleted,
  type AppendPlan,
  type DeletePlan,
  type RecordedId,
  type StreamState,
} from './stream-rules.js';
export { NETWORK_ERROR_CODES, refusalError, truncateBeyondEnd, type Refusal } from './refusals.js';
export { Watchers } from './watchers.js';
export { matchesFilter, type EventFilter } from './filter.js';
export { latestVersion, pendingMigrations, type Migration, type SchemaState } from './migrations.js';
export { assertPositiveIntegers, takeUrlOptions, type UrlOptionKind, type UrlOptionSpec } from './url-options.js';
export { backendOfStorageAdapter, type StorageAdapter } from './storage-adapter.js';
export { EventStore, checkStoreOptions, type EventStoreOptions } from '../core/event-store.js';
export type { PreparedEvent } from '../core/validate.js';
export type { AppendResult, DeletedState, Direction, ExpectedRevision, ReplicaLag, StreamInfo } from '../core/types.js';
// The errors a backend raises itself (others come from the rules and refusals above).
export { AnnalsError, InvalidArgumentError, NotSupportedError, ReadOnlyStoreError, StandbyError, StoreUnavailableError } from '../core/errors.js';
export type { StoredSnapshot } from '../core/snapshot.js';
// The read-model part: the query store's interface, what its methods take, and the one error it raises.
export type { KeyedState, ReadModelStore, SyncReadModels } from '../readmodel/read-model-store.js';
export type { DocumentsRead, InlineApply, InlineHost, InlineReads, Replication } from './parts.js';
export type {
  CollectionSpec,
  DeadLetter,
  DocumentDelete,
  DocumentPut,
  DocumentWrite,
  FindCursor,
  GroupKey,
  GroupMember,
  GroupMembers,
  IndexDeclarations,
  IndexKind,
  IndexValue,
  LeaseAnswer,
  LeaseToken,
  ProjectionCommit,
  ProjectionKey,
  ProjectionState,
  StoredDocument,
  StoredFilter,
  StoredFind,
} from '../readmodel/types.js';
export { compareCodePoints, compareIndexValues } from '../readmodel/documents.js';
export { LeaseLostError } from '../core/errors.js';
