export { foldEvents, type AnyDecider, type CommandOf, type DecidedEvent, type Decider, type EventOf, type StateOf } from './decider.js';
export { handleCommand } from './handle-command.js';
export { CommandHandler } from './command-handler.js';
export { loadState, toDecidedEvent, type CommandStore, type LoadedState } from './load-state.js';
export { commandEventId, COMMAND_EVENT_ID_NAMESPACE } from './event-ids.js';
export { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
export { DEFAULT_MAX_RETRIES, DEFAULT_MAX_WAITING, type HandleCommandOptions, type QueueOptions } from './options.js';
export { DEFAULT_SNAPSHOT_EVERY, type SnapshotPolicy } from './snapshot-policy.js';
export type { CommandResult, RecordedOf } from './result.js';
