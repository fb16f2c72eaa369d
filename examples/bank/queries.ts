// The bank's queries: named questions answered from the read models, their input checked by zod.
import { z } from 'zod';
import { defineQuery, type Projection } from '../../src/index.js';
import type { Account } from './account.js';
import { accountsByOwner, balances, type StatementLine } from './projections.js';

/** An owner's accounts, with their balances. */
export const accountsOf = defineQuery({
  name: 'accounts-of',
  input: z.object({ owner: z.string().min(1) }),
  handle: async ({ owner }, { readModels, consistency }) => {
    const found = await readModels.collection<{ accounts: string[] }>(accountsByOwner, 'owners').get(owner, consistency);
    const accounts = readModels.collection<Account>(balances, 'accounts');
    const states = await Promise.all((found?.accounts ?? []).map(async (stream) => [stream, await accounts.get(stream, consistency)] as const));
    return states.map(([stream, state]) => ({ stream, balance: state?.balance ?? 0 }));
  },
});

/** The richest accounts, by balance (a find on the balances' `balance` index). */
export const richest = defineQuery({
  name: 'richest',
  input: z.object({ limit: z.number().int().min(1).max(100) }),
  handle: async ({ limit }, { readModels, consistency }) => {
    const page = await readModels.collection<Account>(balances, 'accounts').find({ orderBy: 'balance', direction: 'desc', limit }, consistency);
    return page.items.map((item) => ({ stream: item.id, owner: item.document.owner, balance: item.document.balance }));
  },
});

/** An account's statement lines, month by month (a find on the statements' `account` index). */
export function statementOf(statements: Projection<any>) {
  return defineQuery({
    name: 'statement-of',
    input: z.object({ account: z.string().min(1) }),
    handle: async ({ account }, { readModels, consistency }) => {
      const page = await readModels.collection<StatementLine>(statements, 'lines').find({ where: { account }, limit: 120 }, consistency);
      return page.items.map((item) => item.document);
    },
  });
}
