import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '../core/event-store.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { Projection } from './define-projection.js';
import { firstGeneration, generationsOf, versionOf } from './generations.js';
import { checkRunnerOptions, type RunnerOptions } from './options.js';
import { ProjectionRunner } from './runner.js';
import { GroupMembership } from './group.js';
import { generationCheckpoint, partitionKeys } from './partitions.js';
import type { ProjectionKey } from '../readmodel/types.js';
import { checkpointSignal } from './checkpoint-signal.js';

/** How far a rebuild has come, as `onProgress` gets it. */
export interface RebuildProgress {
  /** The generation being built. */
  readonly generation: number;
  /** The position the new generation covers. */
  readonly checkpoint: number;
  /** The head of the log. */
  readonly head: number;
  /** Positions covered per second since the rebuild began. */
  readonly positionsPerSecond: number;
  /** Seconds left at that rate; undefined before there is a rate. */
  readonly etaSeconds: number | undefined;
}

/** Options of `rebuildProjection`. */
export interface RebuildOptions extends RunnerOptions {
  /** Where the projection's read models live. Default: the event store's own database. */
  readonly readModels?: ReadModelStore;
  /** Called about every `progressIntervalMs` while the new generation catches up. */
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** How often `onProgress` is called, in ms. Default 250. */
  readonly progressIntervalMs?: number;
  /** Drop the previous live generation's collections after the switch. Default false (drop it later with dropGeneration). */
  readonly dropPrevious?: boolean;
  /** Stops the rebuild (nothing is promoted; the half-built generation stays, unused). */
  readonly signal?: AbortSignal;
}

/** What a rebuild did. */
export interface RebuildResult {
  /** The generation that was live before (undefined when none was). */
  readonly previous: number | undefined;
  /** The generation built and made live. */
  readonly generation: number;
  /** Its checkpoint when it was made live. */
  readonly checkpoint: number;
  /** How long it took, in seconds. */
  readonly seconds: number;
}

/**
 * Rebuilds a projection with zero downtime (blue/green): builds the next generation of the
 * projection's version from the start of the log, beside the live one, which keeps serving
 * queries (and keeps being updated by the running application) meanwhile; once the new one has
 * caught up with the live one, makes it live in one atomic switch. Runners of this version in
 * running processes then move to it by themselves; queries read it from the switch on. A
 * projection whose version changed is built at its new version's first generation.
 * @throws InvalidArgumentError when the version has used all of its 100 generations, or another
 * rebuild switched the live generation first (nothing was switched; the new one stays, unused).
 */
export async function rebuildProjection(events: EventStore, projection: Projection<any>, options: RebuildOptions = {}): Promise<RebuildResult> {
  const started = Date.now();
  const store = options.readModels ?? events.readModelStore();
  const checked = checkRunnerOptions(options);
  const { live, own } = await generationsOf(store, projection);
  const generation = await nextGeneration(store, projection, live, own);
  // A partitioned projection is built by a group of this process alone: it takes every partition.
  const runner =
    projection.partitions === undefined ? new ProjectionRunner(events, store, projection, checked, { generation }).start() : new GroupMembership(events, store, projection, checked, generation).start();
  const checkpointOf = (version: number) => generationCheckpoint(store, projection, version);
  const timer = reportProgress(events, generation, () => checkpointOf(generation), options, started);
  try {
    await Promise.race([runner.caughtUp(), aborted(options.signal)]);
    // Catch up with the live generation too (it moves on while the application runs), so the
    // switch never shows readers an older state than the one they saw.
    for (let tries = 0; live !== undefined && tries < 100 && !options.signal?.aborted; tries++) {
      const [mine, theirs] = await Promise.all([checkpointOf(generation), checkpointOf(live)]);
      if (mine >= theirs) break;
      await sleep(20);
    }
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('rebuild aborted');
    const checkpoint = await checkpointOf(generation);
    if (!(await store.promote(projection.name, generation, live))) {
      throw new InvalidArgumentError('live generation', live, `generation ${live} still live when the rebuild finished, but another rebuild switched it first: run the rebuild again`);
    }
    checkpointSignal(store).bump(); // runners of this process move to it at once (others: through the store's watch)
    if (options.dropPrevious && live !== undefined) await store.drop([...projection.specsAt(live).values()]);
    return { previous: live, generation, checkpoint, seconds: (Date.now() - started) / 1000 };
  } finally {
    clearInterval(timer);
    await runner.stop();
  }
}

/**
 * The generation a rebuild builds: the next after the newest of the version's; once the version's
 * 100 are used, the oldest that is not live, emptied first (its collections, dead letters and
 * checkpoint), under its lease so that no runner writes to it meanwhile.
 */
async function nextGeneration(store: ReadModelStore, projection: Projection<any>, live: number | undefined, own: readonly number[]): Promise<number> {
  const newest = Math.max(own.at(-1) ?? -1, live !== undefined && versionOf(live) === projection.version ? live : -1);
  const next = newest < 0 ? firstGeneration(projection.version) : newest + 1;
  if (versionOf(next) === projection.version) return next;
  const reused = own.find((generation) => generation !== live);
  if (reused === undefined) {
    throw new InvalidArgumentError('projection version', projection.version, `a version with a generation that is not live (version ${projection.version} has used its 100): raise the projection's version`);
  }
  const owner = `rebuild:${process.pid}:${Date.now()}`;
  const held: { key: ProjectionKey; from: number; epoch: number }[] = [];
  try {
    for (const key of partitionKeys(projection, reused)) {
      const answer = await store.lease(key, owner, 60_000);
      if (!answer.held) {
        throw new InvalidArgumentError('generation', reused, `a generation no runner holds (generation ${reused}, to be reused, is held by ${answer.state.owner}): stop that runner, or raise the projection's version`);
      }
      held.push({ key, from: answer.state.checkpoint, epoch: answer.state.epoch });
    }
    await store.drop([...projection.specsAt(reused).values()]);
    for (const { key, from, epoch } of held) {
      for (;;) {
        const letters = await store.deadLetters(key, 0, 1000);
        if (letters.length === 0) break;
        await store.removeDeadLetters(key, letters.map((letter) => letter.position));
      }
      await store.commit({ key, from, checkpoint: 0, lease: { owner, epoch }, ttlMs: 60_000, writes: [] });
    }
  } finally {
    for (const { key, epoch } of held) await store.release(key, owner, epoch).catch(() => undefined);
  }
  return reused;
}

/**
 * Drops a generation's collections (a previous build kept after a rebuild).
 * @throws InvalidArgumentError for the live generation.
 */
export async function dropGeneration(store: ReadModelStore, projection: Projection<any>, generation: number): Promise<void> {
  if ((await store.liveVersion(projection.name)) === generation) {
    throw new InvalidArgumentError('generation', generation, 'a generation that is not live (queries read the live one); rebuild first, then drop the old one');
  }
  await store.drop([...projection.specsAt(generation).values()]);
}

function reportProgress(events: EventStore, generation: number, checkpointNow: () => Promise<number>, options: RebuildOptions, started: number): NodeJS.Timeout | undefined {
  const { onProgress } = options;
  if (onProgress === undefined) return undefined;
  return setInterval(() => {
    Promise.all([events.headPosition(), checkpointNow()])
      .then(([head, checkpoint]) => {
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? checkpoint / seconds : 0;
        onProgress({ generation, checkpoint, head, positionsPerSecond: rate, etaSeconds: rate > 0 ? Math.max(0, head - checkpoint) / rate : undefined });
      })
      .catch(() => undefined);
  }, options.progressIntervalMs ?? 250);
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
}
