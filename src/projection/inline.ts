import { matchesFilter } from '../backend/filter.js';
import type { InlineReads } from '../backend/parts.js';
import type { AppendOutcome, InlineFunction } from '../core/event-store.js';
import type { RecordedEvent } from '../core/types.js';
import type { ReadModelStore, SyncReadModels } from '../readmodel/read-model-store.js';
import type { ProjectionCommit } from '../readmodel/types.js';
import { applyLoaded, ApplyFailed, refsOf } from './apply-batch.js';
import { checkpointSignal } from './checkpoint-signal.js';
import type { ProjectionRunner } from './runner.js';
import { BatchSession } from './session.js';

/**
 * The function an inline projection runs inside each append's transaction.
 *
 * It applies the append's events only when the projection is caught up, i.e. its checkpoint is
 * at or past `headBefore` (see InlineApply: then every event before the append is applied):
 * applying them and moving the checkpoint to the last of them, in the same transaction, leaves
 * nothing out and applies nothing twice. When the projection is behind (events appended by a
 * process that did not register it: the CLI, another service, an older deploy), it leaves the
 * append's events too, and its catch-up runner applies them all in log order; once that runner
 * reaches the head, appends apply inline again. Either way each event is applied once, by the
 * one commit that moves the checkpoint past it.
 *
 * Every projection's batch is computed before any is committed, so a projection that throws
 * fails the append with nothing written (the memory store has no transaction to roll back). An
 * event of a stream with a parked event is parked behind it, as the runner would. Its `reads`
 * names the state rows and the documents it reads, for hosts that load them first (PostgreSQL).
 */
export function inlineApplier(runners: readonly ProjectionRunner[], readModels: ReadModelStore & SyncReadModels): InlineFunction {
  const apply = (events: readonly RecordedEvent[], headBefore: number) => {
    const commits: ProjectionCommit[] = [];
    const applied: ProjectionRunner[] = [];
    for (const runner of runners) {
      const { projection, key, specs } = runner;
      const checkpoint = readModels.stateSync(key)?.checkpoint ?? 0;
      if (checkpoint < headBefore) continue; // behind: the catch-up runner applies these
      const handled = handledBy(runner, events);
      const session = new BatchSession(projection.name, specs);
      for (const [collection, ids] of documentsRead(runner, handled, false)) {
        const found = readModels.getSync(specs.get(collection)!, ids);
        ids.forEach((id, i) => session.loaded(collection, id, found[i]));
      }
      let outcome;
      try {
        outcome = applyLoaded(projection, handled, session, { parkedStreams: runner.parkedStreams, attempts: new Map(), maxAttempts: Infinity });
      } catch (error) {
        throw error instanceof ApplyFailed ? error.cause : error;
      }
      commits.push({ key, from: checkpoint, checkpoint: events[events.length - 1]!.position, writes: outcome.writes, park: outcome.park });
      applied.push(runner);
    }
    for (const commit of commits) readModels.commitSync(commit);
    for (const runner of applied) runner.inlineApplied(events[events.length - 1]!.position);
    if (commits.length > 0) queueMicrotask(() => checkpointSignal(readModels).bump());
  };
  const reads = (events: readonly RecordedEvent[]): InlineReads[] =>
    runners.map((runner) => ({
      key: runner.key,
      documents: [...documentsRead(runner, handledBy(runner, events), true)].map(([collection, ids]) => ({ collection: runner.specs.get(collection)!, ids })),
    }));
  // Once the append has committed, its runners need not read back what it applied.
  const settled = (outcome: AppendOutcome) => {
    for (const runner of runners) runner.inlineSettled(outcome);
  };
  return Object.assign(apply, { reads, settled });
}

function handledBy(runner: ProjectionRunner, events: readonly RecordedEvent[]): RecordedEvent[] {
  return events.filter((event) => matchesFilter(event, runner.projection.handles ?? {}));
}

/**
 * The documents of declared collections that `load` names for the events, by collection, each
 * id once. `tolerant` skips an event whose `load` throws (apply then throws the same, when it runs).
 */
function documentsRead(runner: ProjectionRunner, events: readonly RecordedEvent[], tolerant: boolean): Map<string, string[]> {
  const wanted = new Map<string, Set<string>>();
  for (const event of events) {
    let refs;
    try {
      refs = refsOf(runner.projection, event);
    } catch (error) {
      if (tolerant) continue;
      throw error;
    }
    for (const { collection, id } of refs) {
      if (!runner.specs.has(collection)) continue;
      let ids = wanted.get(collection);
      if (ids === undefined) wanted.set(collection, (ids = new Set()));
      ids.add(id);
    }
  }
  return new Map([...wanted].map(([collection, ids]) => [collection, [...ids]]));
}
