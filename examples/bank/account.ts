// The bank's domain as a decider: plain data and plain functions, no store and no framework.
// State is a fold of events (`evolve`); commands are decided into events (`decide`), or refused
// with a typed domain error. Amounts are integers in cents.
import type { Decider } from '../../src/index.js';
import type { AccountEvent } from './events.js';

export type { AccountEvent } from './events.js';

export type Account = {
  readonly status: 'none' | 'open';
  readonly owner: string | null;
  /** ISO 4217 code; null until the account is opened. */
  readonly currency: string | null;
  readonly balance: number;
};

/** `commandId`, when given, makes the command idempotent (see docs/commands.md). */
export type AccountCommand = { readonly commandId?: string } & (
  | { readonly type: 'OpenAccount'; readonly owner: string; readonly currency?: string }
  | { readonly type: 'Deposit'; readonly amount: number }
  | { readonly type: 'Withdraw'; readonly amount: number }
  | { readonly type: 'SendTransfer'; readonly transferId: string; readonly to: string; readonly amount: number }
  | { readonly type: 'ReceiveTransfer'; readonly transferId: string; readonly from: string; readonly amount: number }
);

export const account = {
  initialState: (): Account => ({ status: 'none', owner: null, currency: null, balance: 0 }),

  evolve: (state: Account, event: AccountEvent): Account => {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'open', owner: event.data.owner, currency: event.data.currency, balance: 0 };
      case 'MoneyDeposited':
      case 'TransferReceived':
        return { ...state, balance: state.balance + event.data.amount };
      case 'MoneyWithdrawn':
      case 'TransferSent':
        return { ...state, balance: state.balance - event.data.amount };
    }
  },

  decide: (command: AccountCommand, state: Account): AccountEvent[] => {
    switch (command.type) {
      case 'OpenAccount':
        if (state.status === 'open') throw new AccountAlreadyOpen();
        return [{ type: 'AccountOpened', data: { owner: command.owner, currency: command.currency ?? 'EUR' } }];
      case 'Deposit':
        assertOpen(state);
        assertAmount(command.amount);
        return [{ type: 'MoneyDeposited', data: { amount: command.amount } }];
      case 'Withdraw':
        assertOpen(state);
        assertAmount(command.amount);
        assertFunds(state, command.amount);
        return [{ type: 'MoneyWithdrawn', data: { amount: command.amount } }];
      case 'SendTransfer': {
        const { transferId, to, amount } = command;
        assertOpen(state);
        assertAmount(amount);
        assertFunds(state, amount);
        return [{ type: 'TransferSent', data: { transferId, to, amount } }];
      }
      case 'ReceiveTransfer': {
        const { transferId, from, amount } = command;
        assertOpen(state);
        assertAmount(amount);
        return [{ type: 'TransferReceived', data: { transferId, from, amount } }];
      }
    }
  },
} satisfies Decider<Account, AccountCommand, AccountEvent>;

/** A refusal by the domain: the command was understood and is not allowed. */
export abstract class BankError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InsufficientFunds extends BankError {
  readonly code = 'BANK_INSUFFICIENT_FUNDS';
  constructor(
    readonly balance: number,
    readonly amount: number,
  ) {
    super(`The balance is ${formatMoney(balance)}, less than ${formatMoney(amount)}.`);
  }
}

export class AccountNotOpen extends BankError {
  readonly code = 'BANK_ACCOUNT_NOT_OPEN';
  constructor() {
    super('The account is not open.');
  }
}

export class AccountAlreadyOpen extends BankError {
  readonly code = 'BANK_ACCOUNT_ALREADY_OPEN';
  constructor() {
    super('The account is already open.');
  }
}

export class InvalidAmount extends BankError {
  readonly code = 'BANK_INVALID_AMOUNT';
  constructor(
    readonly amount: number,
    reason = 'an amount is a positive whole number of cents',
  ) {
    super(`Invalid amount ${amount}: ${reason}.`);
  }
}

function assertOpen(state: Account): void {
  if (state.status !== 'open') throw new AccountNotOpen();
}

function assertAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new InvalidAmount(amount);
}

function assertFunds(state: Account, amount: number): void {
  if (state.balance < amount) throw new InsufficientFunds(state.balance, amount);
}

/** 12345 → "123.45". */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
