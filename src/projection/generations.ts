import type { ReadModelStore } from '../readmodel/read-model-store.js';
import type { Projection } from './define-projection.js';

/**
 * Generations: where a projection's data lives. Each version of a projection owns a range of
 * 100 generations (version 3 owns 300–399); a state row, its lease and its collections belong
 * to one generation (`ProjectionKey.version` and `CollectionSpec.version` hold the generation).
 * A rebuild builds the next generation of the code's version beside the live one and promotes
 * it in one atomic switch (the store's live pointer); a new version starts at its first
 * generation. So two builds of one projection never share tables, and the live pointer alone
 * says which one queries read.
 */
export const GENERATIONS_PER_VERSION = 100;

/** A version's first generation. */
export function firstGeneration(version: number): number {
  return version * GENERATIONS_PER_VERSION;
}

/** The version that owns a generation. */
export function versionOf(generation: number): number {
  return Math.floor(generation / GENERATIONS_PER_VERSION);
}

/** Where a projection stands: the live generation (if any) and the one this code's runners keep up to date. */
export interface Generations {
  /** The generation queries read; undefined before any was promoted. */
  readonly live: number | undefined;
  /** The generation this version's runners keep up to date: the live one when this version owns it, else the newest of this version's generations, else its first. */
  readonly current: number;
  /** Every generation of this version that has a state row, ascending. */
  readonly own: readonly number[];
}

/** The projection's generations, as the store records them. */
export async function generationsOf(store: ReadModelStore, projection: Projection<any>): Promise<Generations> {
  const [live, states] = await Promise.all([store.liveVersion(projection.name), store.states(projection.name)]);
  const own = [...new Set(states.map(({ key }) => key.version).filter((generation) => versionOf(generation) === projection.version))].sort((a, b) => a - b);
  const current = live !== undefined && versionOf(live) === projection.version ? live : (own.at(-1) ?? firstGeneration(projection.version));
  return { live, current, own };
}
