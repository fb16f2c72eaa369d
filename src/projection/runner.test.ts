import { afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../adapters/memory/open.js';
import { EventStore } from '../core/event-store.js';
import { runProjections, type RunningProjections } from './run-projections.js';
import { balances } from '../testing/conformance/projections/suite.js';
import { defineReactor } from './reactor.js';

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

describe('runners on the memory store', () => {
  it('reports caught up when the log ends exactly on a batch boundary', async () => {
    const events = await store();
    for (let i = 0; i < 4; i++) await events.append(`account-${i}`, [{ type: 'Opened', data: { owner: 'ann' } }, deposit(1)]);
    const running = await run(events, [balances], { batchSize: 4 });
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000, 'timed out'));
    expect(await Promise.race([running.caughtUp().then(() => 'caught up'), timeout])).toBe('caught up');
    expect(await running.readModels.checkpoint(balances)).toBe(await events.headPosition());
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

  it("commits a slow reactor's progress when its batch runs out of time, and goes on from there", async () => {
    const events = await store();
    const seen: number[] = [];
    let readModels: RunningProjections['readModels'] | undefined;
    const slow = defineReactor({
      name: 'slow',
      react: async (event) => {
        seen.push(event.position);
        await new Promise((resolve) => setTimeout(resolve, 30));
        // Event 4 waits until the progress before it is committed: without the cut of the one
        // batch of six (30 ms per event, batchMaxMs 50), it would wait for ever.
        if (event.position === 4) while ((await readModels!.checkpoint(slow)) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    for (let i = 0; i < 6; i++) await events.append(`s-${i}`, [{ type: 'E' }]);
    const running = await run(events, [slow], { batchMaxMs: 50 });
    readModels = running.readModels;
    await running.readModels.waitFor(slow, { minPosition: 6, timeoutMs: 5000 });
    // Each event once (the cut batch goes on after its last committed event), in order.
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
