// The bank's read model: each account's state, folded by the decider's own `evolve` into one
// document per account stream, queryable by owner and balance. `annals --projections
// ./dist/examples/bank/projections.js projections status` shows its progress.
import { streamProjection } from '../../src/index.js';
import { account, type Account, type AccountEvent } from './account.js';

/** One document per account (id = the stream), the account's state. */
export const balances = streamProjection<Account>({
  name: 'balances',
  version: 1,
  handles: { category: 'account' },
  collection: 'accounts',
  indexes: { owner: 'string', balance: 'number' },
  initialState: account.initialState,
  // Recorded events of the account category, in today's shape (the store upcasts them); a type
  // the decider does not know leaves the state as it is.
  evolve: (state, event) => account.evolve(state, event as unknown as AccountEvent) ?? state,
});
