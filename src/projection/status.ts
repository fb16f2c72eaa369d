import type { EventStore } from '../core/event-store.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { Projection } from './define-projection.js';
import { generationsOf } from './generations.js';
import type { ProjectionRunner, RunnerError, RunnerState } from './runner.js';

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
}

/** The projection's status, read from the stores (and from this process's runner, when given). */
export async function projectionStatus(events: EventStore, readModels: ReadModelStore, projection: Projection<any>, runner?: ProjectionRunner): Promise<ProjectionStatus> {
  const { live, current } = await generationsOf(readModels, projection);
  const generation = runner?.generation ?? current;
  const key = { projection: projection.name, version: generation, partition: 0 };
  const [state, head, letters] = await Promise.all([readModels.state(key), events.headPosition(), readModels.deadLetters(key, 0, 10_000)]);
  const checkpoint = state?.checkpoint ?? 0;
  let seconds = 0;
  if (checkpoint < head) {
    const { category, types } = projection.handles ?? {};
    for await (const next of events.readAll({ after: checkpoint, category, types, maxCount: 1 })) seconds = Math.max(0, (Date.now() - next.recordedAt.getTime()) / 1000);
  }
  return {
    name: projection.name,
    version: projection.version,
    generation,
    liveGeneration: live,
    state: runner?.state ?? 'stopped',
    checkpoint,
    head,
    lag: { positions: Math.max(0, head - checkpoint), seconds },
    lease: { owner: state?.owner, epoch: state?.epoch ?? 0, expiresAt: state?.owner ? new Date(state.leaseExpiresAt) : undefined },
    lastError: runner?.lastError,
    deadLetters: letters.length,
    updatedAt: state?.updatedAt ? new Date(state.updatedAt) : undefined,
  };
}
