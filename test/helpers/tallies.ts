import { streamProjection, type Projection, type RecordedEvent } from '../../src/index.js';

/** A tally: the running total of a stream's amounts and the positions applied, in order (so a double, missing or reordered apply shows). */
export type Tally = { total: number; applied: number[] };

/**
 * The projection the inline and dead-letter tests share: one tally per stream of `category`,
 * refusing (throwing on) the amounts `refuses` names.
 */
export function tallies(category: string, refuses: (amount: number) => boolean = (amount) => amount < 0): Projection<RecordedEvent> {
  return streamProjection<Tally>({
    name: 'tallies',
    version: 1,
    handles: { category },
    initialState: () => ({ total: 0, applied: [] }),
    evolve: (state, event) => {
      const { amount } = event.data as { amount: number };
      if (refuses(amount)) throw new Error(`refused amount ${amount}`);
      return { total: state.total + amount, applied: [...state.applied, event.position] };
    },
  });
}

/** An event adding `amount` to a tally. */
export const add = (amount: number) => ({ type: 'Added', data: { amount } });
