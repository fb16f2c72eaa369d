import { InvalidArgumentError } from '../core/errors.js';
import type { DecidedEvent } from './decider.js';

/**
 * When a decider's state is snapshotted. Opt-in: a decider without `snapshot` folds its whole
 * stream on every command.
 */
export interface SnapshotPolicy<State, Event extends DecidedEvent> {
  /**
   * The version of the state's shape. A stored snapshot of another version is ignored (and
   * replaced by the next save): change it whenever `evolve` or the state's shape changes.
   */
  readonly version: string | number;
  /** Save a snapshot once this many events were appended since the last one. Default 100 when `when` is not given. */
  readonly every?: number;
  /** Save a snapshot after an appended event for which this returns true (the state includes the event). */
  readonly when?: (state: State, event: Event) => boolean;
}

/** The events between snapshots when a policy gives neither `every` nor `when`. */
export const DEFAULT_SNAPSHOT_EVERY = 100;

export interface ResolvedSnapshotPolicy<State, Event extends DecidedEvent> {
  readonly version: string | number;
  readonly every: number | undefined;
  readonly when: ((state: State, event: Event) => boolean) | undefined;
}

/** Checks a decider's snapshot policy before anything is read; undefined when it has none. */
export function resolveSnapshotPolicy<State, Event extends DecidedEvent>(
  policy: SnapshotPolicy<State, Event> | undefined,
): ResolvedSnapshotPolicy<State, Event> | undefined {
  if (policy === undefined) return undefined;
  if (typeof policy !== 'object' || policy === null) throw new InvalidArgumentError('decider.snapshot', policy, 'an object { version, every?, when? }');
  const { version, every, when } = policy;
  const validVersion = (typeof version === 'string' && version.length > 0) || (typeof version === 'number' && Number.isSafeInteger(version));
  if (!validVersion) throw new InvalidArgumentError('decider.snapshot.version', version, 'a non-empty string or an integer');
  if (every !== undefined && (!Number.isSafeInteger(every) || every < 1)) throw new InvalidArgumentError('decider.snapshot.every', every, 'an integer >= 1');
  if (when !== undefined && typeof when !== 'function') throw new InvalidArgumentError('decider.snapshot.when', when, 'a function (state, event) => boolean');
  return { version, every: every ?? (when === undefined ? DEFAULT_SNAPSHOT_EVERY : undefined), when };
}

/**
 * Whether to save after an append: `every` events have passed since the last snapshot
 * (`snapshotRevision`, -1 when there is none usable), or `when` holds after one of the new events.
 */
export function shouldSnapshot<State, Event extends DecidedEvent>(
  policy: ResolvedSnapshotPolicy<State, Event>,
  snapshotRevision: number,
  revision: number,
  steps: readonly { readonly state: State; readonly event: Event }[],
): boolean {
  if (policy.every !== undefined && revision - snapshotRevision >= policy.every) return true;
  return policy.when !== undefined && steps.some(({ state, event }) => policy.when!(state, event));
}
