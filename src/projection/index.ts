export { defineProjection, type CollectionDeclaration, type DocumentRef, type EventSelection, type Projection, type ProjectionDefinition } from './define-projection.js';
export type { ProjectionSession } from './session.js';
export { keyedProjection, streamProjection, type KeyedProjectionDefinition, type StreamProjectionDefinition } from './shapes.js';
export { runProjections, RunningProjections, type ProjectionRegistration, type RunProjectionsOptions } from './run-projections.js';
export { ProjectionRunner, type RunnerError, type RunnerPlacement, type RunnerState } from './runner.js';
export { GroupMembership, assignedPartitions } from './group.js';
export { DEFAULT_PARTITION_COUNT, type PartitionDeclaration, type Partitioning } from './partitions.js';
export { DEFAULT_LEASE_TTL_MS, type RunnerOptions } from './options.js';
export { projectionStatus, type MemberStatus, type PartitionStatus, type ProjectionLag, type ProjectionLease, type ProjectionStatus } from './status.js';
export {
  dropDeadLetters,
  listDeadLetters,
  retryDeadLetters,
  type DeadLetterOperationOptions,
  type DropDeadLettersOptions,
  type DropDeadLettersResult,
  type DropDeadLettersSelection,
  type ListDeadLettersOptions,
  type RetryDeadLettersOptions,
  type RetryDeadLettersResult,
  type RetryDeadLettersSelection,
} from './dead-letters.js';
export { defineReactor, isReactor, type ReactionContext, type Reactor, type ReactorDefinition } from './reactor.js';
export { dropGeneration, rebuildProjection, type RebuildOptions, type RebuildProgress, type RebuildResult } from './rebuild.js';
export { firstGeneration, generationsOf, versionOf, GENERATIONS_PER_VERSION, type Generations } from './generations.js';
