import type { EventStore } from '../core/event-store.js';
import { InvalidArgumentError } from '../core/errors.js';
import { assertStreamName } from '../core/validate.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { DeadLetter } from '../readmodel/types.js';
import { checkpointMoved, commitUnparking, readDeadLetters, underLease, type DeadLetterTarget, type HeldLease } from './dead-letter-target.js';
import type { Projection } from './define-projection.js';
import { keysInUse } from './key-in-use.js';
import { partitionKeys } from './partitions.js';
import { generationsOf } from './generations.js';
import { checkRunnerOptions } from './options.js';
import { retryParked, type RetryDeadLettersResult } from './retry-parked.js';
import type { ProjectionRunner } from './runner.js';

export type { RetryDeadLettersResult } from './retry-parked.js';

/** Options of `listDeadLetters`. */
export interface ListDeadLettersOptions {
  /** Only letters after this position (the last one of the previous page). Default 0. */
  readonly after?: number;
  /** At most this many (1 to 10,000). Default 100. */
  readonly limit?: number;
}

/** Options shared by `retryDeadLetters` and `dropDeadLetters`. */
export interface DeadLetterOperationOptions {
  /** Where the projection's read models live. Default: the event store's own database. */
  readonly readModels?: ReadModelStore;
  /** The name the operation takes the projection's lease under. Default `<host>:<pid>:<random>`. */
  readonly owner?: string;
  /** How long the operation's lease lasts without renewal, in ms (it renews it between commits). Default 10,000. */
  readonly leaseTtlMs?: number;
}

/** What to retry. */
export interface RetryDeadLettersSelection {
  /** Only the parked events of these streams. Default: every parked stream. */
  readonly streams?: readonly string[];
}

/** Options of `retryDeadLetters`. */
export interface RetryDeadLettersOptions extends DeadLetterOperationOptions, RetryDeadLettersSelection {}

/** What to drop: name streams, positions, or all of them (one is required). */
export interface DropDeadLettersSelection {
  /** Every parked event of these streams. */
  readonly streams?: readonly string[];
  /** The parked events at these positions. */
  readonly positions?: readonly number[];
  /** Every parked event of the projection. */
  readonly all?: boolean;
}

/** Options of `dropDeadLetters`. */
export interface DropDeadLettersOptions extends DeadLetterOperationOptions, DropDeadLettersSelection {}

/** What dropping dead letters came to. */
export interface DropDeadLettersResult {
  /** Dead letters removed. */
  readonly dropped: number;
  /** Streams left with no parked event: they flow again from their next event. */
  readonly streams: readonly string[];
}

/** A projection's parked events, in position order, a page at a time (from the state row its runner uses). */
export async function listDeadLetters(readModels: ReadModelStore, projection: Projection<any>, options: ListDeadLettersOptions = {}): Promise<DeadLetter[]> {
  const after = options.after ?? 0;
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(after) || after < 0) throw new InvalidArgumentError('after', after, 'a position: an integer >= 0');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidArgumentError('limit', limit, 'an integer from 1 to 10,000');
  const { keys } = await keysInUse(readModels, projection);
  if (keys.length === 1) return readModels.deadLetters(keys[0]!, after, limit);
  // A partitioned projection's letters, merged in position order, each with its partition.
  const pages = await Promise.all(keys.map(async (key) => (await readModels.deadLetters(key, after, limit)).map((letter) => ({ ...letter, partition: key.partition }))));
  return pages.flat().sort((a, b) => a.position - b.position).slice(0, limit);
}

/**
 * Applies a projection's parked events again (after its apply was fixed), each stream's in
 * position order, and un-parks what applied in the same commit as its writes: exactly once, and
 * a stream flows again once all its parked events applied. An event that fails again stays
 * parked, with its new error, and so do the later ones of its stream.
 *
 * No runner may apply or park the projection meanwhile, so the operation holds the projection's
 * lease; when a runner in another process holds it, it fails with ProjectionBusyError (retry
 * from that process with `running.retryDeadLetters(name)`, or stop it first).
 *
 * Events of a stream are folded in their order, but after the later events of other streams: a
 * keyed projection whose documents fold several streams' events in an order-dependent way may
 * end up otherwise than a rebuild would.
 * @throws ProjectionBusyError when another process holds the projection's lease.
 */
export async function retryDeadLetters(events: EventStore, projection: Projection<any>, options: RetryDeadLettersOptions = {}): Promise<RetryDeadLettersResult> {
  const { owner, leaseTtlMs } = checkRunnerOptions({ owner: options.owner, leaseTtlMs: options.leaseTtlMs });
  const streams = checkStreams(options.streams);
  const targets = await targetsOf(events, projection, options.readModels);
  return sumRetries(await eachWithLetters(targets, (target) => underLease(target, 'retry dead letters', owner, leaseTtlMs, (lease) => retryParked(target, lease, streams))));
}

/**
 * Removes dead letters without applying their events: a stream left with none flows again from
 * its next event, and the dropped events are never applied (until a rebuild). Holds the
 * projection's lease as `retryDeadLetters` does.
 * @throws ProjectionBusyError when another process holds the projection's lease.
 */
export async function dropDeadLetters(events: EventStore, projection: Projection<any>, options: DropDeadLettersOptions): Promise<DropDeadLettersResult> {
  const { owner, leaseTtlMs } = checkRunnerOptions({ owner: options?.owner, leaseTtlMs: options?.leaseTtlMs });
  const select = checkDropSelection(options);
  const targets = await targetsOf(events, projection, options.readModels);
  return sumDrops(await eachWithLetters(targets, (target) => underLease(target, 'drop dead letters', owner, leaseTtlMs, (lease) => dropParked(target, lease, select))));
}

/**
 * `retryDeadLetters` through this process's runners of the projection: each partition run here
 * between its runner's batches, under its lease when it holds it; then a partition no runner
 * here runs, under a lease taken for the operation (ProjectionBusyError while another member
 * holds it: retry from that member too).
 */
export async function retryWithRunners(events: EventStore, running: RunningHere, selection: RetryDeadLettersSelection = {}): Promise<RetryDeadLettersResult> {
  const streams = checkStreams(selection.streams);
  const { owner, leaseTtlMs } = checkRunnerOptions({});
  const targets = await runnerTargets(events, running);
  return sumRetries(await eachWithLetters(targets, (target) => underLease(target, 'retry dead letters', owner, leaseTtlMs, (lease) => retryParked(target, lease, streams))));
}

/** `dropDeadLetters` through this process's runners of the projection, as `retryWithRunners`. */
export async function dropWithRunners(events: EventStore, running: RunningHere, selection: DropDeadLettersSelection): Promise<DropDeadLettersResult> {
  const select = checkDropSelection(selection);
  const { owner, leaseTtlMs } = checkRunnerOptions({});
  const targets = await runnerTargets(events, running);
  return sumDrops(await eachWithLetters(targets, (target) => underLease(target, 'drop dead letters', owner, leaseTtlMs, (lease) => dropParked(target, lease, select))));
}

async function dropParked(target: DeadLetterTarget, lease: HeldLease, select: (letter: DeadLetter) => boolean): Promise<DropDeadLettersResult> {
  const { store, key } = target;
  for (let conflicts = 0; ; ) {
    const from = (await store.state(key))?.checkpoint ?? 0;
    const letters = await readDeadLetters(store, key, () => true);
    const chosen = letters.filter(select);
    if (chosen.length === 0) return { dropped: 0, streams: [] };
    const kept = new Set(letters.filter((letter) => !select(letter)).map((letter) => letter.stream));
    const flowing = [...new Set(chosen.map((letter) => letter.stream))].filter((stream) => !kept.has(stream));
    const unpark = chosen.map((letter) => letter.position);
    const commit = { key, from, checkpoint: from, lease: lease.token, ...(lease.ttlMs === undefined ? {} : { ttlMs: lease.ttlMs }), writes: [], unpark };
    try {
      await commitUnparking(target, commit, flowing);
      return { dropped: chosen.length, streams: flowing };
    } catch (error) {
      if (!checkpointMoved(error, lease.token) || ++conflicts > 20) throw error;
    }
  }
}

/** The state rows a dead-letter operation works on: one per partition (one for a projection that is not partitioned). */
async function targetsOf(events: EventStore, projection: Projection<any>, readModels: ReadModelStore | undefined): Promise<DeadLetterTarget[]> {
  if (typeof projection !== 'object' || projection === null || !(projection.specs instanceof Map)) {
    throw new InvalidArgumentError('projection', projection, 'a projection made by defineProjection, streamProjection, keyedProjection or defineReactor');
  }
  const store = readModels ?? events.readModelStore();
  const { keys, specs } = await keysInUse(store, projection);
  return keys.map((key) => ({ events, store, projection, key, specs }));
}

/**
 * Runs the operation on each target with dead letters, one after another (a partition with none
 * needs no lease, so a group's running members are not disturbed for it); the one target of a
 * projection that is not partitioned is always run.
 */
export async function eachWithLetters<T>(targets: readonly DeadLetterTarget[], operation: (target: DeadLetterTarget) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const target of targets) {
    if (targets.length > 1 && (await target.store.deadLetters(target.key, 0, 1)).length === 0) continue;
    results.push(await operation(target));
  }
  return results;
}

/** The retries of several partitions, as one result. */
export function sumRetries(results: readonly RetryDeadLettersResult[]): RetryDeadLettersResult {
  return {
    applied: results.reduce((sum, result) => sum + result.applied, 0),
    missing: results.reduce((sum, result) => sum + result.missing, 0),
    streams: results.flatMap((result) => result.streams),
    failed: results.flatMap((result) => result.failed),
    stillParked: results.reduce((sum, result) => sum + result.stillParked, 0),
  };
}

/** The drops of several partitions, as one result. */
export function sumDrops(results: readonly DropDeadLettersResult[]): DropDeadLettersResult {
  return { dropped: results.reduce((sum, result) => sum + result.dropped, 0), streams: results.flatMap((result) => result.streams) };
}

/** A projection this process runs: its read models, the generation its runners build, and its runners (a group member's: those of its partitions, maybe none). */
export interface RunningHere {
  readonly projection: Projection<any>;
  readonly store: ReadModelStore;
  /** Undefined before the runners learnt it: the generation a runner started now would build. */
  readonly generation: number | undefined;
  readonly runners: readonly ProjectionRunner[];
}

/**
 * The targets of a projection run here: each of its partitions at the runners' generation,
 * with this process's runner of it where there is one.
 */
async function runnerTargets(events: EventStore, { projection, store, generation, runners }: RunningHere): Promise<DeadLetterTarget[]> {
  const { current } = generation === undefined ? await generationsOf(store, projection) : { current: generation };
  const targets: DeadLetterTarget[] = partitionKeys(projection, current).map((key) => {
    const runner = runners.find((candidate) => candidate.partition === key.partition && candidate.generation === key.version);
    return { events, store, projection, key, specs: projection.specsAt(key.version), ...(runner ? { runner } : {}) };
  });
  // The partitions run here first: a partition another member holds refuses (ProjectionBusyError)
  // only after this member's own are done.
  return [...targets.filter((target) => target.runner !== undefined), ...targets.filter((target) => target.runner === undefined)];
}

function checkStreams(streams: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (streams === undefined) return undefined;
  if (!Array.isArray(streams)) throw new InvalidArgumentError('streams', streams, 'an array of stream names');
  return new Set(streams.map((stream) => assertStreamName(stream)));
}

function checkDropSelection(selection: DropDeadLettersSelection | undefined): (letter: DeadLetter) => boolean {
  const { streams, positions, all } = selection ?? {};
  const named = checkStreams(streams);
  if (positions !== undefined && (!Array.isArray(positions) || !positions.every((p) => Number.isSafeInteger(p) && p > 0))) {
    throw new InvalidArgumentError('positions', positions, 'an array of positions (integers >= 1)');
  }
  if (all !== undefined && typeof all !== 'boolean') throw new InvalidArgumentError('all', all, 'true or false');
  if (all === true) {
    if (named !== undefined || positions !== undefined) throw new InvalidArgumentError('all', all, 'all alone, without streams or positions');
    return () => true;
  }
  if (named === undefined && positions === undefined) throw new InvalidArgumentError('dead letters to drop', selection, '{ streams: [...] }, { positions: [...] } or { all: true }');
  const at = new Set(positions ?? []);
  return (letter) => (named?.has(letter.stream) ?? false) || at.has(letter.position);
}
