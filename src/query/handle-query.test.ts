import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openMemory } from '../adapters/memory/open.js';
import { EventStore } from '../core/event-store.js';
import { runProjections, type RunningProjections } from '../projection/run-projections.js';
import { streamProjection } from '../projection/shapes.js';
import { defineQuery } from './define-query.js';
import { handleQuery } from './handle-query.js';

// Projections on every backend are pinned by the projection conformance suite (annals/testing);
// this file covers what is the query handler's own: its input schema.

type Balance = { balance: number };

const balances = streamProjection<Balance>({
  name: 'balances',
  version: 1,
  handles: { category: 'account' },
  indexes: { balance: 'number' },
  initialState: () => ({ balance: 0 }),
  evolve: (state, event) => ({ balance: state.balance + (event.data as { amount: number }).amount }),
});

const richest = defineQuery({
  name: 'richest',
  input: z.object({ limit: z.number().int().positive() }),
  handle: async ({ limit }, { readModels, consistency }) => {
    const page = await readModels.collection<Balance>(balances, 'state').find({ orderBy: 'balance', direction: 'desc', limit }, consistency);
    return page.items.map((item) => item.id);
  },
});

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe('handleQuery', () => {
  it('answers a query with its input checked by a schema, after waiting for a position', async () => {
    const events = new EventStore(await openMemory());
    const running: RunningProjections = await runProjections(events, [balances], { leaseTtlMs: 500 });
    cleanup.push(() => events.close(), () => running.stop());
    await events.append('account-1', [{ type: 'Deposited', data: { amount: 5 } }]);
    const { position } = await events.append('account-2', [{ type: 'Deposited', data: { amount: 9 } }]);
    expect(await handleQuery(running.readModels, richest, { limit: 1 }, { minPosition: position })).toEqual(['account-2']);
    await expect(handleQuery(running.readModels, richest, { limit: 0 })).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'input of query "richest"' });
  });
});
