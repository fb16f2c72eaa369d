import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type EventStore } from '../../src/index.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { cleanFold, partitionHolders, SOAK, startProjector, storedTrails, stopProjector, trailCheckpoint, until, type ProjectorReport } from '../helpers/projector.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, type Worker } from '../helpers/worker.js';

// Consumer groups across processes (test/fixtures/projector.mjs with `partitions`): the `trail`
// projection split in 16 partitions, run by member processes while events keep arriving. Each
// stream's document records the revisions in the order they were applied (and who applied
// them), so a duplicate, a gap or a reordering shows in the data. One member is killed with
// SIGKILL, one frozen with SIGSTOP past its lease, members join and leave: the partitions must
// find a new owner within the lease's ttl + 2 s, a frozen member must write nothing once thawed,
// and the read model must end a clean fold of the log.

const PARTITIONS = 16;
const LEASE_TTL_MS = 1500;
const STREAMS = SOAK ? 10_000 : 1000;
const EVENTS = SOAK ? 200_000 : 20_000;

const pgCheck = await checkService(postgresService);
const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

type Target = { url: string; schema?: string };

/** The log before the members start: EVENTS events over STREAMS streams, a stream's events in several appends. */
async function seed(events: EventStore): Promise<void> {
  const perAppend = EVENTS / STREAMS / 4;
  for (let round = 0; round < 4; round++) {
    const appends = [];
    for (let stream = 0; stream < STREAMS; stream++) appends.push(events.append(`s-${stream}`, Array.from({ length: perAppend }, () => ({ type: 'E' }))));
    await Promise.all(appends);
  }
}

/** Appends go on (one event to a random stream every few ms) until the returned function is called. */
function keepAppending(events: EventStore): () => Promise<number> {
  let writing = true;
  let appended = 0;
  const writer = (async () => {
    while (writing) {
      await events.append(`s-${Math.floor(Math.random() * STREAMS)}`, [{ type: 'E' }]);
      appended++;
      await sleep(2);
    }
  })();
  return async () => {
    writing = false;
    await writer;
    return appended;
  };
}

function member(target: Target, owner: string, extra: { busyMs?: number } = {}): Promise<Worker> {
  return startProjector({ ...target, owner, leaseTtlMs: LEASE_TTL_MS, batchSize: 50, partitions: PARTITIONS, quiet: extra.busyMs === undefined, ...extra });
}

/** Waits until the listed members together hold every partition, each at least one. */
async function shared(events: EventStore, owners: readonly string[]): Promise<Map<number, { owner: string; epoch: number; checkpoint: number }>> {
  return until(`${owners.join(', ')} share the ${PARTITIONS} partitions`, async () => {
    const holders = await partitionHolders(events.readModelStore());
    const all = [...holders.values()].map((holder) => holder.owner);
    return holders.size === PARTITIONS && all.every((owner) => owners.includes(owner)) && owners.every((owner) => all.includes(owner)) ? holders : undefined;
  }, 30_000);
}

/** Waits for every partition to reach the head, then checks the read model against a clean fold of the log. */
async function convergeToCleanFold(events: EventStore): Promise<void> {
  const head = await events.headPosition();
  await until('every partition reaches the head', async () => ((await trailCheckpoint(events.readModelStore(), PARTITIONS)) >= head ? true : undefined), 60_000);
  const { trails } = await storedTrails(events.readModelStore());
  expect(trails, 'every event applied once, in its stream order').toEqual(await cleanFold(events));
}

async function killMember(events: EventStore, target: Target): Promise<void> {
  await seed(events);
  const owners = ['k-a', 'k-b', 'k-c'];
  const workers = await Promise.all(owners.map((owner) => member(target, owner)));
  const stopAppending = keepAppending(events);
  try {
    const before = await shared(events, owners);
    // Killed while the group works through the log.
    const victim = owners[1]!;
    const orphans = [...before].filter(([, holder]) => holder.owner === victim).map(([partition]) => partition);
    expect(orphans.length).toBeGreaterThan(0);
    workers[1]!.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the killed member\'s partitions are owned again', async () => {
      const holders = await partitionHolders(events.readModelStore());
      return orphans.every((partition) => holders.has(partition) && holders.get(partition)!.owner !== victim) ? true : undefined;
    }, LEASE_TTL_MS + 10_000);
    expect(Date.now() - killedAt, 'owned again within the ttl + 2 s').toBeLessThanOrEqual(LEASE_TTL_MS + 2000);
    const after = await partitionHolders(events.readModelStore());
    for (const partition of orphans) expect(after.get(partition)!.epoch, `partition ${partition} changed hands`).toBeGreaterThan(before.get(partition)!.epoch);
  } finally {
    expect(await stopAppending()).toBeGreaterThan(0);
  }
  await convergeToCleanFold(events);
  for (const index of [0, 2]) expect((await stopProjector(workers[index]!)).refusedCommits).toBe(0);
}

async function pauseMember(events: EventStore, target: Target): Promise<void> {
  await seed(events);
  const owners = ['p-a', 'p-b', 'p-c'];
  // The paused one applies slowly, so it is frozen inside a batch and commits it after the thaw.
  const workers = [await member(target, owners[0]!), await member(target, owners[1]!, { busyMs: 2 }), await member(target, owners[2]!)];
  const frozen = workers[1]!;
  const stopAppending = keepAppending(events);
  let reports: ProjectorReport[] = [];
  try {
    const before = await shared(events, owners);
    const its = [...before].filter(([, holder]) => holder.owner === owners[1]).map(([partition]) => partition);
    await frozen.nextLine((line) => line.startsWith('applying '));
    process.kill(frozen.pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    await until('the frozen member\'s partitions are taken', async () => {
      const holders = await partitionHolders(events.readModelStore());
      return its.every((partition) => holders.has(partition) && holders.get(partition)!.owner !== owners[1]) ? holders : undefined;
    }, LEASE_TTL_MS + 10_000);
    expect(Date.now() - stoppedAt, 'taken over within the ttl + 2 s').toBeLessThanOrEqual(LEASE_TTL_MS + 2000);
    await sleep(300);
    process.kill(frozen.pid!, 'SIGCONT');
    // Thawed, it commits nothing, beats again and is dealt partitions once more.
    await shared(events, owners);
    const stopped = await stopAppending();
    expect(stopped).toBeGreaterThan(0);
    await convergeToCleanFold(events);
    reports = await Promise.all(workers.map((worker) => stopProjector(worker)));
    // Its batch in flight was refused (had it been written, the taker's apply of the same events
    // would show twice in the clean-fold check above).
    expect(reports[1]!.refusedCommits, 'the thawed member tried to commit its batch, and was refused').toBeGreaterThanOrEqual(1);
  } finally {
    frozen.kill('SIGCONT');
    await stopAppending();
  }
}

async function joinAndLeave(events: EventStore, target: Target): Promise<void> {
  await seed(events);
  const first = [await member(target, 'j-a'), await member(target, 'j-b')];
  const stopAppending = keepAppending(events);
  try {
    await shared(events, ['j-a', 'j-b']);
    const joining = await member(target, 'j-c');
    await shared(events, ['j-a', 'j-b', 'j-c']);
    const leftReport = await stopProjector(first[0]!);
    await shared(events, ['j-b', 'j-c']);
    await stopAppending();
    await convergeToCleanFold(events);
    // Handed over cooperatively: a partition is released after its batch commits, so no commit was refused.
    const reports = [leftReport, await stopProjector(first[1]!), await stopProjector(joining)];
    expect(reports.map((report) => report.refusedCommits)).toEqual([0, 0, 0]);
    expect(reports.flatMap((report) => report.errors)).toEqual([]);
  } finally {
    await stopAppending();
  }
}

describe('a consumer group of member processes', () => {
  it(`SQLite: kill -9 of one of three members: its partitions are owned again within the ttl + 2 s; every event applied once, in order`, async () => {
    const file = dir.file('group-kill.db');
    const events = await openStore(`sqlite:${file}`);
    try {
      await killMember(events, { url: `sqlite:${file}` });
    } finally {
      await events.close();
    }
  }, 120_000);

  describeWithService(pgCheck, 'PostgreSQL', () => {
    const pg = usePostgres(pgCheck.url);

    it(`kill -9 of one of three members: its partitions are owned again within the ttl + 2 s; every event applied once, in order`, async () => {
      const schema = pg.schema();
      await killMember(await pg.open({ schema }), { url: pgCheck.url, schema });
    }, 120_000);

    it('a member frozen past its lease writes nothing once thawed, and rejoins', async () => {
      const schema = pg.schema();
      await pauseMember(await pg.open({ schema }), { url: pgCheck.url, schema });
    }, 120_000);

    it('a member joining and one leaving under load: partitions move without a duplicate or a gap', async () => {
      const schema = pg.schema();
      await joinAndLeave(await pg.open({ schema }), { url: pgCheck.url, schema });
    }, 120_000);
  });
});
