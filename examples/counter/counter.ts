// A counter as a decider: the smallest example, used by the command side's tests and the race test.
import type { Decider } from '../../src/index.js';

export type CounterEvent = { readonly type: 'Incremented'; readonly data: { readonly by: number; readonly total: number } } | { readonly type: 'Reset' };
export type CounterCommand = { readonly type: 'Increment'; readonly by?: number; readonly commandId?: string } | { readonly type: 'Reset' } | { readonly type: 'Check' };
export type Counter = { readonly total: number };

export class CounterTooHigh extends Error {
  readonly code = 'COUNTER_TOO_HIGH';
}

/** Counts; refuses to pass 100; `Check` decides nothing. */
export const counter = {
  initialState: (): Counter => ({ total: 0 }),
  evolve: (state: Counter, event: CounterEvent): Counter => (event.type === 'Reset' ? { total: 0 } : { total: event.data.total }),
  decide: (command: CounterCommand, state: Counter): CounterEvent[] => {
    switch (command.type) {
      case 'Increment': {
        const by = command.by ?? 1;
        if (state.total + by > 100) throw new CounterTooHigh(`${state.total} + ${by} is more than 100`);
        return [{ type: 'Incremented', data: { by, total: state.total + by } }];
      }
      case 'Reset':
        return [{ type: 'Reset' }];
      case 'Check':
        return [];
    }
  },
} satisfies Decider<Counter, CounterCommand, CounterEvent>;
