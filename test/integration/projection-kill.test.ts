import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { cleanFold, SOAK, startProjector, storedTrails, stopProjector, trailCheckpoint } from '../helpers/projector.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers } from '../helpers/worker.js';

// A projecting process (test/fixtures/projector.mjs, from dist/) is killed with SIGKILL at random
// moments while events keep arriving; after each kill, the read model must be exactly a clean
// fold of the log up to its checkpoint: nothing applied twice, nothing past the checkpoint
// applied, nothing before it missing. Then a new process takes over from there.

const CYCLES = SOAK ? 60 : 10;
const LEASE_TTL_MS = 300;

const pgCheck = await checkService(postgresService);
const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

async function killCycles(events: EventStore, projector: { url: string; schema?: string }): Promise<void> {
  const readModels = events.readModelStore();
  let writing = true;
  let appended = 0;
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      await events.append(`s-${n % 7}`, Array.from({ length: 1 + (n % 3) }, () => ({ type: 'E' })));
      appended++;
      await sleep(Math.random() * 4);
    }
  })();
  const checkpoints: number[] = [];
  try {
    let previous = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const worker = await startProjector({ ...projector, owner: `cycle-${cycle}`, leaseTtlMs: LEASE_TTL_MS, batchSize: 1 + (cycle % 4) });
      // The lease of the killed process must run out before this one applies: wait for its first event.
      await worker.waitForLine((line) => line.startsWith('applying '));
      await sleep(Math.random() * 400);
      worker.kill('SIGKILL');
      expect((await worker.exited).signal).toBe('SIGKILL');
      // PostgreSQL runs what it had received from the killed process: its last COMMIT may land after
      // the exit, between two reads. The checkpoint and the documents are one snapshot when the
      // checkpoint is the same before and after the documents are read.
      let checkpoint: number;
      let trails: Awaited<ReturnType<typeof storedTrails>>['trails'];
      do {
        checkpoint = await trailCheckpoint(readModels);
        ({ trails } = await storedTrails(readModels));
      } while ((await trailCheckpoint(readModels)) !== checkpoint);
      expect(checkpoint, 'the checkpoint never goes back').toBeGreaterThanOrEqual(previous);
      expect(trails, `after kill ${cycle + 1}, the read model is a clean fold up to checkpoint ${checkpoint}`).toEqual(await cleanFold(events, checkpoint));
      checkpoints.push(checkpoint);
      previous = checkpoint;
    }
  } finally {
    // Also when an assertion failed: the appends would go on into a store the test closes.
    writing = false;
    await writer;
  }
  expect(new Set(checkpoints).size, 'the kills landed at different places').toBeGreaterThanOrEqual(Math.min(3, CYCLES));
  // A last process reaches the head: every event once, in each stream's order.
  const last = await startProjector({ ...projector, owner: 'last', leaseTtlMs: LEASE_TTL_MS });
  const head = await events.headPosition();
  const deadline = Date.now() + 20_000;
  while ((await trailCheckpoint(readModels)) < head && Date.now() < deadline) await sleep(50);
  const report = await stopProjector(last);
  expect(report.refusedCommits).toBe(0);
  expect((await storedTrails(readModels)).trails).toEqual(await cleanFold(events));
  expect(appended).toBeGreaterThan(CYCLES);
}

describe('kill -9 of a projecting process', () => {
  it(`SQLite: after each of ${CYCLES} kills the read model is a clean fold up to its checkpoint`, async () => {
    const file = dir.file('kill.db');
    const events = await openStore(`sqlite:${file}`);
    try {
      await killCycles(events, { url: `sqlite:${file}` });
    } finally {
      await events.close();
    }
  }, 60_000 + CYCLES * 5000);

  describeWithService(pgCheck, 'PostgreSQL', () => {
    const pg = usePostgres(pgCheck.url);
    it(`PostgreSQL: after each of ${CYCLES} kills the read model is a clean fold up to its checkpoint`, async () => {
      const schema = pg.schema();
      const events = await pg.open({ schema });
      await killCycles(events, { url: pgCheck.url, schema });
    }, 60_000 + CYCLES * 5000);
  });
});
