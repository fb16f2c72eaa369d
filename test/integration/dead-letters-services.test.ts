import { expect, it } from 'vitest';
import { dropDeadLetters, listDeadLetters, ReadModels, retryDeadLetters, runProjections, type EventStore } from '../../src/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { tallies as tallyProjection, type Tally } from '../helpers/tallies.js';

// Retry and drop of dead letters on the server backends: the operations' commits (writes,
// un-parking, re-parking) and the lease they hold, as memory and SQLite run them in
// src/projection/dead-letters.test.ts.

const postgresCheck = await checkService(postgresService);
const redisCheck = await checkService(redisService);

const tallies = (refuses: (amount: number) => boolean) => tallyProjection('acct', refuses);

const add = (amount: number) => ({ type: 'Added', data: { amount } });

async function scenario(events: EventStore, inline: boolean): Promise<void> {
  const buggy = tallies((amount) => amount < 0);
  let allow = false;
  const adjustable = tallies((amount) => amount < 0 && !allow);
  await events.append('acct-1', [add(1)]);
  await events.append('acct-2', [add(10), add(-3), add(4)]);
  await events.append('acct-3', [add(-1), add(2)]);
  const running = await runProjections(events, inline ? { inline: [adjustable] } : [adjustable], { leaseTtlMs: 2000, maxAttempts: 1 });
  try {
    await running.caughtUp();
    const readModels = events.readModelStore();
    expect((await listDeadLetters(readModels, buggy)).map((l) => l.stream)).toEqual(['acct-2', 'acct-2', 'acct-3', 'acct-3']);
    await expect(retryDeadLetters(events, buggy)).rejects.toMatchObject({ code: 'ANNALS_PROJECTION_BUSY' });
    expect(await running.retryDeadLetters('tallies')).toMatchObject({ applied: 0, stillParked: 4 });
    allow = true;
    expect(await running.retryDeadLetters('tallies', { streams: ['acct-2'] })).toEqual({ applied: 2, missing: 0, streams: ['acct-2'], failed: [], stillParked: 0 });
    expect(await running.dropDeadLetters('tallies', { streams: ['acct-3'] })).toEqual({ dropped: 2, streams: ['acct-3'] });
    const { position } = await events.append('acct-2', [add(5)]);
    await events.append('acct-3', [add(7)]);
    const last = await events.headPosition();
    const state = new ReadModels(readModels).collection<Tally>(adjustable, 'state');
    expect(await state.get('acct-2', { minPosition: last, timeoutMs: 5000 })).toEqual({ total: 16, applied: [2, 3, 4, position] });
    expect(await state.get('acct-3')).toEqual({ total: 7, applied: [last] });
    expect(await listDeadLetters(readModels, buggy)).toEqual([]);
  } finally {
    await running.stop();
  }
}

describeWithService(postgresCheck, 'dead letters on PostgreSQL', () => {
  const postgres = usePostgres(postgresCheck.url);

  it('retries and drops through the running process, async and inline', async () => {
    await scenario(await postgres.open(), false);
    await scenario(await postgres.open(), true);
  });

  it('retries after the runner stopped, under a lease of its own: failing again, then fixed', async () => {
    const events = await postgres.open();
    const buggy = tallies((amount) => amount < 0);
    await events.append('acct-2', [add(10), add(-3), add(4)]);
    const running = await runProjections(events, [buggy], { leaseTtlMs: 2000, maxAttempts: 1 });
    await running.caughtUp();
    await running.stop();
    expect(await retryDeadLetters(events, buggy)).toMatchObject({ applied: 0, stillParked: 2, failed: [{ error: 'Error: refused amount -3' }] });
    expect(await retryDeadLetters(events, tallies(() => false))).toEqual({ applied: 2, missing: 0, streams: ['acct-2'], failed: [], stillParked: 0 });
    expect(await dropDeadLetters(events, buggy, { all: true })).toEqual({ dropped: 0, streams: [] });
  });
});

describeWithService(redisCheck, 'dead letters on Redis', () => {
  const redis = useRedis(redisCheck.url);

  it('retries and drops through the running process', async () => {
    await scenario(await redis.open(), false);
  });
});
