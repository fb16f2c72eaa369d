import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openMemory } from '../adapters/memory/open.js';
import { EventStore } from '../core/event-store.js';
import type { RecordedEvent } from '../core/types.js';
import { ReadModels } from '../readmodel/read-models.js';
import { defineQuery, handleQuery } from '../query/index.js';
import { defineProjection } from './define-projection.js';
import { runProjections, type RunningProjections } from './run-projections.js';
import { keyedProjection, streamProjection } from './shapes.js';
import { defineReactor } from './reactor.js';

type Balance = { balance: number; owner?: string; events: number };

const balances = streamProjection<Balance>({
  name: 'balances',
  version: 1,
  handles: { category: 'account' },
  indexes: { owner: 'string', balance: 'number' },
  initialState: () => ({ balance: 0, events: 0 }),
  evolve: (state, event) => {
    const data = event.data as { amount?: number; owner?: string };
    switch (event.type) {
      case 'Opened':
        return { ...state, owner: data.owner!, events: state.events + 1 };
      case 'Deposited':
        if (data.amount! < 0) throw new Error(`negative deposit ${data.amount}`);
        return { ...state, balance: state.balance + data.amount!, events: state.events + 1 };
      default:
        return state;
    }
  },
});

const opened: (EventStore | RunningProjections)[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await (thing instanceof EventStore ? thing.close() : thing.stop());
});

async function store(): Promise<EventStore> {
  const events = new EventStore(await openMemory());
  opened.push(events);
  return events;
}

async function run(events: EventStore, projections: Parameters<typeof runProjections>[1], options: Parameters<typeof runProjections>[2] = {}): Promise<RunningProjections> {
  const running = await runProjections(events, projections, { leaseTtlMs: 500, ...options });
  opened.push(running);
  return running;
}

const deposit = (amount: number) => ({ type: 'Deposited', data: { amount } });

describe('async projections on the memory store', () => {
  it('folds each stream into its document and reaches the head', async () => {
    const events = await store();
    await events.append('account-1', [{ type: 'Opened', data: { owner: 'ann' } }, deposit(5)]);
    await events.append('other-1', [{ type: 'Noise' }]);
    const running = await run(events, [balances]);
    await running.caughtUp();
    await events.append('account-2', [{ type: 'Opened', data: { owner: 'bob' } }, deposit(7)]);
    const { position } = await events.append('account-1', [deposit(10)]);
    const accounts = running.readModels.collection<Balance>(balances, 'state');
    expect(await accounts.get('account-1', { minPosition: position })).toEqual({ owner: 'ann', balance: 15, events: 3 });
    expect(await accounts.get('account-2')).toEqual({ owner: 'bob', balance: 7, events: 2 });
    expect((await accounts.find({ where: { owner: 'bob' } })).items.map((item) => item.id)).toEqual(['account-2']);
    expect(await accounts.count({ balance: { gt: 10 } })).toBe(1);
    const [status] = await running.status();
    expect(status).toMatchObject({ name: 'balances', version: 1, generation: 100, liveGeneration: 100, state: 'running', checkpoint: position, head: position, lag: { positions: 0, seconds: 0 }, deadLetters: 0 });
    expect(status!.lease.owner).toBe(running.runners[0]!.owner);
  });

  it('reports caught up when the log ends exactly on a batch boundary', async () => {
    const events = await store();
    for (let i = 0; i < 4; i++) await events.append(`account-${i}`, [{ type: 'Opened', data: { owner: 'ann' } }, deposit(1)]);
    const running = await run(events, [balances], { batchSize: 4 });
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000, 'timed out'));
    expect(await Promise.race([running.caughtUp().then(() => 'caught up'), timeout])).toBe('caught up');
    expect(await running.readModels.checkpoint(balances)).toBe(await events.headPosition());
  });

  it('moves its checkpoint past events it does not handle', async () => {
    const events = await store();
    const running = await run(events, [balances]);
    await running.caughtUp();
    const { position } = await events.append('other-1', [{ type: 'Noise' }, { type: 'Noise' }]);
    await running.readModels.waitFor(balances, { minPosition: position, timeoutMs: 2000 });
    expect(await running.readModels.checkpoint(balances)).toBe(position);
  });

  it('gives a typed timeout, with the checkpoint and lag, when no runner reaches the position', async () => {
    const events = await store();
    const { position } = await events.append('account-1', [deposit(1)]);
    const readModels = new ReadModels(events.readModelStore());
    const error = await readModels.collection(balances, 'state').get('account-1', { minPosition: position, timeoutMs: 50 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ANNALS_CONSISTENCY_TIMEOUT', projection: 'balances', minPosition: position, checkpoint: 0, timeoutMs: 50, retryable: true });
  });

  it('parks a failing event with the later events of its stream, and lets other streams flow', async () => {
    const events = await store();
    const errors: unknown[] = [];
    const running = await run(events, [balances], { maxAttempts: 2, onError: (error) => errors.push(error) });
    await events.append('account-1', [{ type: 'Opened', data: { owner: 'ann' } }, deposit(5)]);
    const poisoned = await events.append('account-2', [{ type: 'Opened', data: { owner: 'bob' } }, deposit(-1), deposit(3)]);
    const { position } = await events.append('account-1', [deposit(1)]);
    const later = await events.append('account-2', [deposit(4)]);
    const accounts = running.readModels.collection<Balance>(balances, 'state');
    expect(await accounts.get('account-1', { minPosition: Math.max(position, later.position), timeoutMs: 5000 })).toMatchObject({ balance: 6 });
    expect(await accounts.get('account-2')).toEqual({ owner: 'bob', balance: 0, events: 1 });
    const letters = await events.readModelStore().deadLetters(running.runners[0]!.key, 0, 10);
    expect(letters.map((letter) => [letter.stream, letter.error.startsWith('Error: negative deposit -1') ? 'failed' : letter.error])).toEqual([
      ['account-2', 'failed'],
      ['account-2', 'parked behind an earlier parked event of the same stream'],
      ['account-2', 'parked behind an earlier parked event of the same stream'],
    ]);
    expect(letters[2]!.position).toBe(later.position);
    expect(letters[0]!.position).toBe(poisoned.position - 1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect((await running.status())[0]!.deadLetters).toBe(3);
  });

  it('keeps one runner applying when two run the same projection, and the other takes over when it stops', async () => {
    const events = await store();
    // Each event's document counts the applications that were committed.
    const counting = defineProjection({
      name: 'counting',
      version: 1,
      collections: { seen: {} },
      load: (event: RecordedEvent) => ({ collection: 'seen', id: event.id }),
      apply: (event: RecordedEvent, session) => {
        const seen = session.get<{ count: number }>('seen', event.id);
        session.upsert('seen', event.id, { count: (seen?.count ?? 0) + 1 });
      },
    });
    const first = await run(events, [counting], { owner: 'first', leaseTtlMs: 300 });
    const second = await run(events, [counting], { owner: 'second', leaseTtlMs: 300 });
    for (let i = 0; i < 20; i++) await events.append(`s-${i % 3}`, [{ type: 'E' }]);
    await first.caughtUp();
    const states = [first.runners[0]!.state, second.runners[0]!.state].sort();
    expect(states).toEqual(['running', 'standby']);
    const [active, standby] = first.runners[0]!.state === 'running' ? [first, second] : [second, first];
    await active.stop();
    const { position } = await events.append('s-9', [{ type: 'E' }]);
    await standby.readModels.waitFor(counting, { minPosition: position, timeoutMs: 3000 });
    expect(standby.runners[0]!.state).toBe('running');
    const page = await standby.readModels.collection<{ count: number }>(counting, 'seen').find({ limit: 100 });
    expect(page.items).toHaveLength(21);
    expect(page.items.every((item) => item.document.count === 1)).toBe(true);
    expect((await standby.status())[0]!.lease).toMatchObject({ owner: standby.runners[0]!.owner, epoch: 2 });
  });

  it('folds events keyed by a field of their data, from any stream', async () => {
    const events = await store();
    const byOwner = keyedProjection<{ total: number }>({
      name: 'by-owner',
      version: 1,
      collection: 'owners',
      handles: { types: ['Deposited'] },
      key: (event) => (event.data as { owner?: string }).owner,
      initialState: () => ({ total: 0 }),
      evolve: (state, event) => ({ total: state.total + (event.data as { amount: number }).amount }),
    });
    const running = await run(events, [byOwner]);
    await events.append('account-1', [{ type: 'Deposited', data: { owner: 'ann', amount: 2 } }]);
    await events.append('account-2', [{ type: 'Deposited', data: { owner: 'ann', amount: 3 } }, { type: 'Deposited', data: { amount: 100 } }]);
    const { position } = await events.append('account-3', [{ type: 'Deposited', data: { owner: 'bob', amount: 4 } }]);
    const owners = running.readModels.collection<{ total: number }>(byOwner, 'owners');
    expect(await owners.get('ann', { minPosition: position })).toEqual({ total: 5 });
    expect(await owners.get('bob')).toEqual({ total: 4 });
    expect(await owners.count()).toBe(2);
  });

  it('answers a query with its input checked by a schema, after waiting for a position', async () => {
    const events = await store();
    const running = await run(events, [balances]);
    const richest = defineQuery({
      name: 'richest',
      input: z.object({ limit: z.number().int().positive() }),
      handle: async ({ limit }, { readModels, consistency }) => {
        const page = await readModels.collection<Balance>(balances, 'state').find({ orderBy: 'balance', direction: 'desc', limit }, consistency);
        return page.items.map((item) => item.id);
      },
    });
    await events.append('account-1', [deposit(5)]);
    const { position } = await events.append('account-2', [deposit(9)]);
    expect(await handleQuery(running.readModels, richest, { limit: 1 }, { minPosition: position })).toEqual(['account-2']);
    await expect(handleQuery(running.readModels, richest, { limit: 0 })).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'input of query "richest"' });
  });

  it('drives a reactor: each event once in order with its id as the idempotency key, a failure retried from where it stopped', async () => {
    const events = await store();
    const calls: string[] = [];
    let failOnce = true;
    const mailer = defineReactor({
      name: 'mailer',
      handles: { types: ['Opened'] },
      react: async (event, { idempotencyKey }) => {
        expect(idempotencyKey).toBe(event.id);
        if ((event.data as { owner: string }).owner === 'cy' && failOnce) {
          failOnce = false;
          throw new Error('mail server down');
        }
        calls.push((event.data as { owner: string }).owner);
      },
    });
    const running = await run(events, [mailer], { maxAttempts: 3 });
    for (const owner of ['ann', 'bob', 'cy', 'dan']) await events.append(`account-${owner}`, [{ type: 'Opened', data: { owner } }, deposit(1)]);
    await running.readModels.waitFor(mailer, { minPosition: await events.headPosition(), timeoutMs: 5000 });
    expect(calls).toEqual(['ann', 'bob', 'cy', 'dan']);
    expect((await running.status())[0]).toMatchObject({ deadLetters: 0, lastError: { message: expect.stringContaining('mail server down') } });
  });
});
