import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openSqliteReadModels } from '../../src/adapters/sqlite/index.js';
import { collectionSpec } from '../../src/readmodel/names.js';
import { range } from '../helpers/collect.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, startTogether, Worker } from '../helpers/worker.js';

// Processes racing on one projection's state row in one SQLite file, each through its own
// connection (test/fixtures/read-model-racer.mjs, which imports the build in dist/).

interface Win {
  readonly checkpoint: number;
  readonly epoch: number;
}
interface CommitReport {
  readonly worker: number;
  readonly wins: readonly Win[];
  readonly lost: number;
  readonly errors: readonly unknown[];
}

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

const key = { projection: 'race', version: 1, partition: 0 };
const steps = collectionSpec('race', 1, 'steps', { by: 'string' });

async function prepared(name: string): Promise<string> {
  const file = dir.file(name);
  const store = await openSqliteReadModels(file); // migrated and prepared up front: the processes race on commits alone
  await store.prepare([steps]);
  await store.close();
  return file;
}

async function race(file: string, mode: 'commit' | 'leased', target: number): Promise<{ wins: (Win & { worker: number })[]; reports: CommitReport[] }> {
  const workers = range(4).map((worker) => new Worker('read-model-racer.mjs', { file, mode, target, worker }));
  await startTogether(workers);
  const reports = await Promise.all(workers.map((w) => w.report<CommitReport>()));
  expect(reports.flatMap((r) => r.errors)).toEqual([]); // no SQLITE_BUSY, nothing but the typed refusal
  const wins = reports.flatMap((r) => r.wins.map((win) => ({ ...win, worker: r.worker }))).sort((a, b) => a.checkpoint - b.checkpoint);
  // Every checkpoint was moved by exactly one process, and its documents are that process's.
  expect(wins.map((w) => w.checkpoint)).toEqual(range(target).map((i) => i + 1));
  const store = await openSqliteReadModels(file);
  const documents = await store.get(steps, wins.map((w) => `step-${w.checkpoint}`));
  expect(documents.map((json) => (JSON.parse(json!) as { by: string }).by)).toEqual(wins.map((w) => `worker-${w.worker}`));
  expect(JSON.parse((await store.get(steps, ['last']))[0]!)).toEqual({ by: `worker-${wins.at(-1)!.worker}`, checkpoint: target });
  expect((await store.state(key))!.checkpoint).toBe(target);
  await store.close();
  return { wins, reports };
}

describe('SQLite read models: processes racing on one projection', () => {
  it('gives a free lease to exactly one of several processes asking at once', async () => {
    const file = await prepared('lease.db');
    const workers = range(4).map((worker) => new Worker('read-model-racer.mjs', { file, mode: 'lease', worker }));
    await startTogether(workers);
    const reports = await Promise.all(workers.map((w) => w.report<{ held: boolean; epoch: number; errors: unknown[] }>()));
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(reports.filter((r) => r.held)).toHaveLength(1);
    expect(reports.map((r) => r.epoch)).toEqual([1, 1, 1, 1]);
  });

  it('moves each checkpoint exactly once when processes commit from the checkpoint they read', async () => {
    const { reports } = await race(await prepared('commit.db'), 'commit', 150);
    expect(reports.reduce((sum, r) => sum + r.lost, 0), 'the processes did overlap').toBeGreaterThan(0);
  });

  it('never lets a process that lost its lease write after the next holder did', async () => {
    const { wins } = await race(await prepared('leased.db'), 'leased', 150);
    // Fencing: along the checkpoints, the epochs never go back.
    const epochs = wins.map((w) => w.epoch);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(new Set(wins.map((w) => w.worker)).size, 'the lease changed hands').toBeGreaterThan(1);
  });
});
