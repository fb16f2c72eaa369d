// The bank's account decider, specified in the test DSL of annals/testing (no store).
import { describe, it } from 'vitest';
import { deciderSpec } from '../../src/testing/index.js';
import { account, AccountAlreadyOpen, AccountNotOpen, InsufficientFunds, InvalidAmount, type AccountEvent } from '../../examples/bank/account.js';

const given = deciderSpec(account);
const opened: AccountEvent = { type: 'AccountOpened', data: { owner: 'Alice', currency: 'EUR' } };
const deposited = (amount: number): AccountEvent => ({ type: 'MoneyDeposited', data: { amount } });

describe('the account decider', () => {
  it('opens an account once', () => {
    given().when({ type: 'OpenAccount', owner: 'Alice' }).then([opened]);
    given([opened]).when({ type: 'OpenAccount', owner: 'Alice' }).thenThrows(AccountAlreadyOpen);
  });

  it('takes deposits into an open account only, of positive whole cents', () => {
    given([opened]).when({ type: 'Deposit', amount: 500 }).then([deposited(500)]);
    given().when({ type: 'Deposit', amount: 500 }).thenThrows(AccountNotOpen);
    given([opened]).when({ type: 'Deposit', amount: 0 }).thenThrows(InvalidAmount);
    given([opened]).when({ type: 'Deposit', amount: 1.5 }).thenThrows(InvalidAmount, (e) => e.amount === 1.5);
  });

  it('refuses a withdrawal above the balance, saying what the balance is', () => {
    given([opened, deposited(500)]).when({ type: 'Withdraw', amount: 500 }).then([{ type: 'MoneyWithdrawn', data: { amount: 500 } }]);
    given([opened, deposited(500)]).when({ type: 'Withdraw', amount: 501 }).thenThrows(InsufficientFunds, (e) => e.balance === 500 && e.amount === 501);
  });

  it('sends a transfer from the balance and receives one into an open account', () => {
    given([opened, deposited(500)])
      .when({ type: 'SendTransfer', transferId: 't-1', to: 'account-bob', amount: 200 })
      .then([{ type: 'TransferSent', data: { transferId: 't-1', to: 'account-bob', amount: 200 } }]);
    given([opened]).when({ type: 'SendTransfer', transferId: 't-1', to: 'account-bob', amount: 1 }).thenThrows(InsufficientFunds);
    given().when({ type: 'ReceiveTransfer', transferId: 't-1', from: 'account-alice', amount: 1 }).thenThrows(AccountNotOpen);
  });

  it('folds every event into the balance', () => {
    given([opened, deposited(500), { type: 'TransferReceived', data: { transferId: 't', from: 'x', amount: 50 } }])
      .when({ type: 'Withdraw', amount: 100 })
      .thenState({ status: 'open', owner: 'Alice', currency: 'EUR', balance: 450 });
  });
});
