import type { EventStore } from '../core/event-store.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import { ReadModels } from '../readmodel/read-models.js';
import type { Projection } from './define-projection.js';
import { checkRunnerOptions, type RunnerOptions } from './options.js';
import { ProjectionRunner } from './runner.js';
import { projectionStatus, type ProjectionStatus } from './status.js';

/** Options of `runProjections`. */
export interface RunProjectionsOptions extends RunnerOptions {
  /** Where the read models live. Default: the event store's own database (its readModels part). */
  readonly readModels?: ReadModelStore;
}

/** Projections running in this process: their runners, their status, and stop. */
export class RunningProjections {
  constructor(
    /** One runner per projection. */
    readonly runners: readonly ProjectionRunner[],
    private readonly events: EventStore,
    /** The read models the projections write, for queries. */
    readonly readModels: ReadModels,
  ) {}

  /** Each projection's checkpoint, head, lag, lease and dead letters. */
  async status(): Promise<ProjectionStatus[]> {
    return Promise.all(this.runners.map((runner) => projectionStatus(this.events, this.readModels.store, runner.projection, runner)));
  }

  /** Resolves once every projection has caught up with the head of the log. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.caughtUp()));
  }

  /** Stops every runner and gives their leases up. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}

/**
 * Starts an async runner for each projection: each follows the log from its checkpoint, in
 * batches, and keeps its read model up to date until `stop()`. Several processes may run the
 * same projections: one holds each projection's lease and applies, the others stand by.
 */
export function runProjections(events: EventStore, projections: readonly Projection<any>[], options: RunProjectionsOptions = {}): RunningProjections {
  const checked = checkRunnerOptions(options);
  const store = options.readModels ?? events.readModelStore();
  if (!Array.isArray(projections) || projections.length === 0) throw new InvalidArgumentError('projections', projections, 'a non-empty array of projections (defineProjection)');
  const names = new Set<string>();
  for (const projection of projections) {
    if (names.has(projection.name)) throw new InvalidArgumentError('projections', projection.name, 'each projection once');
    names.add(projection.name);
  }
  const runners = projections.map((projection) => new ProjectionRunner(events, store, projection, checked).start());
  return new RunningProjections(runners, events, new ReadModels(store));
}
