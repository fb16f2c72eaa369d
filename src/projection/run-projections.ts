import type { EventStore } from '../core/event-store.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import { ReadModels } from '../readmodel/read-models.js';
import { dropWithRunners, retryWithRunners, type RunningHere, type DropDeadLettersResult, type DropDeadLettersSelection, type RetryDeadLettersResult, type RetryDeadLettersSelection } from './dead-letters.js';
import type { Projection } from './define-projection.js';
import { inlineApplier } from './inline.js';
import { checkRunnerOptions, type RunnerOptions } from './options.js';
import { ProjectionRunner } from './runner.js';
import { GroupMembership } from './group.js';
import { projectionStatus, type ProjectionStatus } from './status.js';

/** Options of `runProjections`. */
export interface RunProjectionsOptions extends RunnerOptions {
  /** Where async projections' read models live. Default: the event store's own database (inline ones always live there). */
  readonly readModels?: ReadModelStore;
}

/** Which projections run how: async ones follow the log in a runner; inline ones also apply inside each append. */
export interface ProjectionRegistration {
  /** Projections kept up to date by a runner following the log, a batch at a time. */
  readonly async?: readonly Projection<any>[];
  /**
   * Projections applied inside each append's transaction (a query after the append returns sees
   * it), with a runner that catches up what other processes appended without them. Memory,
   * SQLite and PostgreSQL stores; Redis refuses with ANNALS_NOT_SUPPORTED.
   */
  readonly inline?: readonly Projection<any>[];
}

/** Projections running in this process: their runners, their status, and stop. */
export class RunningProjections {
  constructor(
    /** One runner per projection that is not partitioned (inline ones' catch-up runners included). */
    readonly runners: readonly ProjectionRunner[],
    private readonly events: EventStore,
    /** The read models the async projections write, for queries. */
    readonly readModels: ReadModels,
    private readonly detach: () => void,
    /** This process's membership in the group of each partitioned projection. */
    readonly groups: readonly GroupMembership[] = [],
  ) {}

  /** Each projection's checkpoint, head, lag, lease and dead letters (and a partitioned one's partitions and members). */
  async status(): Promise<ProjectionStatus[]> {
    return Promise.all([
      ...this.runners.map((runner) => projectionStatus(this.events, runner.readModelStore, runner.projection, runner)),
      ...this.groups.map((member) => projectionStatus(this.events, member.readModelStore, member.projection, member)),
    ]);
  }

  /**
   * Retries the dead letters of a projection this process runs (see `retryDeadLetters`), between
   * two of its runner's batches and under its lease; the runner then stops treating the streams
   * that applied as parked. When another process holds the lease, fails with ProjectionBusyError.
   */
  async retryDeadLetters(name: string, selection: RetryDeadLettersSelection = {}): Promise<RetryDeadLettersResult> {
    return retryWithRunners(this.events, this.runningHere(name), selection);
  }

  /** Drops dead letters of a projection this process runs (see `dropDeadLetters`), between its runner's batches. */
  async dropDeadLetters(name: string, selection: DropDeadLettersSelection): Promise<DropDeadLettersResult> {
    return dropWithRunners(this.events, this.runningHere(name), selection);
  }

  /** Resolves once every projection has caught up with the head of the log. */
  async caughtUp(): Promise<void> {
    await Promise.all([...this.runners.map((runner) => runner.caughtUp()), ...this.groups.map((member) => member.caughtUp())]);
  }

  /** Stops applying inline, stops every runner and gives their leases up, and leaves the groups. */
  async stop(): Promise<void> {
    this.detach();
    await Promise.all([...this.runners.map((runner) => runner.stop()), ...this.groups.map((member) => member.stop())]);
  }

  /** A projection this process runs: its one runner, or a group member's partition runners (possibly none now). */
  private runningHere(name: string): RunningHere {
    const runner = this.runners.find((candidate) => candidate.projection.name === name);
    if (runner !== undefined) return { projection: runner.projection, store: runner.readModelStore, generation: runner.generation, runners: [runner] };
    const member = this.groups.find((candidate) => candidate.projection.name === name);
    if (member !== undefined) return { projection: member.projection, store: member.readModelStore, generation: member.generation, runners: member.runners };
    const names = [...this.runners, ...this.groups].map((running) => running.projection.name);
    throw new InvalidArgumentError('projection', name, `the name of a projection running here: ${names.join(', ')}`);
  }
}

/**
 * Starts the projections: a runner for each, which follows the log from its checkpoint and keeps
 * its read model up to date until `stop()`, and for inline ones, their apply inside each later
 * append. Several processes may run the same projections: one holds each projection's lease and
 * its runner applies, the others stand by (inline applies happen in every process that appends).
 * An array is a list of async projections.
 */
export async function runProjections(
  events: EventStore,
  projections: readonly Projection<any>[] | ProjectionRegistration,
  options: RunProjectionsOptions = {},
): Promise<RunningProjections> {
  const checked = checkRunnerOptions(options);
  const registration: ProjectionRegistration = Array.isArray(projections) ? { async: projections } : (projections as ProjectionRegistration);
  const asyncOnes = registration.async ?? [];
  const inlineOnes = registration.inline ?? [];
  if (typeof registration !== 'object' || registration === null || asyncOnes.length + inlineOnes.length === 0) {
    throw new InvalidArgumentError('projections', projections, 'a non-empty array of projections (defineProjection), or { async: [...], inline: [...] }');
  }
  const names = new Set<string>();
  for (const projection of [...asyncOnes, ...inlineOnes]) {
    if (names.has(projection?.name)) throw new InvalidArgumentError('projections', projection.name, 'each projection once');
    names.add(projection?.name);
  }
  for (const projection of inlineOnes) {
    if (projection.partitions !== undefined) {
      throw new InvalidArgumentError('inline projection', projection.name, 'a projection without partitions: a partitioned projection is shared by a consumer group, so it runs async');
    }
  }
  // On a standby (a read replica) nothing here could write or follow the log safely: refuse now, not in every runner's loop.
  events.assertPrimary('runProjections');
  const store = options.readModels ?? events.readModelStore();
  store.assertPrimary?.('runProjections');
  const runners = asyncOnes.filter((projection) => projection.partitions === undefined).map((projection) => new ProjectionRunner(events, store, projection, checked));
  const groups = asyncOnes.filter((projection) => projection.partitions !== undefined).map((projection) => new GroupMembership(events, store, projection, checked));
  let detach = () => undefined as void;
  if (inlineOnes.length > 0) {
    // Attached once only to learn the inline read models (and that the store can run inline at all).
    const attachment = events.attachInline(() => undefined);
    attachment.detach();
    const inlineRunners = inlineOnes.map((projection) => new ProjectionRunner(events, attachment.readModels, projection, checked, { inline: true }));
    // Collections and parked streams first, so that the first inline apply finds both.
    for (const runner of inlineRunners) await runner.prepare();
    detach = events.attachInline(inlineApplier(inlineRunners, attachment.readModels)).detach;
    runners.push(...inlineRunners);
  }
  for (const runner of runners) runner.start();
  for (const member of groups) member.start();
  return new RunningProjections(runners, events, new ReadModels(store), detach, groups);
}
