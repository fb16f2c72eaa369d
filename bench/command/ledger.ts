import { DEFAULT_SNAPSHOT_EVERY, type Decider } from '../../src/index.js';

/** The event of the benchmark streams: the shape `makeEvents` writes (bench/lib/workload.ts). */
export interface Deposited {
  readonly type: 'MoneyDeposited';
  readonly data: { readonly accountId: string; readonly amount: number; readonly currency: string; readonly reference: string; readonly channel: string };
}

export interface Deposit {
  readonly type: 'Deposit';
  readonly accountId: string;
  readonly amount: number;
  readonly reference: string;
}

export interface Ledger {
  readonly balance: number;
  readonly deposits: number;
  readonly lastReference: string | null;
}

export class DuplicateDeposit extends Error {}

/** An account that takes deposits: every command folds the stream, decides one event. */
export const ledger = {
  initialState: (): Ledger => ({ balance: 0, deposits: 0, lastReference: null }),
  evolve: (state: Ledger, event: Deposited): Ledger => ({
    balance: state.balance + event.data.amount,
    deposits: state.deposits + 1,
    lastReference: event.data.reference,
  }),
  decide: (command: Deposit, state: Ledger): Deposited[] => {
    if (command.reference === state.lastReference) throw new DuplicateDeposit(`deposit ${command.reference} was just made`);
    const { accountId, amount, reference } = command;
    return [{ type: 'MoneyDeposited', data: { accountId, amount, currency: 'EUR', reference, channel: 'bench' } }];
  },
} satisfies Decider<Ledger, Deposit, Deposited>;

/** The same decider with snapshots every 100 events (the default). */
export const snapshottedLedger = {
  ...ledger,
  snapshot: { version: 1, every: DEFAULT_SNAPSHOT_EVERY },
} satisfies Decider<Ledger, Deposit, Deposited>;

export type LedgerDecider = typeof ledger | typeof snapshottedLedger;

/** The n-th command of a side (the same sequence on both sides, so their states end equal). */
export function depositCommand(n: number): Deposit {
  return { type: 'Deposit', accountId: 'account-bench', amount: 100 + (n % 900), reference: `cmd-${n}` };
}
