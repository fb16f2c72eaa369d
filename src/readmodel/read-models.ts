import { ConsistencyTimeoutError, InvalidArgumentError } from '../core/errors.js';
import type { ReadModelStore } from './read-model-store.js';
import { checkpointSignal } from '../projection/checkpoint-signal.js';
import type { Projection } from '../projection/define-projection.js';
import { generationsOf } from '../projection/generations.js';
import { generationCheckpoint } from '../projection/partitions.js';
import { checkFilter, checkFind, nextCursor, type FindOptions, type FindPage, type Where } from './find.js';
import { assertDocumentId } from './names.js';
import type { CollectionSpec } from './types.js';

/** Read-your-writes: wait until the projection has applied the log up to `minPosition` (an append's or a command's `position`). */
export interface Consistency {
  /** The position the read must reflect. Default: none (read what is there now). */
  readonly minPosition?: number;
  /** How long to wait for it, in ms. Default: ANNALS_CONSISTENCY_TIMEOUT from the environment, or 5,000. */
  readonly timeoutMs?: number;
}

/** The default wait of a read with `minPosition`: ANNALS_CONSISTENCY_TIMEOUT (ms) when set, else 5 s. */
export function defaultConsistencyTimeoutMs(): number {
  const text = process.env.ANNALS_CONSISTENCY_TIMEOUT;
  if (text === undefined || text === '') return 5000;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('ANNALS_CONSISTENCY_TIMEOUT', text, 'a whole number of milliseconds');
  return value;
}

/**
 * The query side's way into read models: a projection's collections, read from its live version
 * (the one a rebuild promoted last, or the projection's own when none was promoted), optionally
 * after waiting until the projection has caught up with a position.
 */
export class ReadModels {
  constructor(
    /** The read-model store read from. */
    readonly store: ReadModelStore,
  ) {}

  /** A collection of the projection, to get, find and count its documents. */
  collection<D extends object = Record<string, unknown>>(projection: Projection<any>, collection: string): Collection<D> {
    if (!projection.specs.has(collection)) {
      throw new InvalidArgumentError(`collection of projection "${projection.name}"`, collection, `one of ${[...projection.specs.keys()].join(', ')}`);
    }
    return new Collection<D>(this, projection, collection);
  }

  /**
   * The generation queries read: the live one (the last a rebuild promoted, or the first a
   * runner made live), or, before there is one, the one this version's runners build.
   */
  async liveGeneration(projection: Projection<any>): Promise<number> {
    return (await this.store.liveVersion(projection.name)) ?? (await generationsOf(this.store, projection)).current;
  }

  /** The checkpoint of the generation queries read (0 when it has none yet): a partitioned projection's smallest partition checkpoint. */
  async checkpoint(projection: Projection<any>): Promise<number> {
    return generationCheckpoint(this.store, projection, await this.liveGeneration(projection));
  }

  /**
   * Resolves once the projection's live version has applied the log up to `minPosition`, woken by
   * commits (this process's runners, and other processes' where the store can watch); throws
   * ConsistencyTimeoutError with the checkpoint it reached when `timeoutMs` passes first.
   */
  async waitFor(projection: Projection<any>, consistency: Consistency = {}): Promise<void> {
    const { minPosition } = consistency;
    if (minPosition === undefined) return;
    if (!Number.isInteger(minPosition) || minPosition < 0) throw new InvalidArgumentError('minPosition', minPosition, 'a position (an integer >= 0)');
    const timeoutMs = consistency.timeoutMs ?? defaultConsistencyTimeoutMs();
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) throw new InvalidArgumentError('timeoutMs', timeoutMs, 'a whole number of milliseconds');
    const wakeup = checkpointSignal(this.store);
    const deadline = AbortSignal.timeout(Math.max(1, timeoutMs));
    const stopWatching = this.store.watch?.(() => wakeup.bump());
    try {
      for (;;) {
        const seen = wakeup.generation;
        const checkpoint = await this.checkpoint(projection);
        if (checkpoint >= minPosition) return;
        if (deadline.aborted) throw new ConsistencyTimeoutError(projection.name, minPosition, checkpoint, timeoutMs);
        await wakeup.after(seen, deadline);
      }
    } finally {
      stopWatching?.();
    }
  }
}

/** One collection of a projection, read from its live version. */
export class Collection<D extends object> {
  constructor(
    private readonly readModels: ReadModels,
    private readonly projection: Projection<any>,
    /** The collection's name in the projection. */
    readonly name: string,
  ) {}

  /** The document with this id, or undefined. */
  async get(id: string, consistency?: Consistency): Promise<D | undefined> {
    assertDocumentId(id);
    const spec = await this.spec(consistency);
    const [json] = await this.readModels.store.get(spec, [id]);
    return json === undefined ? undefined : (JSON.parse(json) as D);
  }

  /** A page of the documents a find selects (one declared index), and the cursor of the next page. */
  async find(options?: FindOptions, consistency?: Consistency): Promise<FindPage<D>> {
    const checked = checkFind(this.projection.specs.get(this.name)!, options);
    const spec = await this.spec(consistency);
    const page = await this.readModels.store.find(spec, checked);
    return { items: page.map(({ id, json }) => ({ id, document: JSON.parse(json) as D })), next: nextCursor(checked, page) };
  }

  /** How many documents the filter selects (every document without one). */
  async count(where?: Where, consistency?: Consistency): Promise<number> {
    const filter = checkFilter(this.projection.specs.get(this.name)!, where);
    return this.readModels.store.count(await this.spec(consistency), filter);
  }

  /** The collection's spec at the live version, after the wait the read asked for. */
  private async spec(consistency: Consistency | undefined): Promise<CollectionSpec> {
    if (consistency !== undefined) await this.readModels.waitFor(this.projection, consistency);
    return this.projection.specsAt(await this.readModels.liveGeneration(this.projection)).get(this.name)!;
  }
}
