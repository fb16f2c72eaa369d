import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '../core/event-store.js';
import { AnnalsError, LeaseLostError } from '../core/errors.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { CollectionSpec, LeaseToken, ProjectionKey } from '../readmodel/types.js';
import { applyBatch, ApplyFailed } from './apply-batch.js';
import { isReactor, reactBatch } from './reactor.js';
import { checkpointSignal } from './checkpoint-signal.js';
import type { Projection } from './define-projection.js';
import type { CheckedRunnerOptions } from './options.js';
import type { AppendOutcome } from '../core/event-store.js';
import { firstGeneration, generationsOf, versionOf } from './generations.js';
import { afterReadModelWakeups } from './promotion-watch.js';
import { Turns } from './turns.js';
import { Wakeup } from '../core/wakeup.js';
import { partitionOf } from '../core/partition.js';

/** An error a runner met, as status shows it. */
export interface RunnerError {
  /** The error's message. */
  readonly message: string;
  /** When it happened. */
  readonly at: Date;
}

/** Where a runner works: which generation, how, and which partition. */
export interface RunnerPlacement {
  /**
   * The generation to build (a rebuild's, or a group's), kept whatever is live; absent: the one
   * this version's runners keep up to date (see generations.ts), followed when a rebuild promotes another.
   */
  readonly generation?: number;
  /** True when appends also apply the projection (inline): pages skip what they applied. */
  readonly inline?: boolean;
  /** The partition of a partitioned projection this runner applies (its own state row, lease and dead letters). Default 0. */
  readonly partition?: number;
  /** The longest a runner standing by waits before it asks for the lease again, in ms (a group's handovers are quick). Default: until the lease expires. */
  readonly standbyPollMs?: number;
}

/** What a runner is doing: taking its first steps, following the log, waiting for another's lease, backing off after a failure, or stopped. */
export type RunnerState = 'starting' | 'running' | 'standby' | 'retrying' | 'stopped';

/**
 * Runs one projection (one version, partition 0) in this process: takes its lease, follows the
 * log from its checkpoint a page at a time, applies each page and commits the documents with
 * the page's readThrough and the lease's epoch in one step, and renews the lease while it runs.
 * Another process running the same projection waits until the lease expires, then takes over
 * at the next epoch; a runner that lost its lease (paused past its expiry) finds every commit
 * refused, so it never writes after the takeover. It never sleeps while behind: the
 * subscription reads the next page at once, and waits only at the head, for a commit.
 */
export class ProjectionRunner {
  /** Streams with a parked event: their later events are parked behind it (shared with inline appends). */
  readonly parkedStreams = new Set<string>();
  private generationValue: number;
  private specsValue: ReadonlyMap<string, CollectionSpec>;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private current: RunnerState = 'starting';
  private epoch: number | undefined;
  private checkpointValue = 0;
  private lastErrorValue: RunnerError | undefined;
  private readonly attempts = new Map<number, number>();
  private caughtUpWaiters: (() => void)[] = [];
  private caughtUpAt: number | undefined;
  /** Through which position appends of this process applied the projection inline, and committed; and applied, not yet known to be committed. */
  private inlineThrough = { confirmed: 0, pending: 0 };
  /** Inline: wakes the runner at the head for this process's appends that did not apply the projection. */
  private readonly unapplied = new Wakeup();
  /** Batches and the tasks run between them take turns. */
  private readonly turns = new Turns();

  private readonly fixedGeneration: number | undefined;
  private readonly inline: boolean;
  /** The partition this runner applies (0 when the projection is not partitioned). */
  readonly partition: number;

  constructor(
    private readonly events: EventStore,
    /** The read models the runner writes. */
    readonly readModelStore: ReadModelStore,
    /** The projection this runner applies. */
    readonly projection: Projection<any>,
    private readonly options: CheckedRunnerOptions,
    private readonly placement: RunnerPlacement = {},
  ) {
    this.fixedGeneration = placement.generation;
    this.inline = placement.inline ?? false;
    this.partition = placement.partition ?? 0;
    this.generationValue = this.fixedGeneration ?? firstGeneration(projection.version);
    this.specsValue = projection.specsAt(this.generationValue);
  }

  /** The generation this runner builds (see generations.ts). */
  get generation(): number {
    return this.generationValue;
  }

  /** The key of the state row this runner moves. */
  get key(): ProjectionKey {
    return { projection: this.projection.name, version: this.generationValue, partition: this.partition };
  }

  /** The projection's collections at the runner's generation. */
  get specs(): ReadonlyMap<string, CollectionSpec> {
    return this.specsValue;
  }

  /** What the runner is doing now. */
  get state(): RunnerState {
    return this.current;
  }

  /** The checkpoint this runner last committed or found. */
  get checkpoint(): number {
    return this.checkpointValue;
  }

  /** The last error the runner met (a failed batch, a lost lease), if any. */
  get lastError(): RunnerError | undefined {
    return this.lastErrorValue;
  }

  /** This runner's owner name, as its lease records it. */
  get owner(): string {
    return this.options.owner;
  }

  /** The lease this runner holds now (its owner and epoch), or undefined while it holds none. */
  get lease(): LeaseToken | undefined {
    return this.epoch === undefined || this.current === 'standby' || this.current === 'stopped' ? undefined : { owner: this.owner, epoch: this.epoch };
  }

  /**
   * Runs `task` between two batches: never while the runner applies or commits one, so that a
   * task given the runner's lease (retrying dead letters) and the runner do not interleave.
   */
  async betweenBatches<T>(task: () => Promise<T>): Promise<T> {
    return this.turns.run(task);
  }

  /** An inline apply moved this runner's checkpoint to `position`, in an append not yet committed. */
  inlineApplied(position: number): void {
    this.inlineThrough.pending = Math.max(this.inlineThrough.pending, position);
  }

  /**
   * An append of this process ended. Committed, and it is the append whose events the last inline
   * apply moved the checkpoint to: that apply is committed (with everything before it), so pages
   * up to there need no reading back. Any other outcome confirms nothing: an apply may have been
   * rolled back (a failed append, or an attempt a backend ran again), its positions never used.
   */
  inlineSettled(outcome: AppendOutcome): void {
    const through = this.inlineThrough;
    if ('failed' in outcome) through.pending = through.confirmed;
    else if (outcome.committed === through.pending) through.confirmed = Math.max(through.confirmed, through.pending);
    // An append the projection did not follow inline (it was behind) is the runner's to apply;
    // one that failed wrote nothing to apply.
    if (!('failed' in outcome) && outcome.committed > through.confirmed) this.unapplied.bump();
  }

  /** Starts the runner in the background; call `stop()` to end it. */
  start(): this {
    this.loop ??= this.run().finally(() => {
      this.current = 'stopped';
    });
    return this;
  }

  /** Stops following the log, waits for the batch in flight, and gives up the lease, so that a runner standing by takes it at its next ask. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.current = 'stopped';
  }

  /** Resolves once the runner has committed up to the head of the log (as it was when a page was read). */
  caughtUp(): Promise<void> {
    if (this.caughtUpAt !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    let prepared = false;
    while (!signal.aborted) {
      try {
        if (!prepared) await this.prepare();
        prepared = true;
        const fresh = this.epoch === undefined;
        const answer = await this.readModelStore.lease(this.key, this.owner, this.options.leaseTtlMs, this.epoch);
        // Newly taken: whoever held the lease meanwhile may have retried or dropped dead letters.
        if (answer.held && fresh) await this.learnParkedStreams();
        if (!answer.held) {
          this.epoch = undefined;
          this.current = 'standby';
          // Wait for the holder's lease to run out (on the database's clock), then ask again;
          // a rebuild may promote another generation meanwhile.
          const wait = Math.max(50, Math.min(this.options.leaseTtlMs, this.placement.standbyPollMs ?? Infinity, answer.state.leaseExpiresAt - answer.now + 20));
          await sleep(wait, undefined, { signal }).catch(() => undefined);
          if (!signal.aborted && (await this.followPromotion())) prepared = false;
          continue;
        }
        this.epoch = answer.state.epoch;
        this.checkpointValue = answer.state.checkpoint;
        this.current = 'running';
        await this.follow(answer.state.checkpoint, answer.state.epoch, signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof BatchCut) continue;
        if (error instanceof GenerationPromoted) {
          await this.releaseLease();
          prepared = false;
          continue;
        }
        if (error instanceof LeaseLostError) {
          // Still ours, and an inline append moved the checkpoint meanwhile: follow again from
          // there. Otherwise another holds it now: ask as a newcomer.
          const ours = error.found?.owner === this.owner && error.found.epoch === this.epoch;
          if (!ours) {
            this.report(error);
            this.epoch = undefined;
          }
          failures = 0;
          continue;
        }
        this.report(error);
        failures++;
        prepared = false; // learn the parked streams again: a failed commit may have parked some, or not
        this.current = 'retrying';
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal }).catch(() => undefined);
      }
    }
    await this.releaseLease();
  }

  private async releaseLease(): Promise<void> {
    if (this.epoch !== undefined) await this.readModelStore.release(this.key, this.owner, this.epoch).catch(() => undefined);
    this.epoch = undefined;
  }

  /** Finds the generation to build, creates its collections and learns which streams are parked. */
  async prepare(): Promise<void> {
    if (this.fixedGeneration === undefined) this.switchTo((await generationsOf(this.readModelStore, this.projection)).current);
    await this.readModelStore.prepare([...this.specs.values()]);
    // A projection's first runner makes it live, so that queries read it while nothing else is.
    if (this.fixedGeneration === undefined && (await this.readModelStore.liveVersion(this.projection.name)) === undefined) {
      await this.readModelStore.promote(this.projection.name, this.generationValue, undefined);
    }
    await this.learnParkedStreams();
  }

  private async learnParkedStreams(): Promise<void> {
    const parked = new Set<string>();
    for (let after = 0; ; ) {
      const letters = await this.readModelStore.deadLetters(this.key, after, 1000);
      for (const letter of letters) parked.add(letter.stream);
      if (letters.length < 1000) break;
      after = letters[letters.length - 1]!.position;
    }
    // Swapped in one step: inline appends read the set at any time.
    this.parkedStreams.clear();
    for (const stream of parked) this.parkedStreams.add(stream);
  }

  /** True when a rebuild promoted another generation of this version than the runner's: the runner then moves to it. */
  private async followPromotion(): Promise<boolean> {
    if (this.fixedGeneration !== undefined) return false;
    const live = await this.readModelStore.liveVersion(this.projection.name);
    return live !== undefined && live !== this.generationValue && versionOf(live) === this.projection.version;
  }

  private switchTo(generation: number): void {
    if (generation === this.generationValue) return;
    this.generationValue = generation;
    this.specsValue = this.projection.specsAt(generation);
    this.attempts.clear();
    this.caughtUpAt = undefined;
    this.inlineThrough = { confirmed: 0, pending: 0 };
  }

  /** Applies pages from `from` until the signal aborts or the lease is lost; renews the lease meanwhile. */
  private async follow(from: number, epoch: number, stop: AbortSignal): Promise<void> {
    const lost = new AbortController();
    const signal = AbortSignal.any([stop, lost.signal]);
    let lostError: unknown;
    // While it follows the log, a rebuild may promote another generation: the runner moves to it.
    if (this.fixedGeneration === undefined) {
      afterReadModelWakeups(this.readModelStore, signal, () => {
        this.followPromotion().then(
          (promoted) => {
            if (!promoted) return;
            lostError = new GenerationPromoted();
            lost.abort();
          },
          (error: unknown) => this.report(error),
        );
      });
    }
    const renew = setInterval(() => {
      this.readModelStore
        .lease(this.key, this.owner, this.options.leaseTtlMs, epoch)
        .then((answer) => {
          if (!answer.held) {
            lostError = new LeaseLostError(this.key, { owner: this.owner, epoch }, this.checkpointValue, answer.state);
            lost.abort();
          }
        })
        .catch((error: unknown) => this.report(error));
    }, Math.max(30, Math.floor(this.options.leaseTtlMs / 3)));
    const { handles } = this.projection;
    let checkpoint = from;
    try {
      if ((await this.events.headPosition()) <= from) this.markCaughtUp();
      // A partition routed by stream name is filtered by the log (in the database); one routed by
      // another key is read whole and filtered here.
      const partitions = this.projection.partitions;
      const partition = partitions && partitions.key === undefined ? { index: this.partition, count: partitions.count } : undefined;
      const ownKey = partitions?.key;
      const query = { after: from, category: handles?.category, types: handles?.types, partition, pageSize: this.options.batchSize, signal };
      // Inline, this process's appends that applied the projection need not wake the runner.
      const pages = this.inline ? this.events.subscribePagesWokenBy(this.unapplied, query) : this.events.subscribePages(query);
      for await (const page of this.turns.each(pages)) {
        let events = ownKey === undefined ? page.events : page.events.filter((event) => partitionOf(ownKey(event), partitions!.count) === this.partition);
        if (this.inline) {
          // Appends apply the projection themselves once it is caught up: skip what they did,
          // without a read when this process's own appends did it and have committed.
          if (page.readThrough <= this.inlineThrough.confirmed) {
            checkpoint = this.checkpointValue = Math.max(checkpoint, page.readThrough);
            if (page.caughtUp) this.markCaughtUp();
            continue;
          }
          const stored = (await this.readModelStore.state(this.key))?.checkpoint ?? 0;
          if (stored >= page.readThrough) {
            checkpoint = this.checkpointValue = stored;
            if (page.caughtUp) this.markCaughtUp();
            continue;
          }
          // Inline appends applied everything up to the checkpoint, which may lie inside this
          // page: moved there now, or by a page skipped above (past its readThrough).
          if (stored > checkpoint) checkpoint = stored;
          events = events.filter((event) => event.position > checkpoint);
        }
        const policy = { parkedStreams: this.parkedStreams, attempts: this.attempts, maxAttempts: this.options.maxAttempts };
        const outcome = isReactor(this.projection)
          ? { ...(await reactBatch(this.projection, events, policy, signal, this.options.batchMaxMs)), writes: [] }
          : { ...(await applyBatch(this.projection, this.specs, events, this.readModelStore, policy)), through: undefined, failed: undefined, cut: false };
        if (signal.aborted) break;
        // A reactor that failed or ran out of time part-way keeps what it did: the checkpoint
        // moves to the last event it handled, and the runner goes on from there.
        const partial = outcome.failed !== undefined || outcome.cut;
        const to = partial ? outcome.through : page.readThrough;
        if (to !== undefined && to > checkpoint) {
          await this.readModelStore.commit({ key: this.key, from: checkpoint, checkpoint: to, lease: { owner: this.owner, epoch }, ttlMs: this.options.leaseTtlMs, writes: outcome.writes, park: outcome.park });
          checkpoint = this.checkpointValue = to;
        }
        for (const stream of outcome.parkedStreams) this.parkedStreams.add(stream);
        if (outcome.failed) throw outcome.failed;
        if (outcome.cut) throw new BatchCut();
        for (const position of this.attempts.keys()) if (position <= checkpoint) this.attempts.delete(position);
        checkpointSignal(this.readModelStore).bump();
        if (page.caughtUp) this.markCaughtUp();
        // On a synchronous driver (SQLite) a catch-up is a chain of promises that never waits:
        // give the event loop a turn between batches, so the process's other work (requests,
        // timers, appends waiting for the lock) goes on while a projection catches up.
        else await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      clearInterval(renew);
    }
    if (lostError !== undefined && !stop.aborted) throw lostError;
  }

  private markCaughtUp(): void {
    this.caughtUpAt = Date.now();
    const waiters = this.caughtUpWaiters;
    this.caughtUpWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private report(error: unknown): void {
    const message = error instanceof ApplyFailed || error instanceof AnnalsError || error instanceof Error ? error.message : String(error);
    this.lastErrorValue = { message, at: new Date() };
    this.options.onError(error, this.projection.name);
  }
}

/** A rebuild promoted another generation of this version: the runner moves to it. */
class GenerationPromoted extends Error {}

/** A reactor's batch ran out of time: the runner goes on from its checkpoint. */
class BatchCut extends Error {}
