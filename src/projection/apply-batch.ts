import type { RecordedEvent } from '../core/types.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { CollectionSpec, DeadLetter, DocumentWrite } from '../readmodel/types.js';
import type { DocumentRef, Projection } from './define-projection.js';
import { BatchSession } from './session.js';

/** What a batch comes to: the writes to commit, and the events to park with them. */
export interface BatchOutcome {
  readonly writes: readonly DocumentWrite[];
  readonly park: readonly DeadLetter[];
  /** The streams parked by this batch (to add to the runner's set once the commit lands). */
  readonly parkedStreams: ReadonlySet<string>;
}

/** How failing events are handled: tried `maxAttempts` times (the batch is retried), then parked. */
export interface FailurePolicy {
  /** Streams that have a parked event: their later events are parked behind it, in order. */
  readonly parkedStreams: ReadonlySet<string>;
  /** Failed attempts so far, by event position (the runner keeps it across retries of a batch). */
  readonly attempts: Map<number, number>;
  /** Attempts before an event is parked. */
  readonly maxAttempts: number;
}

/** An event failed and has attempts left: the batch is retried (after a back-off), nothing committed. */
export class ApplyFailed extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly attempt: number,
    options: { cause: unknown },
  ) {
    super(`apply failed on event ${event.position} (${event.type} of ${event.stream}), attempt ${attempt}: ${describeError(options.cause)}`, options);
  }
}

export const AFTER_PARKED = 'parked behind an earlier parked event of the same stream';

/**
 * Loads the documents the batch reads, applies each event in order and collects the writes. An
 * event of a parked stream is parked without being applied; an event whose apply throws has its
 * changes taken back and is parked once it has failed `maxAttempts` times (until then, the
 * whole batch fails with ApplyFailed and is retried).
 */
export async function applyBatch(
  projection: Projection<any>,
  specs: ReadonlyMap<string, CollectionSpec>,
  events: readonly RecordedEvent[],
  store: ReadModelStore,
  policy: FailurePolicy,
): Promise<BatchOutcome> {
  const session = new BatchSession(projection.name, specs);
  await loadDocuments(projection, specs, events, policy.parkedStreams, session, store);
  return applyLoaded(projection, events, session, policy);
}

/** The apply half of a batch, with its documents already in the session (inline projections load synchronously). */
export function applyLoaded(projection: Projection<any>, events: readonly RecordedEvent[], session: BatchSession, policy: FailurePolicy): BatchOutcome {
  // The streams parked so far, this batch's included (the policy's set changes only once the batch commits).
  const parkedStreams = new Set(policy.parkedStreams);
  const park: DeadLetter[] = [];
  const newlyParked = new Set<string>();
  for (const event of events) {
    if (parkedStreams.has(event.stream)) {
      park.push(deadLetter(event, AFTER_PARKED));
      continue;
    }
    const mark = session.begin();
    try {
      const result: unknown = projection.apply(event, session);
      if (result !== undefined && typeof (result as PromiseLike<unknown>)?.then === 'function') {
        throw new Error(`apply of projection "${projection.name}" returned a promise: apply must be synchronous (use a reactor for side effects)`);
      }
    } catch (error) {
      session.undo(mark);
      const attempt = (policy.attempts.get(event.position) ?? 0) + 1;
      policy.attempts.set(event.position, attempt);
      if (attempt < policy.maxAttempts) throw new ApplyFailed(event, attempt, { cause: error });
      park.push(deadLetter(event, describeError(error)));
      parkedStreams.add(event.stream);
      newlyParked.add(event.stream);
    }
  }
  return { writes: session.changes, park, parkedStreams: newlyParked };
}

/** The documents each event's `load` names, fetched with one read per collection. */
export function refsOf(projection: Projection<any>, event: RecordedEvent): readonly DocumentRef[] {
  if (projection.load === undefined) return [];
  const refs = projection.load(event);
  return refs === undefined ? [] : Array.isArray(refs) ? refs : [refs as DocumentRef];
}

async function loadDocuments(
  projection: Projection<any>,
  specs: ReadonlyMap<string, CollectionSpec>,
  events: readonly RecordedEvent[],
  parkedStreams: ReadonlySet<string>,
  session: BatchSession,
  store: ReadModelStore,
): Promise<void> {
  const wanted = new Map<string, Set<string>>();
  for (const event of events) {
    if (parkedStreams.has(event.stream)) continue;
    let refs: readonly DocumentRef[];
    try {
      refs = refsOf(projection, event);
    } catch {
      continue; // apply will fail the same way, or read nothing: the error is reported there
    }
    for (const { collection, id } of refs) {
      if (!specs.has(collection) || typeof id !== 'string') continue; // the session reports it when apply reads it
      let ids = wanted.get(collection);
      if (ids === undefined) wanted.set(collection, (ids = new Set()));
      ids.add(id);
    }
  }
  await Promise.all(
    [...wanted].map(async ([collection, ids]) => {
      const list = [...ids];
      const found = await store.get(specs.get(collection)!, list);
      list.forEach((id, i) => session.loaded(collection, id, found[i]));
    }),
  );
}

function deadLetter(event: RecordedEvent, error: string): DeadLetter {
  return { position: event.position, eventId: event.id, stream: event.stream, type: event.type, error, parkedAt: Date.now() };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
