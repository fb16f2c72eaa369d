import { InvalidArgumentError, StreamDeletedError } from './errors.js';
import type { JsonValue, StreamInfo } from './types.js';
import { jsonProblem } from './validate.js';

/** What a caller saves: the state folded up to `revision`, tagged with the shape's `version`. */
export interface SnapshotInput<State = JsonValue> {
  /** The revision of the last event folded into `state`. */
  readonly revision: number;
  /** The version of the state's shape, chosen by its owner: a snapshot of another version is stale. */
  readonly version: string | number;
  /** The state folded from events 0 to `revision`, a JSON value. */
  readonly state: State;
}

/** A stream's snapshot as stored: what was saved, and when. */
export interface Snapshot<State = JsonValue> extends SnapshotInput<State> {
  /** When it was saved, by the saving process's clock. */
  readonly savedAt: Date;
}

/** A snapshot as a backend stores it: version and state as JSON text, the time as epoch milliseconds. */
export interface StoredSnapshot {
  /** The revision of the last event folded into the state. */
  readonly revision: number;
  /** JSON text of the version, so that `1` and `'1'` stay apart. */
  readonly version: string;
  /** JSON text of the state. */
  readonly state: string;
  /** When it was saved, in milliseconds since the epoch. */
  readonly savedAt: number;
}

/** Checks a snapshot's shape before anything is read or written, and serialises it. */
export function prepareSnapshot(input: unknown): StoredSnapshot {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError('snapshot', input, 'an object { revision, version, state }');
  }
  const { revision, version, state } = input as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['revision', 'version', 'state'].includes(key)) throw new InvalidArgumentError(`snapshot.${key}`, key, 'only revision, version and state');
  }
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new InvalidArgumentError('snapshot.revision', revision, 'the revision of the last event folded into the state (an integer >= 0)');
  }
  const validVersion = (typeof version === 'string' && version.length > 0) || (typeof version === 'number' && Number.isSafeInteger(version));
  if (!validVersion) throw new InvalidArgumentError('snapshot.version', version, 'a non-empty string or an integer');
  const problem = jsonProblem(state, 'snapshot.state');
  if (problem) throw new InvalidArgumentError(problem.path, state, `JSON (${problem.reason})`);
  return { revision, version: JSON.stringify(version), state: JSON.stringify(state), savedAt: Date.now() };
}

/**
 * A snapshot may only describe events the stream holds: a live stream, a revision it has reached,
 * and not one that truncation already removed (truncation past a snapshot removes it).
 */
export function assertSnapshotFits(info: StreamInfo, revision: number): void {
  if (info.deleted === 'hard') throw new StreamDeletedError(info.stream);
  if (!info.exists || revision > info.revision) {
    throw new InvalidArgumentError('snapshot.revision', revision, `a revision the stream "${info.stream}" has reached (its revision is ${info.exists ? info.revision : 'none: it has no events'})`);
  }
  if (revision < info.truncatedBefore) {
    throw new InvalidArgumentError('snapshot.revision', revision, `a revision at or after the truncation point of "${info.stream}" (${info.truncatedBefore})`);
  }
}

export function decodeSnapshot(stored: StoredSnapshot): Snapshot {
  return {
    revision: stored.revision,
    version: JSON.parse(stored.version) as string | number,
    state: JSON.parse(stored.state) as JsonValue,
    savedAt: new Date(stored.savedAt),
  };
}
