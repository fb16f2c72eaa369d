import type { EventStore } from '../core/event-store.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { ProjectionState } from '../readmodel/types.js';
import type { Projection } from './define-projection.js';
import { generationsOf } from './generations.js';
import type { ProjectionRunner, RunnerError, RunnerState } from './runner.js';
import type { GroupMembership } from './group.js';
import { partitionKeys } from './partitions.js';

/** How far a projection is behind the head of the log. */
export interface ProjectionLag {
  /** Positions between the checkpoint and the head (an upper bound on the events to apply: positions may have gaps). */
  readonly positions: number;
  /** Seconds since the oldest event not yet applied was recorded; 0 when caught up. */
  readonly seconds: number;
}

/** Who holds a projection's lease. */
export interface ProjectionLease {
  /** The holder (any process), or undefined when none holds it. */
  readonly owner: string | undefined;
  /** The lease's epoch: raised each time it changes hands. */
  readonly epoch: number;
  /** When it expires unless renewed, on the database's clock; undefined without a holder. */
  readonly expiresAt: Date | undefined;
}

/** A projection's progress and health: the figures `annals projections status` prints and a metrics endpoint exports. */
export interface ProjectionStatus {
  /** The projection's name. */
  readonly name: string;
  /** The projection's version (its code's). */
  readonly version: number;
  /** The generation these figures describe: where this version's data lives (see docs/projections.md#rebuilds). */
  readonly generation: number;
  /** The generation queries read; undefined before any runner or rebuild made one live. */
  readonly liveGeneration: number | undefined;
  /** What this process's runner is doing ('stopped' when this process runs none). */
  readonly state: RunnerState;
  /** The position the read model covers. */
  readonly checkpoint: number;
  /** The head of the log. */
  readonly head: number;
  /** How far behind: positions between the checkpoint and the head, and seconds since the oldest event not yet applied was recorded (0 when caught up). */
  readonly lag: ProjectionLag;
  /** Who holds the lease (any process), its epoch, and when it expires; undefined owner when none holds it. */
  readonly lease: ProjectionLease;
  /** The last error this process's runner met. */
  readonly lastError: RunnerError | undefined;
  /** Parked events (counted up to 10,000). */
  readonly deadLetters: number;
  /** When the checkpoint last moved. */
  readonly updatedAt: Date | undefined;
  /** A partitioned projection's partitions, each with its own checkpoint, lag, lease and dead letters (the figures above are their sums, or the smallest checkpoint). */
  readonly partitions?: readonly PartitionStatus[];
  /** A partitioned projection's group members, by id, with their last heartbeat (members gone for over an hour are forgotten). */
  readonly members?: readonly MemberStatus[];
}

/** One partition of a partitioned projection. */
export interface PartitionStatus {
  /** The partition's number. */
  readonly partition: number;
  /** The position the partition's read model covers. */
  readonly checkpoint: number;
  /** How far the partition is behind the head. */
  readonly lag: ProjectionLag;
  /** Who holds its lease (a member), its epoch, and when it expires. */
  readonly lease: ProjectionLease;
  /** Its parked events (counted up to 10,000). */
  readonly deadLetters: number;
  /** When its checkpoint last moved. */
  readonly updatedAt: Date | undefined;
}

/** A member of a partitioned projection's group. */
export interface MemberStatus {
  /** The member's id (its runners' lease owner). */
  readonly member: string;
  /** When it joined. */
  readonly joinedAt: Date;
  /** Its last heartbeat. */
  readonly lastHeartbeat: Date;
  /** False once its heartbeat has expired (killed, paused, cut off): the others take its partitions. */
  readonly alive: boolean;
  /** The partitions whose lease it holds now. */
  readonly partitions: readonly number[];
}

/** The projection's status, read from the stores (and from this process's runner or group member, when given). */
export async function projectionStatus(events: EventStore, readModels: ReadModelStore, projection: Projection<any>, running?: ProjectionRunner | GroupMembership): Promise<ProjectionStatus> {
  const { live, current } = await generationsOf(readModels, projection);
  const generation = running?.generation ?? current;
  const head = await events.headPosition();
  // Every partition's state row in one read (a partitioned projection has up to 1,024).
  const states = new Map<number, ProjectionState>();
  for (const { key, state } of await readModels.states(projection.name)) if (key.version === generation) states.set(key.partition, state);
  const partitions = await Promise.all(
    partitionKeys(projection, generation).map(async (key): Promise<PartitionStatus> => {
      const state = states.get(key.partition);
      const letters = await readModels.deadLetters(key, 0, 10_000);
      const checkpoint = state?.checkpoint ?? 0;
      return {
        partition: key.partition,
        checkpoint,
        lag: { positions: Math.max(0, head - checkpoint), seconds: await lagSeconds(events, projection, key.partition, checkpoint, head) },
        lease: { owner: state?.owner, epoch: state?.epoch ?? 0, expiresAt: state?.owner ? new Date(state.leaseExpiresAt) : undefined },
        deadLetters: letters.length,
        updatedAt: state?.updatedAt ? new Date(state.updatedAt) : undefined,
      };
    }),
  );
  const lowest = partitions.reduce((low, partition) => (partition.checkpoint < low.checkpoint ? partition : low));
  const latest = Math.max(...partitions.map((partition) => partition.updatedAt?.getTime() ?? 0));
  const grouped = projection.partitions !== undefined;
  return {
    name: projection.name,
    version: projection.version,
    generation,
    liveGeneration: live,
    state: running?.state ?? 'stopped',
    checkpoint: lowest.checkpoint,
    head,
    lag: { positions: lowest.lag.positions, seconds: Math.max(...partitions.map((partition) => partition.lag.seconds)) },
    // A group's partitions each have their own lease: listed with them.
    lease: grouped ? { owner: undefined, epoch: 0, expiresAt: undefined } : partitions[0]!.lease,
    lastError: running?.lastError,
    deadLetters: Math.min(10_000, partitions.reduce((sum, partition) => sum + partition.deadLetters, 0)),
    updatedAt: latest > 0 ? new Date(latest) : undefined,
    ...(grouped ? { partitions, members: await memberStatus(readModels, projection, generation, partitions) } : {}),
  };
}

/** Seconds since the oldest event of the partition not yet applied was recorded (0 when caught up). */
async function lagSeconds(events: EventStore, projection: Projection<any>, partition: number, checkpoint: number, head: number): Promise<number> {
  if (checkpoint >= head) return 0;
  const { category, types } = projection.handles ?? {};
  const partitions = projection.partitions;
  // Routed by stream name: the log reads the partition; by another key: the oldest event of any partition, an upper bound.
  const filter = partitions !== undefined && partitions.key === undefined ? { partition: { index: partition, count: partitions.count } } : {};
  let seconds = 0;
  for await (const next of events.readAll({ after: checkpoint, category, types, ...filter, maxCount: 1 })) seconds = Math.max(0, (Date.now() - next.recordedAt.getTime()) / 1000);
  return seconds;
}

async function memberStatus(readModels: ReadModelStore, projection: Projection<any>, generation: number, partitions: readonly PartitionStatus[]): Promise<MemberStatus[]> {
  const { members, now } = await readModels.groupMembers({ projection: projection.name, version: generation });
  return members.map((row) => ({
    member: row.member,
    joinedAt: new Date(row.joinedAt),
    lastHeartbeat: new Date(row.heartbeatAt),
    alive: row.expiresAt > now,
    partitions: partitions.filter((partition) => partition.lease.owner === row.member && (partition.lease.expiresAt?.getTime() ?? 0) > now).map((partition) => partition.partition),
  }));
}
