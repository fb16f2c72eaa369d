import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { cleanFold, SOAK, startProjector, statusOf, storedTrails, stopProjector, trailCheckpoint, until } from '../helpers/projector.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, type Worker } from '../helpers/worker.js';

// Two processes run the same projection (test/fixtures/projector.mjs). The one applying is
// frozen with SIGSTOP in the middle of a batch, past its lease: the other must take over within
// the lease's ttl + 2 s. Thawed with SIGCONT, the frozen one finishes its batch, and its commit
// must be refused: it writes no document and moves no checkpoint, and stands by.

const LEASE_TTL_MS = 1000;
const ROUNDS = SOAK ? 5 : 1;

const pgCheck = await checkService(postgresService);
const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

const KEY = { projection: 'trail', version: 100, partition: 0 };

async function pauseRound(events: EventStore, projector: { url: string; schema?: string }, round: number): Promise<void> {
  const readModels = events.readModelStore();
  let writing = true;
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      await events.append(`s-${n % 5}`, [{ type: 'E' }]);
      await sleep(20);
    }
  })();
  const settings = { ...projector, leaseTtlMs: LEASE_TTL_MS, batchSize: 4, busyMs: 10 };
  const workers = new Map<string, Worker>();
  for (const name of [`a${round}`, `b${round}`]) workers.set(name, await startProjector({ ...settings, owner: name }));
  try {
    const holder = await until('one process holds the lease', async () => {
      const state = await readModels.state(KEY);
      return state?.owner !== undefined && workers.has(state.owner) && state.checkpoint > 0 ? state : undefined;
    }, 10_000);
    const active = workers.get(holder.owner!)!;
    const [otherName, other] = [...workers].find(([name]) => name !== holder.owner)!;
    // Frozen while it applies a batch: its commit comes after the thaw.
    await active.nextLine((line) => line.startsWith('applying '));
    process.kill(active.pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    const taken = await until('the other process takes the lease', async () => {
      const state = await readModels.state(KEY);
      return state?.owner === otherName ? state : undefined;
    }, LEASE_TTL_MS + 5000);
    expect(Date.now() - stoppedAt, 'taken over within the ttl + 2 s').toBeLessThanOrEqual(LEASE_TTL_MS + 2000);
    expect(taken.epoch).toBe(holder.epoch + 1);
    // The taker moves on while the holder is frozen.
    await until('the taker commits', async () => ((await trailCheckpoint(readModels)) > taken.checkpoint + 4 ? true : undefined), 10_000);
    process.kill(active.pid!, 'SIGCONT');
    await sleep(LEASE_TTL_MS * 1.5);
    expect((await statusOf(active)).state).toBe('standby');
    const after = await readModels.state(KEY);
    expect(after).toMatchObject({ owner: otherName, epoch: taken.epoch });
    writing = false;
    await writer;
    const head = await events.headPosition();
    await until('the taker reaches the head', async () => ((await trailCheckpoint(readModels)) >= head ? true : undefined), 30_000);
    const reports = new Map([[holder.owner!, await stopProjector(active)], [otherName, await stopProjector(other)]]);
    expect(reports.get(holder.owner!)!.refusedCommits, 'the thawed process tried to commit its batch, and was refused').toBeGreaterThanOrEqual(1);
    expect(reports.get(otherName)!.refusedCommits).toBe(0);
    // Nothing of the frozen process past the checkpoint it had when the lease changed hands.
    const { trails, by } = await storedTrails(readModels);
    const late = [...by].filter(([position, owner]) => owner === holder.owner && position > taken.checkpoint);
    expect(late).toEqual([]);
    expect([...by.values()].filter((owner) => owner === otherName).length).toBeGreaterThan(0);
    expect(trails).toEqual(await cleanFold(events));
  } finally {
    writing = false;
    await writer;
    // A failed round must not leave a frozen process behind (afterEach kills what is left).
    for (const worker of workers.values()) worker.kill('SIGCONT');
  }
}

describe('a projecting process paused past its lease', () => {
  it('SQLite: the other takes over; the paused one, resumed, writes nothing and stands by', async () => {
    const file = dir.file('pause.db');
    const events = await openStore(`sqlite:${file}`);
    try {
      for (let round = 0; round < ROUNDS; round++) await pauseRound(events, { url: `sqlite:${file}` }, round);
    } finally {
      await events.close();
    }
  }, 60_000 * ROUNDS);

  describeWithService(pgCheck, 'PostgreSQL', () => {
    const pg = usePostgres(pgCheck.url);
    it('PostgreSQL: the other takes over; the paused one, resumed, writes nothing and stands by', async () => {
      const schema = pg.schema();
      const events = await pg.open({ schema });
      for (let round = 0; round < ROUNDS; round++) await pauseRound(events, { url: pgCheck.url, schema }, round);
    }, 60_000 * ROUNDS);
  });
});
