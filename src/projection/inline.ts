import { matchesFilter } from '../backend/filter.js';
import type { RecordedEvent } from '../core/types.js';
import type { ReadModelStore, SyncReadModels } from '../readmodel/read-model-store.js';
import type { ProjectionCommit } from '../readmodel/types.js';
import { applyLoaded, ApplyFailed, refsOf } from './apply-batch.js';
import { checkpointSignal } from './checkpoint-signal.js';
import type { ProjectionRunner } from './runner.js';
import { BatchSession } from './session.js';

/**
 * The function an inline projection runs inside each append's transaction (memory, SQLite).
 *
 * It applies the append's events only when the projection is caught up, i.e. its checkpoint is
 * the head just before them: then applying them and moving the checkpoint to the last of them,
 * in the same transaction, leaves nothing out and applies nothing twice. When the projection is
 * behind (events appended by a process that did not register it: the CLI, another service, an
 * older deploy), it leaves the append's events too, and its catch-up runner applies them all in
 * log order; once that runner reaches the head, appends apply inline again. Either way each
 * event is applied once, by the one commit that moves the checkpoint past it.
 *
 * Every projection's batch is computed before any is committed, so a projection that throws
 * fails the append with nothing written (the memory store has no transaction to roll back). An
 * event of a stream with a parked event is parked behind it, as the runner would.
 */
export function inlineApplier(runners: readonly ProjectionRunner[], readModels: ReadModelStore & SyncReadModels): (events: readonly RecordedEvent[], headBefore: number) => void {
  return (events, headBefore) => {
    const commits: ProjectionCommit[] = [];
    for (const runner of runners) {
      const { projection, key, specs } = runner;
      const checkpoint = readModels.stateSync(key)?.checkpoint ?? 0;
      if (checkpoint !== headBefore) continue; // behind: the catch-up runner applies these
      const handled = events.filter((event) => matchesFilter(event, projection.handles ?? {}));
      const session = new BatchSession(projection.name, specs);
      for (const event of handled) {
        for (const { collection, id } of refsOf(projection, event)) {
          const spec = specs.get(collection);
          if (spec !== undefined && !session.knows(collection, id)) session.loaded(collection, id, readModels.getSync(spec, [id])[0]);
        }
      }
      let outcome;
      try {
        outcome = applyLoaded(projection, handled, session, new Set(runner.parkedStreams), { parkedStreams: runner.parkedStreams, attempts: new Map(), maxAttempts: Infinity });
      } catch (error) {
        throw error instanceof ApplyFailed ? error.cause : error;
      }
      commits.push({ key, from: checkpoint, checkpoint: events[events.length - 1]!.position, writes: outcome.writes, park: outcome.park });
    }
    for (const commit of commits) readModels.commitSync(commit);
    if (commits.length > 0) queueMicrotask(() => checkpointSignal(readModels).bump());
  };
}
