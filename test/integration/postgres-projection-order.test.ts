import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { EventStore } from '../../src/index.js';
import { runProjections } from '../../src/projection/run-projections.js';
import { appendEventsQuery, postgresService, usePostgres, type RawEvent } from '../helpers/postgres.js';
import { cleanFold, SOAK, storedTrails, trail, trailCheckpoint } from '../helpers/projector.js';
import { checkService, describeWithService } from '../helpers/services.js';

// Eight writers in three pools append to one PostgreSQL schema while an async projection
// follows the log. One writer takes its positions and then holds its transaction open (3 s; 30 s
// with ANNALS_SOAK=1) while later positions commit around it; others roll transactions back.
// The projection must apply every committed event exactly once, in each stream's order, and
// never move its checkpoint past the held position before that transaction commits.

const HOLD_MS = SOAK ? 30_000 : 3000;
const WRITE_MS = HOLD_MS + 1500;

const service = await checkService(postgresService);

const raw = (n: number) => Array.from({ length: n }, (): RawEvent & { data: null } => ({ id: randomUUID(), type: 'E', data: null }));

describeWithService(service, 'PostgreSQL: an async projection under overlapping writers', () => {
  const pg = usePostgres(service.url);

  it('applies every committed event exactly once, in per-stream order, around a transaction held open', async () => {
    const schema = pg.schema();
    const pools: EventStore[] = [];
    for (let p = 0; p < 3; p++) pools.push(await pg.open({ schema, poolSize: 4 }));
    const readModels = pools[0]!.readModelStore();
    const running = await runProjections(pools[1]!, [trail], { leaseTtlMs: 2000, batchSize: 20 });
    const until = Date.now() + WRITE_MS;
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    let held: { position: number; committed: boolean } | undefined;
    const checkpointsWhileHeld: number[] = [];

    // Five writers through the stores' own appends (two or three events per call, some to the same streams).
    const storeWriter = async (w: number) => {
      const store = pools[w % 3]!;
      for (let n = 0; Date.now() < until; n++) {
        const events = raw(1 + (n % 3));
        await store.append(`s-${(w + n) % 6}`, events);
        for (const e of events) committed.add(e.id);
      }
    };
    // Three writers with transactions of their own, on clients of each pool's database.
    const rawWriter = async (w: number) => {
      const client = await pg.client();
      for (let n = 0; Date.now() < until; n++) {
        const events = raw(1 + (n % 2));
        const stream = `s-${(w + n) % 6}`;
        await client.query('BEGIN');
        const { rows } = await client.query<{ out_position: number }>(appendEventsQuery(schema, stream, events));
        if (w === 5 && held === undefined && n >= 5) {
          // Positions taken; later ones commit meanwhile.
          held = { position: rows[0]!.out_position, committed: false };
          const watch = setInterval(() => void trailCheckpoint(readModels).then((c) => checkpointsWhileHeld.push(c)), 50);
          await sleep(HOLD_MS);
          clearInterval(watch);
          await client.query('COMMIT');
          held.committed = true;
          for (const e of events) committed.add(e.id);
          continue;
        }
        if (w !== 5 && n % 3 === 0) {
          await client.query('ROLLBACK');
          for (const e of events) rolledBack.add(e.id);
        } else {
          await client.query('COMMIT');
          for (const e of events) committed.add(e.id);
        }
        await sleep(Math.random() * 3);
      }
    };
    await Promise.all([0, 1, 2, 3, 4].map(storeWriter).concat([5, 6, 7].map(rawWriter)));
    expect(held?.committed).toBe(true);
    const head = await pools[0]!.headPosition();
    await running.readModels.waitFor(trail, { minPosition: head, timeoutMs: 20_000 });
    await running.stop();

    // The log holds exactly the committed events; the read model is their clean fold.
    const ids = new Set<string>();
    for await (const event of pools[2]!.readAll()) ids.add(event.id);
    expect(ids).toEqual(committed);
    expect(rolledBack.size).toBeGreaterThan(0);
    const { trails } = await storedTrails(readModels);
    const fold = await cleanFold(pools[2]!);
    expect(trails).toEqual(fold);
    for (const [stream, { revisions }] of trails) expect(revisions, stream).toEqual(revisions.map((_, i) => i));
    // While the transaction was held, the checkpoint never passed the positions it had taken.
    expect(checkpointsWhileHeld.length).toBeGreaterThan(HOLD_MS / 100);
    expect(checkpointsWhileHeld.filter((c) => c >= held!.position)).toEqual([]);
    expect(Math.max(...checkpointsWhileHeld), 'the projection moved meanwhile').toBeGreaterThan(0);
  }, 60_000 + HOLD_MS * 2);
});
