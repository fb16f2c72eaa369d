// The bank against real stores: commands through the handler (test DSL), and the atomic transfer.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { handleCommand, loadState, openStore, type EventStore } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { storeSpec } from '../../src/testing/index.js';
import { account, AccountNotOpen, InsufficientFunds, type AccountEvent } from '../../examples/bank/account.js';
import { accountStream } from '../../examples/bank/account-store.js';
import { bankEvents } from '../../examples/bank/events.js';
import { transfer } from '../../examples/bank/transfer.js';
import { createTempDir } from '../helpers/temp-dir.js';

const dir = createTempDir();
afterAll(() => dir.remove());
const opened = (owner: string): AccountEvent => ({ type: 'AccountOpened', data: { owner, currency: 'EUR' } });
const deposited = (amount: number): AccountEvent => ({ type: 'MoneyDeposited', data: { amount } });

for (const url of ['memory:', `sqlite:${dir.file('bank.db')}`]) {
  describe(`the bank on ${url.split(':')[0]}`, async () => {
    const store: EventStore = await openStore(url, { schemas: bankEvents });
    afterAll(() => store.close());
    const given = storeSpec(store, account, { stream: () => accountStream(randomUUID()) });

    it('handles deposits and withdrawals through the command handler', async () => {
      await given([opened('Ann'), deposited(300)]).when({ type: 'Withdraw', amount: 100 }).then([{ type: 'MoneyWithdrawn', data: { amount: 100 } }]);
      await given([opened('Ann'), deposited(300)]).when({ type: 'Withdraw', amount: 301 }).thenThrows(InsufficientFunds);
      await given().when({ type: 'Deposit', amount: 1 }).thenThrows(AccountNotOpen);
    });

    it('appends a deposit sent twice with the same commandId once', async () => {
      const stream = accountStream(randomUUID());
      await store.append(stream, [opened('Ann')]);
      const commandId = randomUUID();
      const deposit = { type: 'Deposit', amount: 5, commandId } as const;
      const first = await handleCommand(store, account, stream, deposit);
      const second = await handleCommand(store, account, stream, deposit);
      expect(second).toMatchObject({ streamRevision: first.streamRevision, state: first.state });
      const events = await collect(store.readStream(stream));
      expect(events.map((event) => event.type)).toEqual(['AccountOpened', 'MoneyDeposited']);
      expect(events[1]).toMatchObject({ data: { amount: 5 }, metadata: { causationId: commandId, correlationId: commandId } });
    });

    async function openAccounts(aliceBalance: number) {
      const [alice, bob] = [accountStream(`alice-${randomUUID()}`), accountStream(`bob-${randomUUID()}`)];
      await store.append(alice, [opened('Alice'), deposited(aliceBalance)]);
      await store.append(bob, [opened('Bob')]);
      return { alice, bob };
    }

    it('moves money between two accounts in one atomic appendMany', async () => {
      const { alice, bob } = await openAccounts(1_000);
      const result = await transfer(store, { transferId: randomUUID(), from: alice, to: bob, amount: 400 });
      expect(result).toMatchObject({ expected: { from: 1, to: 0 }, revisions: { from: 2, to: 1 } });
      expect((await loadState(store, account, alice)).state.balance).toBe(600);
      expect((await loadState(store, account, bob)).state.balance).toBe(400);
    });

    it('writes neither half when the sender cannot pay', async () => {
      const { alice, bob } = await openAccounts(100);
      await expect(transfer(store, { transferId: randomUUID(), from: alice, to: bob, amount: 400 })).rejects.toBeInstanceOf(InsufficientFunds);
      expect([(await store.streamInfo(alice)).revision, (await store.streamInfo(bob)).revision]).toEqual([1, 0]);
    });

    it('returns the original result for a transfer sent again, even after the accounts moved on', async () => {
      const { alice, bob } = await openAccounts(1_000);
      const command = { transferId: randomUUID(), from: alice, to: bob, amount: 400 };
      const first = await transfer(store, command);
      await store.append(alice, [deposited(1)]);
      expect(await transfer(store, command)).toEqual(first);
      expect((await loadState(store, account, alice)).state.balance).toBe(601);
    });

    it('decides again when another transfer changed the account meanwhile: never an overdraft', async () => {
      const { alice, bob } = await openAccounts(500);
      const outcomes = await Promise.allSettled([
        transfer(store, { transferId: randomUUID(), from: alice, to: bob, amount: 300 }),
        transfer(store, { transferId: randomUUID(), from: alice, to: bob, amount: 300 }),
      ]);
      // Both decided on 5.00; the second to append conflicts, reloads 2.00, and is refused by the domain.
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: expect.any(InsufficientFunds) });
      expect((await loadState(store, account, alice)).state.balance).toBe(200);
      expect((await loadState(store, account, bob)).state.balance).toBe(300);
    });
  });
}
