import { DuplicateEventIdError, InvalidArgumentError, WrongExpectedRevisionError } from '../core/errors.js';
import type { AppendResult, EventInput, JsonValue, RecordedEvent } from '../core/types.js';
import { waitBeforeRetry } from './backoff.js';
import { foldEvents, type DecidedEvent, type Decider } from './decider.js';
import { commandEventId } from './event-ids.js';
import { findHandledCommand } from './handled-command.js';
import { keepsSnapshots, loadState, toDecidedEvent, type CommandStore, type LoadedState } from './load-state.js';
import { resolveOptions, type HandleCommandOptions, type ResolvedOptions } from './options.js';
import type { CommandResult, RecordedOf } from './result.js';
import { resolveSnapshotPolicy, shouldSnapshot, type ResolvedSnapshotPolicy } from './snapshot-policy.js';
import { takeTurn } from './stream-queue.js';

/**
 * Handles one command on one stream: folds the stream into the decider's state, decides, and
 * appends the decided events with the exact revision it loaded ('no_stream' for a stream without
 * events). When another writer got there first (WrongExpectedRevisionError), it waits a jittered,
 * growing time, reloads and decides again, up to `maxRetries` times, then throws the last conflict.
 *
 * - Commands on one stream handled through the same store object take turns, in the order of
 *   the calls (stream-queue.ts), so they never conflict with each other; other processes and
 *   other store objects are still caught by the expected revision. `queue: false` races instead.
 * - Errors thrown by `decide` (domain refusals) reach the caller unchanged; nothing is appended.
 * - A decision without events appends nothing and returns the loaded state and revision, with
 *   `position: undefined`.
 * - With a command id (option `commandId`, or a `commandId` field on the command), the events get
 *   ids derived from it and `causationId` = the id; handling the same command again on the same
 *   stream appends nothing and returns the original result, even after the stream moved on.
 */
export async function handleCommand<State, Command, Event extends DecidedEvent>(
  store: CommandStore,
  decider: Decider<State, Command, Event>,
  stream: string,
  command: Command,
  options?: HandleCommandOptions,
): Promise<CommandResult<State, Event>> {
  if (typeof store !== 'object' || store === null) throw new InvalidArgumentError('store', store, 'an EventStore, or an object with its readStream, append, getEvent and streamInfo');
  const resolved = resolveOptions(command, options);
  const policy = resolveSnapshotPolicy(decider.snapshot);
  const run = () => decideAndAppend(store, decider, stream, command, resolved, policy);
  // Queued in this synchronous step, so that commands take their turns in the order of these calls.
  return resolved.queue === undefined ? run() : takeTurn(store, stream, resolved.queue.maxWaiting, run);
}

/** One command's turn: the load, decide, append loop, retried on conflict; the snapshot saved before the turn ends. */
async function decideAndAppend<State, Command, Event extends DecidedEvent>(
  store: CommandStore,
  decider: Decider<State, Command, Event>,
  stream: string,
  command: Command,
  resolved: ResolvedOptions,
  policy: ResolvedSnapshotPolicy<State, Event> | undefined,
): Promise<CommandResult<State, Event>> {
  const { commandId, maxRetries } = resolved;
  for (let attempt = 1; ; attempt++) {
    if (commandId !== undefined) {
      const handled = await findHandledCommand(store, decider, stream, commandId);
      if (handled) return handled;
    }
    const loaded = await loadState(store, decider, stream, policy && { snapshotVersion: policy.version });
    const decided = decider.decide(command, loaded.state);
    if (!Array.isArray(decided)) throw new InvalidArgumentError('the result of decide', decided, 'an array of events ([] for none)');
    if (decided.length === 0) return { events: [], state: loaded.state, streamRevision: loaded.revision, position: undefined };
    const inputs = decided.map((event, index) => toEventInput(event, stream, index, resolved));
    try {
      const appended = await store.append(stream, inputs, { expectedRevision: loaded.expectedRevision });
      const events = await readAppended(store, appended, inputs.length);
      // Folded from the events as recorded, so the state is exactly what a reload gives.
      const folded = events.length === decided.length ? events.map((e) => toDecidedEvent<Event>(e)) : decided;
      const state = foldEvents(decider, folded, loaded.state);
      if (policy) await snapshotAfter(store, decider, policy, stream, loaded, folded, { revision: appended.streamRevision, state }, resolved);
      return { events: events as unknown as RecordedOf<Event>[], state, ...positionOf(appended) };
    } catch (error) {
      // The same command, handled at the same time by another caller, was written first:
      // the next turn finds it and returns its result.
      if (commandId !== undefined && error instanceof DuplicateEventIdError && error.existing?.stream === stream && attempt <= maxRetries) continue;
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      resolved.onConflict?.(error, attempt);
      if (attempt > maxRetries) throw error;
      await waitBeforeRetry(attempt, resolved.backoff);
    }
  }
}

/**
 * Saves a snapshot after an append when the policy says so. The events are committed by now, so
 * a failed save does not fail the command (its caller might retry it and append twice): the
 * error goes to `onSnapshotError`, and the next command tries again.
 */
async function snapshotAfter<State, Event extends DecidedEvent>(
  store: CommandStore,
  decider: Pick<Decider<State, unknown, Event>, 'evolve'>,
  policy: ResolvedSnapshotPolicy<State, Event>,
  stream: string,
  loaded: LoadedState<State>,
  appended: readonly Event[],
  { revision, state }: { readonly revision: number; readonly state: State },
  options: ResolvedOptions,
): Promise<void> {
  if (store.saveSnapshot === undefined || !keepsSnapshots(store)) return;
  // The state after each new event, for `when` only (`every` needs none of them).
  let step = loaded.state;
  const steps = policy.when === undefined ? [] : appended.map((event) => ({ state: (step = decider.evolve(step, event)), event }));
  if (!shouldSnapshot(policy, loaded.snapshotRevision, revision, steps)) return;
  try {
    await store.saveSnapshot(stream, { revision, version: policy.version, state });
  } catch (error) {
    options.onSnapshotError?.(error, stream);
  }
}

function toEventInput(event: DecidedEvent, stream: string, index: number, options: ResolvedOptions): EventInput {
  if (typeof event !== 'object' || event === null) throw new InvalidArgumentError(`decided event #${index}`, event, 'an event { type, data?, metadata? }');
  const input: { -readonly [K in keyof EventInput]: EventInput[K] } = {
    type: event.type,
    metadata: { ...options.baseMetadata, ...event.metadata, ...options.ids },
  };
  if (event.data !== undefined) input.data = event.data as JsonValue;
  if (options.commandId !== undefined) input.id = commandEventId(stream, options.commandId, index);
  return input;
}

/** The events just appended, as recorded: the last `count` revisions up to the append's. */
async function readAppended(store: CommandStore, appended: AppendResult, count: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(appended.stream, { fromRevision: appended.streamRevision - count + 1, maxCount: count })) {
    events.push(event);
  }
  return events;
}

function positionOf(appended: AppendResult): { streamRevision: number; position: number } {
  return { streamRevision: appended.streamRevision, position: appended.position };
}
