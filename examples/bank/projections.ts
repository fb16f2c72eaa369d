// The bank's read models: each account's state (inline: applied by each append), the accounts of
// each owner and the monthly statements (async: a runner follows the log). `annals --projections
// ./dist/examples/bank/projections.js projections status` shows their progress.
import { defineProjection, keyedProjection, streamProjection, type RecordedEvent } from '../../src/index.js';
import { account, formatMoney, type Account, type AccountEvent } from './account.js';

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

/** One document per owner: the owner's account streams (async: a runner keeps it up to date). */
export const accountsByOwner = keyedProjection<{ owner: string; accounts: string[] }>({
  name: 'accounts-by-owner',
  version: 1,
  collection: 'owners',
  handles: { types: ['AccountOpened'] },
  key: (event) => (event.data as { owner: string }).owner,
  initialState: () => ({ owner: '', accounts: [] }),
  evolve: (state, event) => ({ owner: (event.data as { owner: string }).owner, accounts: [...state.accounts, event.stream] }),
});

/** A monthly statement line: the money in and out of one account in one month. */
export interface StatementLine {
  readonly account: string;
  readonly month: string;
  readonly credits: number;
  readonly debits: number;
}

const MONEY_IN = new Set(['MoneyDeposited', 'TransferReceived']);
const MONEY_OUT = new Set(['MoneyWithdrawn', 'TransferSent']);

/**
 * The monthly statements, one document per account and month (async). `largestLine` is how much
 * one movement may be: the first release had a statement format that could not print more than
 * 1,000.00 (the bank example's dead letter); the fixed one takes any amount.
 */
export function monthlyStatements(largestLine = Number.POSITIVE_INFINITY) {
  const lineOf = (event: RecordedEvent) => `${event.stream}:${event.recordedAt.toISOString().slice(0, 7)}`;
  return defineProjection({
    name: 'monthly-statements',
    version: 1,
    handles: { category: 'account', types: [...MONEY_IN, ...MONEY_OUT] },
    collections: { lines: { indexes: { month: 'string', account: 'string' } } },
    load: (event) => ({ collection: 'lines', id: lineOf(event) }),
    apply: (event, session) => {
      const { amount } = event.data as { amount: number };
      if (amount > largestLine) throw new Error(`the statement format cannot print ${formatMoney(amount)} (at most ${formatMoney(largestLine)})`);
      const id = lineOf(event);
      const line = session.get<StatementLine>('lines', id) ?? { account: event.stream, month: id.slice(event.stream.length + 1), credits: 0, debits: 0 };
      session.upsert('lines', id, MONEY_IN.has(event.type) ? { ...line, credits: line.credits + amount } : { ...line, debits: line.debits + amount });
    },
  });
}

/** The statements as released now (any amount prints). */
export const statements = monthlyStatements();
