import { InvalidArgumentError } from '../core/errors.js';
import type { RecordedEvent } from '../core/types.js';
import type { IndexDeclarations } from '../readmodel/types.js';
import { defineProjection, type EventSelection, type Projection } from './define-projection.js';
import type { PartitionDeclaration } from './partitions.js';

/** A stream projection's partition key: the stream name, which the log filters on itself. */
const streamName = (event: RecordedEvent): string => event.stream;

/** What `streamProjection` takes: a fold of each stream's events into one document, as a decider's `evolve` folds state. */
export interface StreamProjectionDefinition<S extends object, E extends RecordedEvent = RecordedEvent> {
  /** The projection's name. */
  readonly name: string;
  /** Its version. */
  readonly version: number;
  /** The events it folds (usually a category). */
  readonly handles?: EventSelection;
  /** The collection's name. Default 'state'. */
  readonly collection?: string;
  /** The collection's indexes. */
  readonly indexes?: IndexDeclarations;
  /** The state before the stream's first event. */
  readonly initialState: () => S;
  /** The next state after an event (a decider's evolve, given the recorded event's data and type). */
  readonly evolve: (state: S, event: E) => S;
  /**
   * Splits it into partitions that a consumer group shares (docs/scaling.md); `{}` for 16. A
   * partition owns the documents it writes: a keyed projection routes each event by its
   * document's key unless `key` says otherwise.
   */
  readonly partitions?: PartitionDeclaration<E>;
}

/**
 * One document per stream, id = the stream's name, holding the fold of its events: the live
 * state of each entity as a read model (Marten's single-stream projection). A decider's
 * `evolve` over `{ type, data }` works as it is.
 */
export function streamProjection<S extends object, E extends RecordedEvent = RecordedEvent>(definition: StreamProjectionDefinition<S, E>): Projection<E> {
  // Its documents are keyed by stream name: partitions route by it, which the log filters on.
  const { partitions } = definition;
  return keyedProjection<S, E>({ ...definition, key: (event) => event.stream, ...(partitions ? { partitions: { ...partitions, key: partitions.key ?? streamName } } : {}) });
}

/** What `keyedProjection` takes: a fold of events into documents chosen by a key of each event. */
export interface KeyedProjectionDefinition<S extends object, E extends RecordedEvent = RecordedEvent> extends StreamProjectionDefinition<S, E> {
  /** The id of the document the event folds into (e.g. a field of its data); undefined skips the event. */
  readonly key: (event: E) => string | undefined;
}

/**
 * Documents keyed by a value the events carry (a customer id, a month), each folding the events
 * that name it, from whatever streams they come: Marten's multi-stream projection. `evolve`
 * returning the state unchanged writes nothing.
 */
export function keyedProjection<S extends object, E extends RecordedEvent = RecordedEvent>(definition: KeyedProjectionDefinition<S, E>): Projection<E> {
  const { key, evolve, initialState } = definition;
  if (typeof key !== 'function') throw new InvalidArgumentError(`key of projection "${definition.name}"`, key, 'a function (event) => document id | undefined');
  if (typeof evolve !== 'function') throw new InvalidArgumentError(`evolve of projection "${definition.name}"`, evolve, 'a function (state, event) => state');
  if (typeof initialState !== 'function') throw new InvalidArgumentError(`initialState of projection "${definition.name}"`, initialState, 'a function () => state');
  const collection = definition.collection ?? 'state';
  return defineProjection<E>({
    name: definition.name,
    version: definition.version,
    ...(definition.handles ? { handles: definition.handles } : {}),
    // Each document is written by one partition: the one its key routes to.
    ...(definition.partitions ? { partitions: { ...definition.partitions, key: definition.partitions.key === streamName ? undefined : (definition.partitions.key ?? ((event: E) => key(event) ?? '')) } } : {}),
    collections: { [collection]: { indexes: definition.indexes ?? {} } },
    load: (event) => {
      const id = key(event);
      return id === undefined ? undefined : { collection, id };
    },
    apply: (event, session) => {
      const id = key(event);
      if (id === undefined) return;
      const state = session.get<S>(collection, id) ?? initialState();
      const next = evolve(state, event);
      if (next !== state) session.upsert(collection, id, next);
    },
  });
}
