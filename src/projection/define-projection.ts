import { InvalidArgumentError } from '../core/errors.js';
import type { RecordedEvent } from '../core/types.js';
import { assertCategory, assertTypes } from '../core/validate.js';
import { assertProjectionName, assertProjectionVersion, collectionSpec } from '../readmodel/names.js';
import { firstGeneration } from './generations.js';
import type { CollectionSpec, IndexDeclarations } from '../readmodel/types.js';
import type { ProjectionSession } from './session.js';
import { checkPartitions, type PartitionDeclaration, type Partitioning } from './partitions.js';

/** A document a projection reads while it applies an event: its collection (by the projection's name for it) and id. */
export interface DocumentRef {
  /** The collection, as the projection declares it. */
  readonly collection: string;
  /** The document's id. */
  readonly id: string;
}

/** Which events a projection receives: all of a category, of some types, or both (both must match). */
export interface EventSelection {
  /** Only events of streams in this category (the text before the first `-` of the stream name). */
  readonly category?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
}

/** A collection a projection declares. */
export interface CollectionDeclaration {
  /** Its indexes: field → 'string' or 'number'. Finds and counts filter and order by one of them. */
  readonly indexes?: IndexDeclarations;
}

/** What `defineProjection` takes. */
export interface ProjectionDefinition<E extends RecordedEvent = RecordedEvent> {
  /** The projection's name: 1 to 32 characters of a-z, 0-9, _ and -. */
  readonly name: string;
  /** Its version: raise it when apply or the documents' shape change, and rebuild (version N+1 is built beside N). */
  readonly version: number;
  /** The events it receives; others are never handed to it (its checkpoint still moves past them). Default: every event. */
  readonly handles?: EventSelection;
  /** Its collections and their indexes: `{ accounts: { indexes: { owner: 'string' } } }`. */
  readonly collections: Readonly<Record<string, CollectionDeclaration>>;
  /**
   * The documents `apply` reads (get) or patches for this event: the runner fetches them before
   * it applies a batch, so that apply never waits. Writing (upsert, delete) needs no load.
   */
  readonly load?: (event: E) => DocumentRef | readonly DocumentRef[] | undefined;
  /** Applies one event to the read model through the session: synchronous, no I/O of its own. */
  readonly apply: (event: E, session: ProjectionSession) => void;
  /**
   * Splits the projection into partitions that a consumer group shares: every process that runs
   * it joins the group and applies some of the partitions (see docs/scaling.md). Runs async only.
   * Default: not partitioned (one runner at a time applies every event).
   */
  readonly partitions?: PartitionDeclaration<E>;
}

/** A projection, checked, with its collections' specs. */
export interface Projection<E extends RecordedEvent = RecordedEvent> extends Omit<ProjectionDefinition<E>, 'partitions'> {
  /** Its partitions, checked; undefined when it is not partitioned. */
  readonly partitions?: Partitioning;
  /** The projection's collections: name → spec, at its version's first generation (the declared indexes are the same in every generation). */
  readonly specs: ReadonlyMap<string, CollectionSpec>;
  /** The collections' specs at a generation (see generations.ts). */
  specsAt(generation: number): ReadonlyMap<string, CollectionSpec>;
}

/**
 * A projection: events fold into documents of its collections. Whether it runs inline (in the
 * append's transaction) or async (a runner following the log) is chosen where it is
 * registered, not here.
 * @throws InvalidArgumentError for a bad name, version, selection or collection.
 */
export function defineProjection<E extends RecordedEvent = RecordedEvent>(definition: ProjectionDefinition<E>): Projection<E> {
  if (typeof definition !== 'object' || definition === null) throw new InvalidArgumentError('projection', definition, 'an object { name, version, collections, apply }');
  const name = assertProjectionName(definition.name);
  assertProjectionVersion(definition.version);
  if (typeof definition.apply !== 'function') throw new InvalidArgumentError(`apply of projection "${name}"`, definition.apply, 'a function (event, session) => void');
  if (definition.load !== undefined && typeof definition.load !== 'function') throw new InvalidArgumentError(`load of projection "${name}"`, definition.load, 'a function (event) => { collection, id } | list | undefined');
  const partitions = checkPartitions(name, definition.partitions);
  const handles = definition.handles ?? {};
  const selection: EventSelection = { category: assertCategory(handles.category), types: assertTypes(handles.types) };
  const collections = definition.collections;
  if (typeof collections !== 'object' || collections === null || Object.keys(collections).length === 0) {
    throw new InvalidArgumentError(`collections of projection "${name}"`, collections, 'an object of at least one collection: { name: { indexes } }');
  }
  const built = new Map<number, ReadonlyMap<string, CollectionSpec>>();
  const specsAt = (generation: number) => {
    let specs = built.get(generation);
    if (specs === undefined) {
      specs = new Map(Object.entries(collections).map(([collection, { indexes } = {}]) => [collection, collectionSpec(name, generation, collection, indexes)]));
      built.set(generation, specs);
    }
    return specs;
  };
  return Object.freeze({ ...definition, partitions, handles: selection, specs: specsAt(firstGeneration(definition.version)), specsAt });
}
