import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '../core/event-store.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { GroupKey, GroupMember as MemberRow } from '../readmodel/types.js';
import { checkpointSignal } from './checkpoint-signal.js';
import type { Projection } from './define-projection.js';
import { generationsOf, versionOf } from './generations.js';
import type { CheckedRunnerOptions } from './options.js';
import { generationCheckpoint } from './partitions.js';
import { afterReadModelWakeups } from './promotion-watch.js';
import { ProjectionRunner, type RunnerError, type RunnerState } from './runner.js';

/** How often a member looks at the group's members between heartbeats, in ms. */
const MEMBERS_LOOK_MS = 250;

/**
 * Which partitions a member applies: the members sorted by id deal the partitions out in
 * turn (partition p to member p mod n), so every member that sees the same list computes the
 * same assignment, and the counts differ by at most one. Members that briefly disagree (one saw
 * a newcomer, another not yet) cannot both apply a partition: its lease decides.
 */
export function assignedPartitions(members: readonly Pick<MemberRow, 'member'>[], member: string, count: number): number[] {
  const index = members.findIndex((row) => row.member === member);
  if (index < 0) return [];
  const mine: number[] = [];
  for (let partition = index; partition < count; partition += members.length) mine.push(partition);
  return mine;
}

/**
 * This process's membership in the consumer group of a partitioned projection. It beats in
 * the group's member table (on the database's clock) every fifth of the lease's time to live,
 * and at once when a look at the members (every 250 ms) finds one joined, left or expired;
 * works out from the live members which partitions are its own, runs a runner for each (its
 * own lease, checkpoint and dead letters) and stops those no longer its own: a runner stops
 * after its batch in flight and gives its lease up, which the new owner, polling while it
 * stands by, takes at once. A member that stops beating (killed, paused, cut off) drops out
 * of the others' lists when its row expires; its partitions' leases expire by then too, and the
 * others take them at the next epoch, so a paused member that comes back finds its commits
 * refused, and rejoins.
 */
export class GroupMembership {
  private readonly runnersByPartition = new Map<number, ProjectionRunner>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private generationValue: number | undefined;
  private membersValue: readonly MemberRow[] = [];
  private lastErrorValue: RunnerError | undefined;

  constructor(
    private readonly events: EventStore,
    /** The read models the group writes. */
    readonly readModelStore: ReadModelStore,
    /** The partitioned projection. */
    readonly projection: Projection<any>,
    private readonly options: CheckedRunnerOptions,
    /** The generation to build (a rebuild's); absent: the one this version's runners keep up to date, followed when a rebuild promotes another. */
    private readonly fixedGeneration?: number,
  ) {
    this.generationValue = fixedGeneration;
  }

  /** This member's id: its runners' lease owner. */
  get owner(): string {
    return this.options.owner;
  }

  /** The generation the group builds (undefined until the member has started). */
  get generation(): number | undefined {
    return this.generationValue;
  }

  /** The group's key: the projection and generation. */
  get group(): GroupKey | undefined {
    return this.generationValue === undefined ? undefined : { projection: this.projection.name, version: this.generationValue };
  }

  /** The live members as the last heartbeat saw them, by id. */
  get members(): readonly MemberRow[] {
    return this.membersValue;
  }

  /** The runners of the partitions assigned to this member (each applies once it holds its lease). */
  get runners(): readonly ProjectionRunner[] {
    return [...this.runnersByPartition.values()].sort((a, b) => a.partition - b.partition);
  }

  /** The runner of a partition, when this member runs it. */
  runnerOf(partition: number): ProjectionRunner | undefined {
    return this.runnersByPartition.get(partition);
  }

  /** What the member is doing: 'running' once it has joined (whichever partitions it holds), 'stopped' after `stop()`. */
  get state(): RunnerState {
    if (this.stopping.signal.aborted) return 'stopped';
    return this.membersValue.length > 0 ? 'running' : 'starting';
  }

  /** The last error the membership met (a failed heartbeat); the runners keep their own. */
  get lastError(): RunnerError | undefined {
    return this.lastErrorValue;
  }

  /** Joins the group in the background; call `stop()` to leave it. */
  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Stops every runner (each after its batch in flight, giving its lease up) and leaves the group, so the others take the partitions at once. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /**
   * Resolves once every partition of the group's generation (whoever applies it) has a
   * checkpoint at or past the head of the log as it is when called.
   */
  async caughtUp(): Promise<void> {
    const head = await this.events.headPosition();
    const wakeup = checkpointSignal(this.readModelStore);
    const stopWatching = this.readModelStore.watch?.(() => wakeup.bump());
    try {
      for (;;) {
        const seen = wakeup.generation;
        const generation = this.generationValue ?? (await generationsOf(this.readModelStore, this.projection)).current;
        if ((await generationCheckpoint(this.readModelStore, this.projection, generation)) >= head) return;
        // Woken by commits here (and elsewhere where the store watches); a partition another
        // process applies on a store that cannot watch is looked at again after a short while.
        await wakeup.after(seen, AbortSignal.timeout(100));
      }
    } finally {
      stopWatching?.();
    }
  }

  private get heartbeatMs(): number {
    return Math.max(20, Math.floor(this.options.leaseTtlMs / 5));
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let prepared = false;
    let failures = 0;
    // A rebuild's promotion and the member list are looked at each beat; a promotion seen
    // through the read models' wake-ups, or a change in the list seen between beats
    // (untilNextBeat), brings the next beat forward.
    const early = new AbortController();
    let wake = new AbortController();
    if (this.fixedGeneration === undefined) afterReadModelWakeups(this.readModelStore, AbortSignal.any([signal, early.signal]), () => void this.promoted().then((yes) => yes && wake.abort(), () => undefined));
    while (!signal.aborted) {
      try {
        if (!prepared) await this.prepare();
        prepared = true;
        if (await this.promoted()) {
          await this.leave();
          prepared = false;
          continue;
        }
        const group = this.group!;
        const answer = await this.readModelStore.heartbeat(group, this.owner, this.options.leaseTtlMs);
        this.membersValue = answer.members;
        await this.rebalance(assignedPartitions(answer.members, this.owner, this.projection.partitions!.count));
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.report(error);
        failures++;
      }
      const pause = failures === 0 ? this.heartbeatMs : Math.min(this.heartbeatMs, 100 * 2 ** Math.min(failures, 5));
      await this.untilNextBeat(pause, AbortSignal.any([signal, wake.signal]));
      wake = new AbortController();
    }
    early.abort();
    await this.leave();
  }

  /**
   * Waits `pause` before the next heartbeat, looking at the members (a read) every quarter of a
   * second meanwhile: a member that joined or left brings the beat, and so the rebalancing,
   * forward, so a newcomer gets its share within about a quarter second, not a heartbeat.
   */
  private async untilNextBeat(pause: number, signal: AbortSignal): Promise<void> {
    const until = Date.now() + pause;
    const known = this.membersValue.map((row) => row.member).join('\u0000');
    for (let left = pause; left > 0 && !signal.aborted; left = until - Date.now()) {
      await sleep(Math.min(left, MEMBERS_LOOK_MS), undefined, { signal }).catch(() => undefined);
      if (signal.aborted || Date.now() >= until || this.group === undefined) return;
      const seen = await this.readModelStore.groupMembers(this.group).catch(() => undefined);
      if (seen === undefined) continue;
      const live = seen.members.filter((row) => row.expiresAt > seen.now).map((row) => row.member);
      if (live.join('\u0000') !== known) return;
    }
  }

  /** Finds the generation to build, creates its collections, makes it live when nothing is, and has the log index its partitions. */
  private async prepare(): Promise<void> {
    if (this.fixedGeneration === undefined) this.generationValue = (await generationsOf(this.readModelStore, this.projection)).current;
    const generation = this.generationValue!;
    await this.readModelStore.prepare([...this.projection.specsAt(generation).values()]);
    if (this.fixedGeneration === undefined && (await this.readModelStore.liveVersion(this.projection.name)) === undefined) {
      await this.readModelStore.promote(this.projection.name, generation, undefined);
    }
    if (this.projection.partitions!.key === undefined) await this.events.preparePartitions(this.projection.partitions!.count);
  }

  /** True when a rebuild promoted another generation of this version than the group's: the member moves to it. */
  private async promoted(): Promise<boolean> {
    if (this.fixedGeneration !== undefined || this.generationValue === undefined) return false;
    const live = await this.readModelStore.liveVersion(this.projection.name);
    return live !== undefined && live !== this.generationValue && versionOf(live) === this.projection.version;
  }

  /** Starts runners for the partitions newly assigned, and stops (after their batch) those no longer. */
  private async rebalance(mine: readonly number[]): Promise<void> {
    const wanted = new Set(mine);
    const leaving = [...this.runnersByPartition].filter(([partition]) => !wanted.has(partition));
    for (const [partition] of leaving) this.runnersByPartition.delete(partition);
    await Promise.all(leaving.map(([, runner]) => runner.stop()));
    for (const partition of mine) {
      if (this.runnersByPartition.has(partition)) continue;
      const runner = new ProjectionRunner(this.events, this.readModelStore, this.projection, this.options, {
        generation: this.generationValue,
        partition,
        // A partition handed over is released at once: its new owner asks again soon, not at the lease's expiry.
        standbyPollMs: Math.min(250, this.heartbeatMs),
      });
      this.runnersByPartition.set(partition, runner.start());
    }
  }

  /** Stops every runner and removes this member's row. */
  private async leave(): Promise<void> {
    const runners = [...this.runnersByPartition.values()];
    this.runnersByPartition.clear();
    await Promise.all(runners.map((runner) => runner.stop()));
    const group = this.group;
    if (group !== undefined) await this.readModelStore.leaveGroup(group, this.owner).catch((error: unknown) => this.report(error));
    this.membersValue = [];
  }

  private report(error: unknown): void {
    this.lastErrorValue = { message: error instanceof Error ? error.message : String(error), at: new Date() };
    this.options.onError(error, this.projection.name);
  }
}
