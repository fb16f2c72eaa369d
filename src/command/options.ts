import { InvalidArgumentError, type WrongExpectedRevisionError } from '../core/errors.js';
import type { EventMetadata } from '../core/types.js';
import { DEFAULT_BACKOFF, type Backoff } from './backoff.js';

/** Options of `handleCommand` and `CommandHandler.handle`: idempotency, metadata, retries, hooks. */
export interface HandleCommandOptions {
  /**
   * The command's id, which makes handling it idempotent: its events get ids derived from it and
   * carry it as `causationId`. Default: the command's own `commandId` field, when it is a string.
   */
  readonly commandId?: string;
  /** Written as `correlationId` on every event. Default: the command id (when there is one). */
  readonly correlationId?: string;
  /** More metadata for every event (the decider's own metadata and the two ids take precedence). */
  readonly metadata?: EventMetadata;
  /** Conflicts (WrongExpectedRevisionError) retried before the last one is thrown. Default 5. */
  readonly maxRetries?: number;
  /** The jittered exponential wait between retries. Default { initialMs: 10, maxMs: 1000 }. */
  readonly backoff?: Backoff;
  /** Called on each conflict before the retry (or before it is thrown): for logs and metrics. */
  readonly onConflict?: (error: WrongExpectedRevisionError, attempt: number) => void;
  /**
   * Called when saving a snapshot failed after the command's events were appended (the command
   * still succeeds: its events are committed, and a later command saves again). Default: ignored.
   */
  readonly onSnapshotError?: (error: unknown, stream: string) => void;
  /**
   * Commands on one stream handled through one store object wait for each other, in order of
   * arrival, instead of racing: the default (`true`, or `{ maxWaiting }` to bound the wait
   * differently). `false`: the command races, as commands of other processes do.
   */
  readonly queue?: boolean | QueueOptions;
}

/** The `queue` option of handleCommand: how commands on one stream wait for their turn. */
export interface QueueOptions {
  /**
   * Commands that may wait behind the one being handled on a stream; one more is refused at
   * once with CommandQueueFullError (`ANNALS_COMMAND_QUEUE_FULL`). Default 1,000; 0: never wait.
   */
  readonly maxWaiting?: number;
}

/** The conflicts handleCommand retries when `maxRetries` is not given. */
export const DEFAULT_MAX_RETRIES = 5;
/** The commands that may wait behind the one being handled on a stream, when `queue.maxWaiting` is not given. */
export const DEFAULT_MAX_WAITING = 1_000;

export interface ResolvedOptions {
  readonly commandId: string | undefined;
  /** Metadata for every event, under the decider's own. */
  readonly baseMetadata: EventMetadata;
  /** correlationId and causationId, over everything else. */
  readonly ids: EventMetadata;
  readonly maxRetries: number;
  readonly backoff: Required<Backoff>;
  readonly onConflict: ((error: WrongExpectedRevisionError, attempt: number) => void) | undefined;
  readonly onSnapshotError: ((error: unknown, stream: string) => void) | undefined;
  /** The queue's bound, or undefined when the command races (`queue: false`). */
  readonly queue: { readonly maxWaiting: number } | undefined;
}

/** Checks the options and fills in the defaults; bad options throw ANNALS_INVALID_ARGUMENT before anything is read. */
export function resolveOptions(command: unknown, options: HandleCommandOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('handleCommand options', options, 'an options object, or nothing');
  const commandId = options.commandId ?? commandIdField(command);
  if (commandId !== undefined && (typeof commandId !== 'string' || commandId.length === 0)) {
    throw new InvalidArgumentError('commandId', commandId, 'a non-empty string');
  }
  const correlationId = options.correlationId ?? commandId;
  if (correlationId !== undefined && typeof correlationId !== 'string') throw new InvalidArgumentError('correlationId', correlationId, 'a string');
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) throw new InvalidArgumentError('maxRetries', maxRetries, 'an integer >= 0');
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  for (const key of ['initialMs', 'maxMs'] as const) {
    if (!Number.isFinite(backoff[key]) || backoff[key] < 0) throw new InvalidArgumentError(`backoff.${key}`, backoff[key], 'a number of milliseconds >= 0');
  }
  const queue = resolveQueue(options.queue);
  const ids: { correlationId?: string; causationId?: string } = {};
  if (correlationId !== undefined) ids.correlationId = correlationId;
  if (commandId !== undefined) ids.causationId = commandId;
  return { commandId, baseMetadata: { ...options.metadata }, ids, maxRetries, backoff, onConflict: options.onConflict, onSnapshotError: options.onSnapshotError, queue };
}

function resolveQueue(queue: HandleCommandOptions['queue']): ResolvedOptions['queue'] {
  if (queue === false) return undefined;
  if (queue === undefined || queue === true) return { maxWaiting: DEFAULT_MAX_WAITING };
  if (typeof queue !== 'object' || queue === null) throw new InvalidArgumentError('queue', queue, 'true, false, or { maxWaiting }');
  const maxWaiting = queue.maxWaiting ?? DEFAULT_MAX_WAITING;
  if (!Number.isSafeInteger(maxWaiting) || maxWaiting < 0) throw new InvalidArgumentError('queue.maxWaiting', maxWaiting, 'an integer >= 0');
  return { maxWaiting };
}

/** A command may carry its id in a `commandId` field (not `id`, which commands often use for the entity). */
function commandIdField(command: unknown): string | undefined {
  if (typeof command !== 'object' || command === null || !('commandId' in command)) return undefined;
  const { commandId } = command as { commandId: unknown };
  if (commandId === undefined) return undefined;
  if (typeof commandId !== 'string' || commandId.length === 0) throw new InvalidArgumentError('command.commandId', commandId, 'a non-empty string');
  return commandId;
}
